"""Disputes: each side's one statement (with photos), and the staff decision.

A decision is written before any money moves: the order's change, the stored decision, the
audit row and the notices commit in one transaction; then the refund (if any) goes to Stripe
with no lock held, and the settle job finishes it if Stripe is down.
"""

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from moderation.errors import Conflict, NotFound
from moderation.models import AuditLog, DisputeDecision, DisputePhoto, DisputeStatement
from moderation.services.audit import audit_record
from notifications.services import notify
from orders.errors import OrderError
from orders.models import Order
from orders.selectors import order_for_party, order_party
from orders.services.lifecycle import (
    order_dispute_decide,
    order_dispute_money_move,
    order_lock,
)
from payments.selectors import escrow_summary_or_none
from sellers.images import image_clean, image_decode_upload

ANSWER_WAIT = timezone.timedelta(hours=48)
MAX_PHOTOS = 4
PHOTO_SIZE = 1600
THUMBNAIL_SIZE = 320
# The decision in words, from the outcome label table (lower case: it runs on in a sentence).
OUTCOME_WORDS = {value: label[0].lower() + label[1:]
                 for value, label in Order.DisputeOutcome.choices}


def _webp(image: Image.Image, side: int) -> tuple[bytes, int, int]:
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    copy.save(buffer, format="WEBP", quality=80, method=4)
    return buffer.getvalue(), copy.width, copy.height


def dispute_statement_add(*, order_id, user, text: str, uploads=()) -> DisputeStatement:
    """The buyer's or the seller's one statement on a disputed order, with up to 4 photos."""
    order = order_for_party(user=user, order_id=order_id)
    role = DisputeStatement.Role(order_party(order=order, user=user))
    text = str(text or "").replace("\r\n", "\n").strip()
    uploads = [upload for upload in uploads if upload]
    errors = {}
    if not text or len(text) > 4000:
        errors["text"] = ["Tell staff your side of it (up to 4,000 characters)."]
    if len(uploads) > MAX_PHOTOS:
        errors["photos"] = [f"Attach at most {MAX_PHOTOS} photos."]
    if errors:
        raise ValidationError(errors)
    if order.status != Order.Status.DISPUTED:
        raise Conflict("This order has no open dispute.")
    # Decoding is slow and may fail on a bad file: do it all before writing anything.
    images = [image_clean(image_decode_upload(upload)) for upload in uploads]
    encoded = [(_webp(image, PHOTO_SIZE), _webp(image, THUMBNAIL_SIZE)) for image in images]
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = order_lock(order_id=order.pk)
            if locked.status != Order.Status.DISPUTED:
                raise Conflict("This order has no open dispute.")
            if DisputeStatement.objects.filter(order=locked, role=role).exists():
                raise Conflict("You have already given your statement; it is final.")
            statement = DisputeStatement.objects.create(order=locked, author=user, role=role,
                                                        text=text)
            for (full, width, height), (thumb, _, _) in encoded:
                name = f"disputes/{order.pk}/{uuid.uuid4().hex}"
                stored += [default_storage.save(f"{name}.webp", ContentFile(full)),
                           default_storage.save(f"{name}-thumb.webp", ContentFile(thumb))]
                DisputePhoto.objects.create(statement=statement, image=stored[-2],
                                            thumbnail=stored[-1], width=width, height=height)
    except IntegrityError:
        _files_delete(stored)
        raise Conflict("You have already given your statement; it is final.") from None
    except Exception:
        _files_delete(stored)
        raise
    return statement


def _files_delete(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def dispute_answer_due(*, order: Order):
    """When staff may decide without the seller's answer: 48 hours after the dispute opened."""
    opened = (order.events.filter(status=Order.Status.DISPUTED).order_by("-at", "-id")
              .values_list("at", flat=True).first())
    return (opened or timezone.now()) + ANSWER_WAIT


def dispute_needs_reason(*, order: Order) -> bool:
    """Whether staff must say why they decide now (no seller answer, under 48 hours)."""
    return order.status == Order.Status.DISPUTED and not _may_decide_now(order)


def _may_decide_now(order: Order) -> bool:
    seller_answered = DisputeStatement.objects.filter(
        order=order, role=DisputeStatement.Role.SELLER).exists()
    return seller_answered or dispute_answer_due(order=order) <= timezone.now()


def _earlier_decision(order_id: int, key: str, outcome: str, refund_cents) -> Order | None:
    if not key:
        return None
    earlier = DisputeDecision.objects.filter(order_id=order_id, idempotency_key=key).first()
    if earlier is None:
        return None
    same = (earlier.outcome, earlier.refund_cents) == (
        outcome, refund_cents if outcome == "partial_refund" else None)
    if not same:
        raise Conflict("This Idempotency-Key was already used for another decision.")
    return Order.objects.get(pk=earlier.order_id)


def dispute_resolve(
    *, order_id, actor, outcome: str, refund_cents=None, note: str = "",
    idempotency_key: str = "", override_reason: str = "",
) -> Order:
    """Decide a dispute (refund, release or partial refund); audited, both sides told.

    The order's move, the stored decision, the audit row and the notices commit together;
    the refund goes to Stripe after that, and the settle job finishes it if Stripe is down.
    Before the seller has answered, and within 48 hours of the dispute, staff must say why
    they decide early (`override_reason`, kept in the audit row). A repeat with the same
    Idempotency-Key and body returns the order as it is now.
    """
    pk = _as_id(order_id)
    key = str(idempotency_key or "")[:255]
    earlier = _earlier_decision(pk, key, outcome, refund_cents)
    if earlier is not None:
        return earlier
    note = str(note or "").strip()[:400]
    override_reason = str(override_reason or "").strip()[:1000]
    order = Order.objects.filter(pk=pk).first()
    if order is None:
        raise NotFound("Order not found.")
    if not override_reason and dispute_needs_reason(order=order):
        raise Conflict(
            "The seller has not answered yet and the dispute opened less than 48 hours ago. "
            "Wait for the seller's statement, or write why you decide now (override_reason)."
        )
    summary = escrow_summary_or_none(reference=order.reference)
    to_refund = {"refund": summary.remaining_cents if summary else 0,
                 "partial_refund": refund_cents}.get(outcome) or 0
    try:
        with transaction.atomic():
            order = order_dispute_decide(order_id=pk, actor=actor, outcome=outcome,
                                         refund_cents=refund_cents, note=note)
            _decision_record(order=order, actor=actor, outcome=outcome, note=note, key=key,
                             refund_cents=refund_cents, to_refund=to_refund,
                             override_reason=override_reason)
    except (OrderError, IntegrityError):
        # A racing request with the same key got there first: answer as it did.
        earlier = _earlier_decision(pk, key, outcome, refund_cents)
        if earlier is not None:
            return earlier
        raise
    order_dispute_money_move(order=order, actor=actor, outcome=outcome, note=note)
    return order


def _decision_record(*, order: Order, actor, outcome: str, note: str, key: str, refund_cents,
                     to_refund: int, override_reason: str) -> None:
    """The stored decision, its audit row and the notices (inside the decision's transaction)."""
    DisputeDecision.objects.create(
        order=order, actor=actor, outcome=outcome, note=note, idempotency_key=key,
        refund_cents=refund_cents if outcome == "partial_refund" else None,
    )
    reason = f"{OUTCOME_WORDS[outcome]}"
    if to_refund:
        reason += f"; refunded {to_refund} cents {order.currency}"
    reason = f"{reason}. {note}".strip()
    if override_reason:
        reason += f" Decided before the seller's answer: {override_reason}"
    audit = audit_record(actor=actor, action=AuditLog.Action.DISPUTE_RESOLVED,
                         object_type="order", object_id=order.pk,
                         object_repr=f"Order #{order.pk}", reason=reason,
                         status_before=Order.Status.DISPUTED, status_after=order.status)
    context = {"order_id": order.pk, "outcome": OUTCOME_WORDS[outcome],
               "currency": order.currency, "note": note}
    if to_refund:
        context["refund_cents"] = to_refund
    notify(recipient=order.buyer, kind="dispute_resolved", context=context,
           dedupe_key=f"moderation:{audit.pk}:buyer", url=reverse("order", args=[order.pk]))
    notify(recipient=order.shop.owner, kind="dispute_resolved", context=context,
           dedupe_key=f"moderation:{audit.pk}:seller", url=reverse("seller-order", args=[order.pk]))


def _as_id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound("Order not found.") from None
