"""Disputes: each side's one statement (with photos), and the staff decision.

The decision moves money through `orders.order_dispute_resolve`, which commits the order's
change and then talks to Stripe with no lock held. So the audit row, the stored decision and
the notifications are written in one transaction right after it returns, never around a call
to Stripe.
"""

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from PIL import Image

from moderation.errors import Conflict, NotFound
from moderation.models import AuditLog, DisputeDecision, DisputePhoto, DisputeStatement
from moderation.services.audit import audit_record
from notifications.services import notify
from orders.models import Order
from orders.services.lifecycle import order_dispute_resolve
from payments.selectors import escrow_summary_or_none
from sellers.images import image_clean, image_decode_upload

MAX_PHOTOS = 4
PHOTO_SIZE = 1600
THUMBNAIL_SIZE = 320
OUTCOME_WORDS = {
    "refund": "refunded in full to the buyer",
    "release": "payment released to the seller",
    "partial_refund": "partly refunded to the buyer, the rest released to the seller",
}


def _order_of_party(order_id, user) -> tuple[Order, str]:
    try:
        order = Order.objects.select_related("shop").get(pk=int(order_id))
    except (Order.DoesNotExist, TypeError, ValueError):
        raise NotFound("Order not found.") from None
    if order.buyer_id == user.pk:
        return order, DisputeStatement.Role.BUYER
    if order.shop.owner_id == user.pk:
        return order, DisputeStatement.Role.SELLER
    raise NotFound("Order not found.")


def _webp(image: Image.Image, side: int) -> tuple[bytes, int, int]:
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    copy.save(buffer, format="WEBP", quality=80, method=4)
    return buffer.getvalue(), copy.width, copy.height


def dispute_statement_add(*, order_id, user, text: str, uploads=()) -> DisputeStatement:
    """The buyer's or the seller's one statement on a disputed order, with up to 4 photos."""
    order, role = _order_of_party(order_id, user)
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
            locked = Order.objects.select_for_update().get(pk=order.pk)
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


def dispute_resolve(
    *, order_id, actor, outcome: str, refund_cents=None, note: str = "",
    idempotency_key: str = "",
) -> Order:
    """Decide a dispute (refund, release or partial refund); audited, both sides told.

    A repeat with the same Idempotency-Key and body returns the order as it is now.
    """
    key = str(idempotency_key or "")[:255]
    if key:
        earlier = DisputeDecision.objects.filter(order_id=_as_id(order_id),
                                                 idempotency_key=key).first()
        if earlier is not None:
            same = (earlier.outcome, earlier.refund_cents) == (
                outcome, refund_cents if outcome == "partial_refund" else None)
            if not same:
                raise Conflict("This Idempotency-Key was already used for another decision.")
            return Order.objects.get(pk=earlier.order_id)
    note = str(note or "").strip()[:400]
    before = Order.objects.filter(pk=_as_id(order_id)).values_list("status", flat=True).first()
    order = order_dispute_resolve(order_id=order_id, actor=actor, outcome=outcome,
                                  refund_cents=refund_cents, note=note)
    summary = escrow_summary_or_none(reference=order.reference)
    refunded = summary.refunded_cents if summary else 0
    with transaction.atomic():
        DisputeDecision.objects.create(
            order=order, actor=actor, outcome=outcome, note=note, idempotency_key=key,
            refund_cents=refund_cents if outcome == "partial_refund" else None,
        )
        reason = f"{OUTCOME_WORDS[outcome]}"
        if refunded:
            reason += f"; refunded {refunded} cents {order.currency}"
        audit = audit_record(actor=actor, action=AuditLog.Action.DISPUTE_RESOLVED,
                             object_type="order", object_id=order.pk,
                             object_repr=f"Order #{order.pk}",
                             reason=f"{reason}. {note}".strip(), status_before=before or "",
                             status_after=order.status)
        context = {"order_id": order.pk, "outcome": OUTCOME_WORDS[outcome],
                   "currency": order.currency, "note": note}
        if refunded:
            context["refund_cents"] = refunded
        notify(recipient=order.buyer, kind="dispute_resolved", context=context,
               dedupe_key=f"moderation:{audit.pk}:buyer", url=f"/orders/{order.pk}/")
        notify(recipient=order.shop.owner, kind="dispute_resolved", context=context,
               dedupe_key=f"moderation:{audit.pk}:seller", url=f"/sell/orders/{order.pk}/")
    return order


def _as_id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound("Order not found.") from None
