"""Managed shops: an agent opens a shop for a neighbour, the owner revokes the agent's help.

The shop, its listings and its money stay the owner's: sellers' and orders' services are
called with the owner as `user`, and each act is a HubAct row ("by agent X for owner Y") in
the same transaction (hubs/services/agent_acts.py). The agency is re-read on every request,
so a revocation or a removal by staff takes effect at once.
"""

import datetime
import io
import re
import uuid

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from PIL import Image

from notifications.services import notify
from orders.services.checkout import shipping_address_clean
from sellers.images import image_clean, image_decode_upload
from sellers.services import shop_open

from ..errors import Conflict, NotAllowed, NotFound
from ..models import HubAct, ManagedShop
from ..selectors import agency_of
from ..storage import private_storage
from .acts import act_record

CONSENT_MAX_AGE_DAYS = 30
CONSENT_PHOTO_SIZE = 1600
NOT_AN_AGENT = "Only a verified agent of an open hub can open a shop for a neighbour."
PHONE_MESSAGE = "Enter a US phone number with its area code, such as (563) 555-0142."
ACCOUNT_EXISTS = ("Someone already has an account with this {what}. If it is the neighbour, "
                  "they can open their shop themselves; otherwise check the {what}.")
NO_MANAGED_SHOP = "No managed shop with that number."
SHOP_FIELDS = {"name": "shop_name", "description": "shop_description"}


def phone_normalize(raw) -> str:
    """A US phone number in E.164 ("+15635550142"); ValueError when it is not one."""
    text = str(raw or "").strip()
    if not text or len(text) > 30 or not re.fullmatch(r"\+?[\d\s().-]+", text):
        raise ValueError(PHONE_MESSAGE)
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    elif text.startswith("+"):
        raise ValueError(PHONE_MESSAGE)
    # NANP: ten digits, the area code and the exchange do not start with 0 or 1.
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        raise ValueError(PHONE_MESSAGE)
    return f"+1{digits}"


def _neighbour_fields(*, name, phone, email, errors: dict) -> tuple[str, str, str]:
    name = str(name or "").strip()
    if not name or len(name) > 60:
        errors["owner_name"] = ["Enter the neighbour's name (at most 60 characters)."]
    try:
        phone = phone_normalize(phone)
    except ValueError as exc:
        errors["owner_phone"] = [str(exc)]
        phone = ""
    email = str(email or "").strip().lower()
    if email:
        try:
            EmailValidator()(email)
            if len(email) > 254:
                raise ValidationError("too long")
        except ValidationError:
            errors["owner_email"] = ["Enter a valid e-mail address, or leave it empty."]
    return name, phone, email


def _consent_fields(*, consent_on, statement, errors: dict) -> tuple[datetime.date | None, str]:
    if isinstance(consent_on, str):
        try:
            consent_on = datetime.date.fromisoformat(consent_on.strip())
        except ValueError:
            consent_on = None
    if isinstance(consent_on, datetime.datetime):
        consent_on = consent_on.date()
    today = timezone.localdate()
    if not isinstance(consent_on, datetime.date):
        errors["consent_on"] = ["Enter the day the neighbour gave consent, such as "
                                f"{today.isoformat()}."]
        consent_on = None
    elif consent_on > today:
        errors["consent_on"] = ["The day of consent cannot be in the future."]
    elif consent_on < today - datetime.timedelta(days=CONSENT_MAX_AGE_DAYS):
        errors["consent_on"] = [f"The consent is older than {CONSENT_MAX_AGE_DAYS} days: ask "
                                "the neighbour again and record the new date."]
    statement = str(statement or "").replace("\r\n", "\n").strip()
    if len(statement) < 10 or len(statement) > 2000:
        errors["consent_statement"] = [
            "Say in your own words how the neighbour agreed (10 to 2,000 characters), such "
            "as “She signed the paper form at the hub on Monday.”"]
    return consent_on, statement


def _address_fields(raw, errors: dict) -> dict:
    try:
        address = shipping_address_clean(raw if isinstance(raw, dict) else None)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            name = field.removeprefix("shipping_address").lstrip(".") or "address"
            errors[f"owner_address.{name}" if name != "address" else "owner_address"] = messages
        return {}
    return {key: address.get(key, "") for key in
            ("name", "line1", "line2", "city", "state", "postal_code")}


def consent_photo_encode(upload) -> bytes:
    """The signed paper form as a clean WebP (decoded, stripped, re-encoded); raises the
    sellers image errors (400/413/415) for a bad file."""
    image = image_clean(image_decode_upload(upload))
    image.thumbnail((CONSENT_PHOTO_SIZE, CONSENT_PHOTO_SIZE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=85, method=4)
    return buffer.getvalue()


def managed_shop_open(
    *, agent, owner_name: str, owner_phone: str, owner_email: str = "", owner_address: dict,
    shop_name: str, shop_description: str = "", consent_on, consent_statement: str,
    consent_photo=None,
) -> ManagedShop:
    """Open a shop for a neighbour: their account (phone, maybe no e-mail, no password), the
    shop (waiting for staff verification), the managed-shop row with the consent and the
    act, in one transaction. An existing account with that phone or e-mail is a Conflict."""
    agency = agency_of(user=agent)
    if agency is None:
        raise NotAllowed(NOT_AN_AGENT)
    errors: dict[str, list[str]] = {}
    name, phone, email = _neighbour_fields(name=owner_name, phone=owner_phone,
                                           email=owner_email, errors=errors)
    address = _address_fields(owner_address, errors)
    consent_on, statement = _consent_fields(consent_on=consent_on,
                                            statement=consent_statement, errors=errors)
    if not str(shop_name or "").strip() or len(str(shop_name)) > 80:
        errors["shop_name"] = ["Enter a name for the shop (at most 80 characters)."]
    if len(str(shop_description or "")) > 4000:
        errors["shop_description"] = ["Use at most 4,000 characters."]
    if errors:
        raise ValidationError(errors)
    if phone == (agent.phone or None) or (email and email == (agent.email or "").lower()):
        raise NotAllowed("You cannot open a managed shop for yourself. Open your own shop "
                         "from the Sell page instead.")
    # Decoding is slow and may fail on a bad file: before anything is written.
    photo = consent_photo_encode(consent_photo) if consent_photo else None
    users = get_user_model().objects
    for what, taken in (("phone number", users.filter(phone=phone)),
                        ("e-mail address", users.filter(email__iexact=email) if email else None)):
        if taken is not None and taken.exists():
            raise Conflict(ACCOUNT_EXISTS.format(what=what))
    village = agency.hub.village
    stored: list[str] = []  # the photo's file, deleted again if nothing is saved
    try:
        try:
            with transaction.atomic():
                # accounts sits above hubs: its User model (through get_user_model) is the one
                # thing of it a lower app may touch. No password: the owner cannot log in until
                # they take the shop over (hubs/services/takeover.py).
                owner = users.create_user(email, None, phone=phone, display_name=name)
                shop = shop_open(owner=owner, name=shop_name, description=shop_description,
                                 village_name=village.name, village_county=village.county,
                                 village_state=village.state, vouched_by_hub=True)
                managed = ManagedShop(shop=shop, hub=agency.hub, agent=agent, consent_on=consent_on,
                                      consent_statement=statement, owner_address=address)
                if photo is not None:
                    managed.consent_photo.save(f"{uuid.uuid4().hex}.webp", ContentFile(photo),
                                               save=False)
                    stored.append(managed.consent_photo.name)
                managed.save()
                act_record(hub=agency.hub, action=HubAct.Action.SHOP_OPENED, agent=agent,
                           managed=managed, reference=f"shop:{shop.pk}",
                           detail=f"{shop.name} for {name}")
        except ValidationError as exc:  # sellers' own checks of the shop's name and description
            raise ValidationError({SHOP_FIELDS.get(field, field): messages
                                   for field, messages in exc.message_dict.items()}) from None
        except IntegrityError:
            # The same phone or e-mail registered a moment ago (the unique constraints).
            taken = users.filter(Q(phone=phone) | (Q(email__iexact=email) if email else Q(pk=None)))
            if taken.exists():
                what = "phone number or e-mail address"
                raise Conflict(ACCOUNT_EXISTS.format(what=what)) from None
            raise
    except Exception:
        for name in stored:
            private_storage.delete(name)
        raise
    return managed


def managed_lock_for_agent(*, user, shop_id) -> ManagedShop:
    """The live managed shop `shop_id` of `user`'s agency, locked until the caller's
    transaction ends (with its shop, owner and hub). Call inside transaction.atomic(): an
    owner's revocation locks the same row, so the act and the revocation never interleave.
    Another hub's, another agent's, an ended one or an ended agency is NotFound."""
    agency = agency_of(user=user)
    try:
        shop_id = int(shop_id)
    except (TypeError, ValueError):
        raise NotFound(NO_MANAGED_SHOP) from None
    managed = None
    if agency is not None:
        managed = (ManagedShop.objects.select_for_update(of=("self",))
                   .select_related("shop", "shop__owner", "hub")
                   .filter(shop_id=shop_id, hub_id=agency.hub_id, agent_id=user.pk,
                           ended_at__isnull=True).first())
    if managed is None:
        raise NotFound(NO_MANAGED_SHOP)
    return managed


def managed_shop_end(*, managed_id: int, by, reason: str, action: str) -> ManagedShop:
    """End a live managed shop (the owner revoked or took over); NotFound if it has ended."""
    with transaction.atomic():
        managed = (ManagedShop.objects.select_for_update(of=("self",))
                   .select_related("shop", "shop__owner", "hub")
                   .filter(pk=managed_id, ended_at__isnull=True).first())
        if managed is None:
            raise NotFound("The agent's help for this shop has already ended.")
        managed.ended_at = timezone.now()
        managed.ended_by = by
        managed.end_reason = reason
        managed.save(update_fields=["ended_at", "ended_by", "end_reason"])
        act_record(hub=managed.hub, action=action, agent=None, managed=managed,
                   reference=f"shop:{managed.shop_id}",
                   detail=f"{managed.agent.display_name} no longer acts for the shop")
        # The agent hears of it at once (their next click is a 404 anyway).
        label = ManagedShop.EndReason(reason).label
        notify(recipient=managed.agent, kind="hub_help_ended",
               context={"shop_name": managed.shop.name,
                        "owner_name": managed.shop.owner.display_name,
                        "ended": label[0].lower() + label[1:]},
               dedupe_key=f"hub-help-ended:{managed.pk}")
    return managed


def managed_shop_revoke(*, owner, shop_id) -> ManagedShop:
    """The owner ends the agent's help for their shop, at once (their open session too)."""
    managed = (ManagedShop.objects.filter(shop_id=shop_id, shop__owner_id=owner.pk,
                                          ended_at__isnull=True)
               .values_list("pk", flat=True).first())
    if managed is None:
        raise NotFound("No agent runs this shop.")
    return managed_shop_end(managed_id=managed, by=owner,
                            reason=ManagedShop.EndReason.OWNER_REVOKED,
                            action=HubAct.Action.OWNER_REVOKED)


def managed_buyer_refusal(*, buyer, shop_ids) -> str:
    """The checkout hook: an agent may not buy from a shop they run for its owner."""
    if not getattr(buyer, "pk", None) or not shop_ids:
        return ""
    names = list(ManagedShop.objects.filter(agent_id=buyer.pk, shop_id__in=list(shop_ids),
                                            ended_at__isnull=True)
                 .order_by("shop__name").values_list("shop__name", flat=True))
    if not names:
        return ""
    return (f"You run “{names[0]}” for its owner as a hub agent, so you cannot buy from it. "
            "Remove its items from your cart to buy the rest.")
