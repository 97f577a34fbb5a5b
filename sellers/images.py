"""Listing photos: every stored image is re-encoded by us, never the bytes a client sent."""

import io
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

from .models import Listing, ListingImage

FULL_SIZE = 1200
THUMBNAIL_SIZE = 320


def _encode_webp(image: Image.Image, longest_side: int) -> tuple[bytes, int, int]:
    copy = image.copy()
    copy.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    # A fresh image carries no EXIF, XMP or ICC: nothing the seller's camera knew survives.
    copy.save(buffer, format="WEBP", quality=80, method=4)
    return buffer.getvalue(), copy.width, copy.height


def listing_image_store(*, listing: Listing, image: Image.Image, position: int) -> ListingImage:
    """Orient, strip and re-encode a decoded image to WebP (1200 px and 320 px) and save it."""
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    full, width, height = _encode_webp(clean, FULL_SIZE)
    thumb, thumb_width, thumb_height = _encode_webp(clean, THUMBNAIL_SIZE)
    name = uuid.uuid4().hex
    prefix = f"listings/{listing.pk}"
    full_path = default_storage.save(f"{prefix}/{name}.webp", ContentFile(full))
    thumb_path = default_storage.save(f"{prefix}/{name}-thumb.webp", ContentFile(thumb))
    return ListingImage.objects.create(
        listing=listing,
        image=full_path,
        thumbnail=thumb_path,
        width=width,
        height=height,
        thumbnail_width=thumb_width,
        thumbnail_height=thumb_height,
        position=position,
    )
