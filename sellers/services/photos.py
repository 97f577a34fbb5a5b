"""Listing photos: add (decoded and re-encoded), delete, reorder. The first is the cover."""

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Max

from ..errors import Conflict, NotFound
from ..images import MAX_IMAGES_PER_LISTING, image_decode_upload, listing_image_store
from ..models import Listing, ListingImage


def _owned_locked(*, listing_id: int, user) -> Listing:
    listing = (
        Listing.objects.select_for_update().filter(pk=listing_id, shop__owner_id=user.pk).first()
    )
    if listing is None:
        raise NotFound("No listing with that number.")
    if listing.status == Listing.Status.ARCHIVED:
        raise Conflict("This listing is archived and can no longer be changed.")
    return listing


def _check_owned(*, listing_id: int, user) -> None:
    if not Listing.objects.filter(pk=listing_id, shop__owner_id=user.pk).exists():
        raise NotFound("No listing with that number.")


def listing_image_add(*, user, listing_id: int, upload) -> ListingImage:
    """Check, clean and store a photo as the listing's last; at most eight per listing."""
    _check_owned(listing_id=listing_id, user=user)
    # Decoding is slow: do it before taking the listing's lock.
    image = image_decode_upload(upload)
    with transaction.atomic():
        listing = _owned_locked(listing_id=listing_id, user=user)
        existing = listing.images.aggregate(count=Count("id"), last=Max("position"))
        if existing["count"] >= MAX_IMAGES_PER_LISTING:
            raise Conflict(f"A listing can have at most {MAX_IMAGES_PER_LISTING} photos. "
                           "Delete one to add another.")
        position = 0 if existing["last"] is None else existing["last"] + 1
        return listing_image_store(listing=listing, image=image, position=position)


def listing_image_delete(*, user, listing_id: int, image_id: int) -> None:
    """Remove a photo; its files leave storage once the deletion is committed."""
    with transaction.atomic():
        listing = _owned_locked(listing_id=listing_id, user=user)
        photo = listing.images.filter(pk=image_id).first()
        if photo is None:
            raise NotFound("No photo with that number on this listing.")
        names = [photo.image.name, photo.thumbnail.name]
        photo.delete()
        _renumber(list(listing.images.order_by("position", "id")))
        transaction.on_commit(lambda: [default_storage.delete(name) for name in names])


def listing_images_reorder(*, user, listing_id: int, image_ids: list[int]) -> list[ListingImage]:
    """Put the listing's photos in this order (every photo once); the first is the cover."""
    with transaction.atomic():
        listing = _owned_locked(listing_id=listing_id, user=user)
        photos = {photo.pk: photo for photo in listing.images.all()}
        if sorted(image_ids) != sorted(photos) or len(set(image_ids)) != len(image_ids):
            raise ValidationError(
                {"ids": ["List every photo of this listing exactly once, cover first."]}
            )
        ordered = [photos[pk] for pk in image_ids]
        _renumber(ordered)
    return ordered


def _renumber(photos: list[ListingImage]) -> None:
    for position, photo in enumerate(photos):
        photo.position = position
    ListingImage.objects.bulk_update(photos, ["position"])
