"""Take-over: the owner of a managed shop, who may never have logged in, gets a signed link
(by text or e-mail, through notifications), sets an e-mail address and a password, and runs the
shop themselves; the agent's help ends.

The link carries the managed shop and its owner, signed with SECRET_KEY and a salt of its own
(django.core.signing, timestamped), and a fingerprint of the owner's password hash: it is good
for TAKEOVER_MAX_AGE, and only while the agent's help lasts and the owner has set no password
since (then it reads as used).
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from notifications.services import notify

from ..errors import Conflict, NotFound, TakeoverLinkInvalid
from ..models import HubAct, ManagedShop
from .managed import managed_lock_for_agent, managed_shop_end

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


def takeover_token(*, managed: ManagedShop) -> str:
    owner = managed.shop.owner
    return signing.dumps({"m": managed.pk, "u": owner.pk, "p": _password_print(owner.password)},
                         salt=TAKEOVER_SALT, compress=True)


def takeover_link_send(*, agent, shop_id) -> ManagedShop:
    """The agent asks for a take-over link for the owner: sent to the owner's phone or e-mail
    (notifications picks the channel). Each request makes a new link; the older ones still
    work until they expire or the shop is taken over."""
    with transaction.atomic():
        managed = managed_lock_for_agent(user=agent, shop_id=shop_id)
        token = takeover_token(managed=managed)
        notify(recipient=managed.shop.owner, kind="hub_takeover_link",
               context={"shop_name": managed.shop.name, "hub_name": managed.hub.name,
                        "agent_name": agent.display_name, "days": TAKEOVER_MAX_AGE // 86400},
               url=reverse("hub-takeover", args=[token]),
               dedupe_key=f"hub-takeover:{managed.pk}:{token.rsplit(':', 2)[-2]}")
    return managed


def takeover_claim_read(token: str) -> TakeoverClaim:
    """The live managed shop and owner a take-over link is for; TakeoverLinkInvalid if not."""
    try:
        claim = signing.loads(str(token), salt=TAKEOVER_SALT, max_age=TAKEOVER_MAX_AGE)
    except signing.SignatureExpired:
        raise TakeoverLinkInvalid("This link has expired. Ask the hub for a new one.") from None
    except signing.BadSignature:
        raise TakeoverLinkInvalid("This link is not valid. Check that you copied all of it, "
                                  "or ask the hub for a new one.") from None
    managed = (ManagedShop.objects.select_related("shop", "shop__owner", "hub", "agent")
               .filter(pk=claim.get("m"), shop__owner_id=claim.get("u")).first())
    if (managed is None or not managed.is_live
            or not constant_time_compare(claim.get("p", ""),
                                         _password_print(managed.shop.owner.password))):
        raise TakeoverLinkInvalid(LINK_USED)
    return TakeoverClaim(managed=managed, owner=managed.shop.owner)


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
            managed_shop_end(managed_id=claim.managed.pk, by=locked,
                             reason=ManagedShop.EndReason.OWNER_TOOK_OVER,
                             action=HubAct.Action.OWNER_TOOK_OVER)
    except IntegrityError:
        raise Conflict("Another account already uses this e-mail address. Use another "
                       "one.") from None
    except NotFound:  # the help ended a moment ago (the owner revoked, staff removed the agent)
        raise TakeoverLinkInvalid(LINK_USED) from None
    return locked
