"""Reviews after the sale: the seller's one reply, and staff hiding an abusive review.

Hiding changes what the shop's rating is made of, so it refreshes the stored rating in the
same transaction. The audit row for a hide is written by the moderation app around this call.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from orders.errors import OrderError, ReviewNotFound
from orders.models import Review
from orders.services.lifecycle import shop_rating_refresh

REPLY_LIMIT = 2000


def review_reply(*, review_id, seller, text: str) -> Review:
    """The reviewed shop's owner answers a review, once; anyone else's review is 404."""
    text = (text or "").strip()
    if not text or len(text) > REPLY_LIMIT:
        raise ValidationError({"text": [f"Write your reply (up to {REPLY_LIMIT:,} characters)."]})
    with transaction.atomic():
        review = (
            Review.objects.select_for_update(of=("self",)).select_related("shop")
            .filter(pk=_as_id(review_id), shop__owner_id=seller.pk).first()
        )
        if review is None:
            raise ReviewNotFound()
        if review.seller_reply:
            raise OrderError("You have already replied to this review; a reply is final.")
        review.seller_reply = text
        review.save(update_fields=["seller_reply"])
    return review


def review_hide(*, review_id) -> Review:
    """Staff: hide a review from the public and take it out of the shop's rating."""
    with transaction.atomic():
        review = Review.objects.select_for_update().filter(pk=_as_id(review_id)).first()
        if review is None:
            raise ReviewNotFound()
        if review.is_hidden:
            raise OrderError("This review is already hidden.")
        review.is_hidden = True
        review.save(update_fields=["is_hidden"])
        shop_rating_refresh(shop_id=review.shop_id)
    return review


def _as_id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ReviewNotFound() from None
