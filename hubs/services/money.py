"""Money at a hub: the commission provider, cash-outs to managed shops' owners, settlements.

A cash-out pays only the shop's owner, started by the agent who manages the shop in their own
hub (never a shop the agent owns), for at most what the shop may be paid now (payments says:
its available balance, not for a suspended shop nor an owner whom Stripe pays). The owner
confirms with a 6-digit code sent to them (only a salted HMAC of it is kept; 30 minutes; five
wrong codes lock it) or the agent uploads the signed receipt. Only then does payments move the
money (seller_payable → seller_paid_out, and the hub's cash position), in one transaction under
the cash-out's and the shop's locks. One open cash-out per shop (a database constraint), so two
cannot spend the same balance. Staff settle what the platform owes a hub (HubSettlement).
"""

import hashlib
import hmac
import io
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from moderation.services.audit import audit_record
from notifications.services import notify
from payments.errors import PaymentsError
from payments.services import (
    hub_cash_out_record,
    hub_cash_out_room,
    hub_settlement_record,
)
from sellers.images import image_clean, image_decode_upload

from ..errors import Conflict, HubsError, NotFound
from ..models import CashOut, Hub, HubAct, HubSettlement, ManagedShop
from ..selectors import agency_of, managed_shop_for_agent
from ..storage import private_storage
from .acts import act_record
from .managed import managed_lock_for_agent

CODE_MINUTES = 30
CODE_MAX_FAILURES = 5
RECEIPT_SIZE = 1600


def hub_commission_for_shop(shop_id: int) -> tuple[int, int] | None:
    """The provider payments asks at each release: the hub whose agent manages `shop_id` now
    and its commission rate now, or None (registered in HubsConfig.ready())."""
    managed = (ManagedShop.objects.filter(shop_id=shop_id, ended_at__isnull=True,
                                          hub__is_open=True)
               .values_list("hub_id", "hub__commission_bps").first())
    return None if managed is None else (managed[0], managed[1])


def _code_hash(code: str, salt: str = "") -> str:
    salt = salt or secrets.token_hex(8)
    digest = hmac.new(settings.SECRET_KEY.encode(), f"hub-cash:{salt}:{code}".encode(),
                      hashlib.sha256).hexdigest()
    return f"{salt}${digest}"


def _code_matches(code: str, stored: str) -> bool:
    salt, _, _ = stored.partition("$")
    return bool(salt) and hmac.compare_digest(_code_hash(code, salt), stored)


def _amount(value) -> int:
    """Cents from the form or the API: a positive whole number, or a 400."""
    if isinstance(value, bool):
        raise HubsError("Enter the amount in cents as a whole number.")
    try:
        cents = int(str(value).strip())
    except (TypeError, ValueError):
        raise HubsError("Enter the amount in cents as a whole number.") from None
    if cents <= 0:
        raise HubsError("The amount must be more than zero.")
    if cents > 10**11:
        raise HubsError("That amount is too large.")
    return cents


def _where_code_goes(owner) -> str:
    """Where notifications sends the code: by e-mail to anyone who has an address, by text to
    someone who has only a phone (notifications.sms_delivery.sms_due_for)."""
    if owner.email:
        return f"email {owner.email}"
    return f"phone {owner.phone}"


def cash_out_room(*, managed: ManagedShop) -> int:
    """What the managed shop's owner may collect at the hub now (0 when nothing may be)."""
    try:
        return hub_cash_out_room(shop=managed.shop)
    except PaymentsError:
        return 0


def _code_send(*, cash_out: CashOut, hub: Hub, owner) -> None:
    code = f"{secrets.randbelow(10**6):06d}"
    cash_out.code_hash = _code_hash(code)
    cash_out.code_sent_to = _where_code_goes(owner)[:254]
    cash_out.code_expires_at = timezone.now() + timedelta(minutes=CODE_MINUTES)
    cash_out.code_failed_attempts = 0
    cash_out.save(update_fields=["code_hash", "code_sent_to", "code_expires_at",
                                 "code_failed_attempts"])
    notify(recipient=owner, kind="hub_cash_code", url=reverse("seller-statement"),
           dedupe_key=f"hub_cash_code:{cash_out.pk}:{secrets.token_hex(6)}",  # each code once
           context={"amount_cents": cash_out.amount_cents, "currency": cash_out.currency,
                    "hub_name": hub.name, "code": code})


def cash_out_start(*, user, shop_id, amount_cents) -> CashOut:
    """The agent starts a cash-out of `amount_cents` for a shop they manage; the owner is told
    the money is ready and gets the code. Another hub's or agent's shop, or a shop the agent
    owns → NotFound; more than may be paid or one already open → Conflict."""
    managed = managed_shop_for_agent(user=user, shop_id=shop_id)
    if managed.shop.owner_id == user.pk:
        raise NotFound("No managed shop with that number.")
    cents = _amount(amount_cents)
    hub, owner = managed.hub, managed.shop.owner
    try:
        with transaction.atomic():
            # The agency's row, locked: a removal or revocation committing meanwhile wins.
            managed = managed_lock_for_agent(user=user, shop_id=managed.shop_id)
            room = hub_cash_out_room(shop=managed.shop)
            if cents > room:
                raise Conflict(f"The shop has ${room / 100:,.2f} to collect now; "
                               "enter that much or less.")
            cash_out = CashOut.objects.create(hub=hub, shop=managed.shop, owner=owner,
                                              agent=user, amount_cents=cents)
            _code_send(cash_out=cash_out, hub=hub, owner=owner)
            notify(recipient=owner, kind="hub_cash_ready", url=reverse("seller-statement"),
                   dedupe_key=f"hub_cash_ready:{cash_out.pk}",
                   context={"amount_cents": cents, "currency": cash_out.currency,
                            "hub_name": hub.name})
            act_record(hub=hub, action=HubAct.Action.CASH_OUT_STARTED, agent=user,
                       managed=managed, reference=cash_out.reference,
                       detail=f"{cents} cents, code sent by {cash_out.code_sent_to.split()[0]}")
            audit_record(actor=user, action=HubAct.Action.CASH_OUT_STARTED,
                         object_type="cash_out", object_id=cash_out.pk,
                         object_repr=str(cash_out),
                         reason=f"By agent {user.pk} for owner {owner.pk} at hub {hub.pk}",
                         status_after=CashOut.Status.AWAITING)
    except IntegrityError:
        raise Conflict("A cash-out for this shop is already waiting for the owner: confirm "
                       "or cancel it first.") from None
    except PaymentsError as refused:
        raise Conflict(str(refused)) from None
    return cash_out


def _cash_out_of_agent(*, user, cash_out_id) -> tuple[CashOut, ManagedShop]:
    """A cash-out of a shop `user` manages now in their hub; anything else is NotFound."""
    try:
        cash_out_id = int(cash_out_id)
    except (TypeError, ValueError):
        raise NotFound("No cash-out with that number.") from None
    agency = agency_of(user=user)
    cash_out = None if agency is None else CashOut.objects.filter(
        pk=cash_out_id, hub_id=agency.hub_id).first()
    if cash_out is None:
        raise NotFound("No cash-out with that number.")
    managed = managed_shop_for_agent(user=user, shop_id=cash_out.shop_id)
    if cash_out.owner_id == user.pk or managed.shop.owner_id != cash_out.owner_id:
        raise NotFound("No cash-out with that number.")
    return cash_out, managed


def _receipt_encode(upload) -> bytes:
    image = image_clean(image_decode_upload(upload))
    image.thumbnail((RECEIPT_SIZE, RECEIPT_SIZE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=85, method=4)
    return buffer.getvalue()


def cash_out_confirm(*, user, cash_out_id, code: str = "", receipt=None) -> CashOut:
    """The agent confirms the owner collected the money: the code the owner tells them, or a
    photo of the signed receipt. Wrong code → HubsError 400 (the fifth locks it), expired or
    locked → Conflict 409; the money moves once, in one transaction."""
    cash_out, managed = _cash_out_of_agent(user=user, cash_out_id=cash_out_id)
    code = str(code or "").strip()
    if not code and receipt is None:
        raise HubsError("Type the owner's 6-digit code, or upload a photo of the signed receipt.")
    if code and (len(code) != 6 or not code.isdigit()):
        raise HubsError("The code has 6 digits.")
    receipt_bytes = _receipt_encode(receipt) if receipt is not None and not code else None
    stored = ""
    wrong = None
    try:
        with transaction.atomic():
            managed = managed_lock_for_agent(user=user, shop_id=cash_out.shop_id)
            cash_out = CashOut.objects.select_for_update().get(pk=cash_out.pk)
            if cash_out.status != CashOut.Status.AWAITING:
                raise Conflict(f"This cash-out is already {cash_out.get_status_display().lower()}.")
            if receipt_bytes is None:
                if cash_out.code_failed_attempts >= CODE_MAX_FAILURES:
                    raise Conflict("Five wrong codes: this cash-out is locked. Cancel it, or "
                                   "upload the signed receipt.")
                if cash_out.code_expires_at is None or cash_out.code_expires_at <= timezone.now():
                    raise Conflict("The code has expired: send a new one to the owner.")
                if not _code_matches(code, cash_out.code_hash):
                    cash_out.code_failed_attempts += 1
                    cash_out.save(update_fields=["code_failed_attempts"])
                    left = CODE_MAX_FAILURES - cash_out.code_failed_attempts
                    wrong = (f"That code is not right; {left} tries left." if left else
                             "That code is not right. Five wrong codes: this cash-out is locked.")
            if wrong is None:
                if receipt_bytes is not None:
                    stored = private_storage.save(
                        f"hubs/receipts/{cash_out.pk}-{uuid.uuid4().hex}.webp",
                        ContentFile(receipt_bytes))
                    cash_out.receipt = stored
                    cash_out.proof = CashOut.Proof.RECEIPT
                else:
                    cash_out.proof = CashOut.Proof.CODE
                hub_cash_out_record(shop_id=cash_out.shop_id, hub_id=cash_out.hub_id,
                                    amount_cents=cash_out.amount_cents,
                                    reference=cash_out.reference, actor=user,
                                    currency=cash_out.currency)
                cash_out.status = CashOut.Status.COLLECTED
                cash_out.collected_at = timezone.now()
                cash_out.code_hash = ""
                cash_out.save(update_fields=["status", "proof", "receipt", "collected_at",
                                             "code_hash"])
                act_record(hub=managed.hub, action=HubAct.Action.CASH_OUT_CONFIRMED, agent=user,
                           managed=managed, reference=cash_out.reference,
                           detail=f"{cash_out.amount_cents} cents, by "
                                  f"{cash_out.get_proof_display().lower()}")
                audit_record(actor=user, action=HubAct.Action.CASH_OUT_CONFIRMED,
                             object_type="cash_out", object_id=cash_out.pk,
                             object_repr=str(cash_out),
                             reason=f"By agent {user.pk} for owner {cash_out.owner_id} at "
                                    f"hub {cash_out.hub_id}",
                             status_before=CashOut.Status.AWAITING,
                             status_after=CashOut.Status.COLLECTED)
                notify(recipient=managed.shop.owner, kind="hub_cash_collected",
                       url=reverse("seller-statement"),
                       dedupe_key=f"hub_cash_collected:{cash_out.pk}",
                       context={"amount_cents": cash_out.amount_cents,
                                "currency": cash_out.currency, "hub_name": managed.hub.name})
    except PaymentsError as refused:
        if stored:
            private_storage.delete(stored)
        raise Conflict(str(refused)) from None
    except Exception:
        if stored:
            private_storage.delete(stored)
        raise
    if wrong is not None:
        raise HubsError(wrong)
    return cash_out


def cash_out_code_resend(*, user, cash_out_id) -> CashOut:
    """A new code for a waiting cash-out (the old one stops working; the count starts over)."""
    cash_out, managed = _cash_out_of_agent(user=user, cash_out_id=cash_out_id)
    with transaction.atomic():
        cash_out = CashOut.objects.select_for_update().get(pk=cash_out.pk)
        if cash_out.status != CashOut.Status.AWAITING:
            raise Conflict(f"This cash-out is already {cash_out.get_status_display().lower()}.")
        _code_send(cash_out=cash_out, hub=managed.hub, owner=managed.shop.owner)
    return cash_out


def cash_out_cancel(*, user, cash_out_id) -> CashOut:
    """The agent cancels a waiting cash-out: nothing moved, the balance stays the owner's."""
    cash_out, managed = _cash_out_of_agent(user=user, cash_out_id=cash_out_id)
    with transaction.atomic():
        cash_out = CashOut.objects.select_for_update().get(pk=cash_out.pk)
        if cash_out.status != CashOut.Status.AWAITING:
            raise Conflict(f"This cash-out is already {cash_out.get_status_display().lower()}.")
        cash_out.status = CashOut.Status.CANCELLED
        cash_out.cancelled_at = timezone.now()
        cash_out.code_hash = ""
        cash_out.save(update_fields=["status", "cancelled_at", "code_hash"])
        act_record(hub=managed.hub, action=HubAct.Action.CASH_OUT_CANCELLED, agent=user,
                   managed=managed, reference=cash_out.reference)
        audit_record(actor=user, action=HubAct.Action.CASH_OUT_CANCELLED,
                     object_type="cash_out", object_id=cash_out.pk, object_repr=str(cash_out),
                     reason=f"By agent {user.pk} for owner {cash_out.owner_id}",
                     status_before=CashOut.Status.AWAITING,
                     status_after=CashOut.Status.CANCELLED)
    return cash_out


def hub_settle(*, staff, hub_id, amount_cents, note: str) -> HubSettlement:
    """Staff paid a hub part or all of what the platform owes it (checked under the hub's
    lock: two settlements cannot both pay the same debt); audited."""
    cents = _amount(amount_cents)
    note = (note or "").strip()
    if not note:
        raise HubsError("Say how the hub was paid (a check number, a bank reference).")
    if len(note) > 300:
        raise HubsError("Keep the note under 300 characters.")
    try:
        hub_id = int(hub_id)
    except (TypeError, ValueError):
        raise NotFound("No hub with that number.") from None
    try:
        with transaction.atomic():
            hub = Hub.objects.select_for_update().filter(pk=hub_id).first()
            if hub is None:
                raise NotFound("No hub with that number.")
            settlement = HubSettlement.objects.create(hub=hub, amount_cents=cents, note=note,
                                                      settled_by=staff)
            hub_settlement_record(hub_id=hub.pk, amount_cents=cents,
                                  reference=settlement.reference, actor=staff)
            act_record(hub=hub, action=HubAct.Action.HUB_SETTLED, agent=staff,
                       reference=settlement.reference, detail=f"{cents} cents: {note}")
            audit_record(actor=staff, action=HubAct.Action.HUB_SETTLED, object_type="hub",
                         object_id=hub.pk, object_repr=str(hub), reason=f"{cents} cents: {note}")
    except PaymentsError as refused:
        raise Conflict(str(refused)) from None
    return settlement
