"""Staff open hubs, set their commission, close and reopen them: each decision audited."""

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from moderation.models import AuditLog
from moderation.services.audit import audit_record
from sellers.models import Village
from sellers.us_states import STATE_CHOICES

from ..errors import NotFound
from ..models import MAX_HUB_COMMISSION_BPS, Hub, HubAct
from .acts import act_record

Action = AuditLog.Action
STATES = {code for code, _ in STATE_CHOICES}
# Paths under /staff/hubs/ and /api/v1/moderation/hubs/ that a hub's slug must not take.
RESERVED_SLUGS = {"agents", "agent-applications", "new", "cash"}
POSTAL_CODE = re.compile(r"^\d{5}(-\d{4})?$")
PHONE_PUNCTUATION = re.compile(r"[\s().\-]")


def _text(value, *, limit: int) -> str:
    return str(value or "").strip()[:limit]


def phone_clean(raw) -> str:
    """A phone number in E.164 form: "+16085550100"; a 10-digit US number gains its +1."""
    value = PHONE_PUNCTUATION.sub("", str(raw or ""))
    if re.fullmatch(r"\d{10}", value):
        value = "+1" + value
    elif re.fullmatch(r"1\d{10}", value):
        value = "+" + value
    if not re.fullmatch(r"\+[1-9]\d{7,14}", value):
        raise ValidationError({"phone": [
            "Give a phone number with its area code, like (608) 555-0100 or +1 608 555 0100."]})
    return value


def commission_clean(raw) -> int:
    """Basis points from 0 to MAX_HUB_COMMISSION_BPS (1,000 = 10 %)."""
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        value = None
    if value is None or not 0 <= value <= MAX_HUB_COMMISSION_BPS:
        raise ValidationError({"commission_bps": [
            f"Give the commission in basis points, a whole number from 0 to "
            f"{MAX_HUB_COMMISSION_BPS} (100 basis points are 1 %; at most 10 %)."]})
    return value


def hub_fields_clean(*, village_id=None, village_slug=None, name, line1, line2="", city, state,
                     postal_code, phone,
                     opening_hours, commission_bps=0) -> dict:
    """The fields of a new hub, checked; ValidationError names every field that is wrong."""
    values = {
        "name": _text(name, limit=100), "line1": _text(line1, limit=120),
        "line2": _text(line2, limit=120), "city": _text(city, limit=80),
        "state": _text(state, limit=2).upper(), "postal_code": _text(postal_code, limit=10),
        "opening_hours": _text(opening_hours, limit=300),
    }
    errors = {}
    for field, words in (("name", "Give the hub's name."), ("line1", "Give the street address."),
                         ("city", "Give the town."),
                         ("opening_hours", "Say when the hub is open, e.g. Mon–Fri 9 am–5 pm.")):
        if not values[field]:
            errors[field] = [words]
    if values["state"] not in STATES:
        errors["state"] = ["Choose the state."]
    if not POSTAL_CODE.match(values["postal_code"]):
        errors["postal_code"] = ["Give a ZIP code: five digits (or ZIP+4)."]
    for field, clean in (("phone", lambda: phone_clean(phone)),
                         ("commission_bps", lambda: commission_clean(commission_bps))):
        try:
            values[field] = clean()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    village = None
    if village_slug:
        village = Village.objects.filter(slug=str(village_slug)[:100]).first()
    elif village_id is not None:
        try:
            village = Village.objects.filter(pk=int(village_id)).first()
        except (TypeError, ValueError, OverflowError):
            village = None
    if village is None:
        errors["village"] = ["Choose the village the hub serves."]
    if errors:
        raise ValidationError(errors)
    values["village"] = village
    return values


def _slug_for(name: str) -> str:
    base = slugify(name)[:90] or "hub"
    if base in RESERVED_SLUGS:
        base = f"{base}-hub"
    slug, number = base, 2
    while Hub.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def hub_create(*, actor, village_id=None, village_slug=None, name, line1, line2="", city,
               state, postal_code, phone, opening_hours, commission_bps=0) -> Hub:
    """Staff open a hub in a village (by id or slug); audited and recorded in its activity."""
    values = hub_fields_clean(
        village_id=village_id, village_slug=village_slug, name=name, line1=line1, line2=line2,
        city=city, state=state,
        postal_code=postal_code, phone=phone, opening_hours=opening_hours,
        commission_bps=commission_bps)
    for attempt in range(3):
        try:
            with transaction.atomic():
                hub = Hub.objects.create(slug=_slug_for(values["name"]), **values)
                audit_record(actor=actor, action=Action.HUB_CREATED, object_type="hub",
                             object_id=hub.pk, object_repr=hub.name,
                             reason=f"Opened in {hub.village.name}, {hub.village.state}; "
                                    f"commission {hub.commission_bps} basis points.",
                             status_after="open")
                act_record(hub=hub, action=HubAct.Action.HUB_CREATED, agent=actor,
                           reference=hub.reference, detail=hub.name)
            return hub
        except IntegrityError:
            # Two hubs of the same name created at once took the same slug: take the next.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def hub_change(*, actor, slug, commission_bps=None, is_open=None, note: str = "") -> Hub:
    """Staff change a hub's commission, or close or reopen it; each change audited."""
    note = _text(note, limit=2000)
    commission = None if commission_bps is None else commission_clean(commission_bps)
    if is_open is not None and not isinstance(is_open, bool):
        raise ValidationError({"is_open": ["Say whether the hub is open: true or false."]})
    with transaction.atomic():
        hub = Hub.objects.select_for_update().filter(slug=str(slug)[:100]).first()
        if hub is None:
            raise NotFound("No hub with that address.")
        before_state = "open" if hub.is_open else "closed"
        changed = []
        if commission is not None and commission != hub.commission_bps:
            act_record(hub=hub, action=HubAct.Action.COMMISSION_CHANGED, agent=actor,
                       reference=hub.reference,
                       detail=f"{hub.commission_bps} → {commission} basis points")
            changed.append(f"commission {hub.commission_bps} → {commission} basis points")
            hub.commission_bps = commission
        if is_open is not None and is_open != hub.is_open:
            hub.is_open = is_open
            act_record(hub=hub, agent=actor, reference=hub.reference, detail=note,
                       action=HubAct.Action.HUB_REOPENED if is_open else HubAct.Action.HUB_CLOSED)
            changed.append("reopened" if is_open else "closed")
        if not changed:
            return hub
        hub.save(update_fields=["commission_bps", "is_open"])
        reason = "; ".join(changed).capitalize() + "." + (f" {note}" if note else "")
        audit_record(actor=actor, action=Action.HUB_CHANGED, object_type="hub",
                     object_id=hub.pk, object_repr=hub.name, reason=reason,
                     status_before=before_state,
                     status_after="open" if hub.is_open else "closed")
    return hub
