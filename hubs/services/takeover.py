"""Take-over: the owner of a managed shop, who may never have logged in, gets a signed link
(by text or e-mail, through notifications), sets an e-mail address and a password, and runs the
shop themselves; the agent's help ends.

The link carries the managed shop and the time it was made, with an HMAC (SECRET_KEY and a
salt of its own, as django.core.signing does, cut to 72 bits so the link fits in one text
message) over them, the owner and the owner's password hash: it is good for TAKEOVER_MAX_AGE,
and only while the agent's help lasts and the owner has set no password since (then it reads
as used). Guessing one is hopeless at the take-over pages' rate limit.
"""

import base64
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import base36_to_int, int_to_base36

from notifications.services import notify

from ..errors import Conflict, NotFound, TakeoverLinkInvalid
from ..models import HubAct, ManagedShop
from .acts import act_record
from .managed import NO_MANAGED_SHOP, managed_lock_for_agent, managed_shop_end

TAKEOVER_SALT = "hubs.managed-shop-takeover"
TAKEOVER_MAX_AGE = 3 * 24 * 3600  # seconds: three days
LINK_USED = ("This link has already been used, or the agent's help for the shop has ended. "
             "Log in with your e-mail address and password, or ask the hub for a new link.")


@dataclass(frozen=True)
class TakeoverClaim:
    managed: ManagedShop
    owner: object


def _password_print(password_hash: str) -> str:
    return salted_hmac(TAKEOVER_SALT, password_hash or "", algorithm="sha256").hexdigest()[:20]


def _mac(*, managed_id: int, owner_id: int, stamp: str, password_hash: str) -> str:
    """72 bits of an HMAC (SECRET_KEY, our salt) over the claim and the password hash."""
    digest = salted_hmac(TAKEOVER_SALT, f"{managed_id}:{owner_id}:{stamp}:{password_hash}",
                         algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest[:9]).decode()


def takeover_token(*, managed: ManagedShop) -> str:
    """`<managed id>.<time>.<mac>` in base 36 and base64: short enough for a text message."""
    owner = managed.shop.owner
    stamp = int_to_base36(int(time.time()))
    mac = _mac(managed_id=managed.pk, owner_id=owner.pk, stamp=stamp,
               password_hash=owner.password)
    return f"{int_to_base36(managed.pk)}.{stamp}.{mac}"


def takeover_link_send(*, agent, shop_id) -> ManagedShop:
    """The agent asks for a take-over link for the owner: sent to the owner's phone or e-mail
    (notifications picks the channel). Each request makes a new link; the older ones still
    work until they expire or the shop is taken over."""
    with transaction.atomic():
        managed = managed_lock_for_agent(user=agent, shop_id=shop_id)
        token = takeover_token(managed=managed)
        path = reverse("hub-takeover", args=[token])
        notify(recipient=managed.shop.owner, kind="hub_takeover_link",
               context={"shop_name": managed.shop.name, "hub_name": managed.hub.name,
                        "agent_name": agent.display_name, "days": TAKEOVER_MAX_AGE // 86400,
                        "link_site": settings.SITE_URL.rstrip("/"), "link_path": path},
               url=path, dedupe_key=f"hub-takeover:{managed.pk}:{token.split('.')[1]}")
    return managed


def _orphaned(managed: ManagedShop) -> bool:
    """Staff removed the agent and the owner has no password: a take-over link is their only
    way into their shop and money, so one may still be sent (by staff) and used."""
    return (managed.end_reason == ManagedShop.EndReason.AGENT_REMOVED
            and not managed.shop.owner.has_usable_password())


def takeover_link_send_by_staff(*, staff, managed_id) -> ManagedShop:
    """Staff send the owner of a shop whose agent they removed a take-over link (the owner
    cannot log in and no agent acts for them now). NotFound for a shop still run by an agent
    or an owner who already has a password."""
    try:
        managed_id = int(managed_id)
    except (TypeError, ValueError):
        raise NotFound(NO_MANAGED_SHOP) from None
    with transaction.atomic():
        managed = (ManagedShop.objects.select_for_update(of=("self",))
                   .select_related("shop", "shop__owner", "hub").filter(pk=managed_id).first())
        if managed is None or not _orphaned(managed) or managed.shop.owner.closed_at:
            raise NotFound(NO_MANAGED_SHOP)
        if ManagedShop.objects.filter(shop_id=managed.shop_id, ended_at__isnull=True).exists():
            raise NotFound(NO_MANAGED_SHOP)  # another agent runs it now
        token = takeover_token(managed=managed)
        path = reverse("hub-takeover", args=[token])
        notify(recipient=managed.shop.owner, kind="hub_takeover_link",
               context={"shop_name": managed.shop.name, "hub_name": managed.hub.name,
                        "agent_name": staff.display_name, "days": TAKEOVER_MAX_AGE // 86400,
                        "link_site": settings.SITE_URL.rstrip("/"), "link_path": path},
               url=path, dedupe_key=f"hub-takeover:{managed.pk}:{token.split('.')[1]}")
        act_record(hub=managed.hub, action=HubAct.Action.TAKEOVER_LINK_SENT, agent=staff,
                   managed=managed, reference=f"shop:{managed.shop_id}",
                   detail="Sent by staff after the agent was removed")
    return managed


def takeover_claim_read(token: str) -> TakeoverClaim:
    """The live managed shop and owner a take-over link is for; TakeoverLinkInvalid if not."""
    invalid = TakeoverLinkInvalid("This link is not valid. Check that you copied all of it, "
                                  "or ask the hub for a new one.")
    parts = str(token).split(".")
    try:
        managed_id, issued = base36_to_int(parts[0]), base36_to_int(parts[1])
    except (IndexError, ValueError):
        raise invalid from None
    managed = (ManagedShop.objects.select_related("shop", "shop__owner", "hub", "agent")
               .filter(pk=managed_id).first())
    if managed is None or len(parts) != 3:
        raise invalid
    owner = managed.shop.owner
    if owner.has_usable_password() or not (managed.is_live or _orphaned(managed)):
        raise TakeoverLinkInvalid(LINK_USED)
    expected = _mac(managed_id=managed.pk, owner_id=owner.pk, stamp=parts[1],
                    password_hash=owner.password)
    if not constant_time_compare(expected, parts[2]):
        raise invalid
    if time.time() - issued > TAKEOVER_MAX_AGE:
        raise TakeoverLinkInvalid("This link has expired. Ask the hub for a new one.")
    return TakeoverClaim(managed=managed, owner=owner)


def managed_shop_take_over(*, token: str, email: str, password: str):
    """The owner sets their e-mail address and password from the link; the agent's help ends.
    The address is confirmed later from the account page, as any new address is."""
    claim = takeover_claim_read(token)
    email = str(email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    try:
        EmailValidator()(email)
    except ValidationError:
        errors["email"] = ["Enter your e-mail address: you log in with it."]
    owner = claim.owner
    try:
        validate_password(password or "", user=owner)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    users = get_user_model().objects
    if users.filter(email__iexact=email).exclude(pk=owner.pk).exists():
        raise Conflict("Another account already uses this e-mail address. Use another one.")
    try:
        with transaction.atomic():
            # accounts sits above hubs: the User model (through get_user_model) is the one
            # thing of it a lower app may touch. Locked so two clicks on the link set it once.
            locked = users.select_for_update().get(pk=owner.pk)
            if not constant_time_compare(_password_print(locked.password),
                                         _password_print(owner.password)):
                raise TakeoverLinkInvalid(LINK_USED)
            if locked.email.lower() != email:
                locked.email = email
                locked.email_confirmed_at = None
            locked.set_password(password)
            locked.save(update_fields=["email", "email_confirmed_at", "password"])
            if claim.managed.is_live:
                managed_shop_end(managed_id=claim.managed.pk, by=locked,
                                 reason=ManagedShop.EndReason.OWNER_TOOK_OVER,
                                 action=HubAct.Action.OWNER_TOOK_OVER)
    except IntegrityError:
        raise Conflict("Another account already uses this e-mail address. Use another "
                       "one.") from None
    except NotFound:  # the help ended a moment ago (the owner revoked, staff removed the agent)
        raise TakeoverLinkInvalid(LINK_USED) from None
    return locked
