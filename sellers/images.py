"""Listing photos: every stored image is re-encoded by us, never the bytes a client sent."""

import io
import struct
import uuid
import warnings

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

from .errors import ImageInvalid, ImageTooLarge, ImageUnsupported
from .models import Listing, ListingImage

FULL_SIZE = 1200
THUMBNAIL_SIZE = 320
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_IMAGES_PER_LISTING = 8
# Pillow warns past this and refuses past twice it; our own check (from the header) comes first.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

ACCEPTED = "Please upload a JPEG, PNG or WebP photo."


def image_format_detect(head: bytes) -> str:
    """Name the format from the file's first bytes; raise for anything we do not accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<") or b"<svg" in head.lower() or b"<html" in head.lower():
        raise ImageInvalid(f"That file is a drawing or web page (SVG/HTML). {ACCEPTED}")
    raise ImageUnsupported(f"That file type is not supported. {ACCEPTED}")


def image_decode_upload(upload) -> Image.Image:
    """Check an untrusted upload from its bytes and decode it; raise a domain error if bad.

    The size is read from the header before any pixel is decoded, so a small file that claims
    to be a huge image (a decompression bomb) is refused without spending memory on it.
    """
    size = getattr(upload, "size", None)
    if size is None or size > MAX_UPLOAD_BYTES:
        raise ImageTooLarge("That photo is over 10 MB. Please upload a smaller one.")
    if size == 0:
        raise ImageInvalid(f"That file is empty. {ACCEPTED}")
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageTooLarge("That photo is over 10 MB. Please upload a smaller one.")
    kind = image_format_detect(data[:64])
    broken = ImageInvalid(f"That photo is damaged or incomplete. {ACCEPTED}")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[kind])
            if image.width * image.height > MAX_PIXELS:
                raise ImageInvalid(
                    f"That photo is {image.width}×{image.height} pixels; the limit is 40 "
                    "megapixels. Please upload a smaller one."
                )
            if kind == "JPEG":
                # Decode at a reduced scale when the photo is far larger than we keep.
                image.draft("RGB", (FULL_SIZE * 2, FULL_SIZE * 2))
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageInvalid(
                "That photo is too large in pixels; the limit is 40 megapixels."
            ) from None
        except (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError):
            raise broken from None
    return image


def _encode_webp(image: Image.Image, longest_side: int) -> tuple[bytes, int, int]:
    copy = image.copy()
    copy.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    # A fresh image carries no EXIF, XMP or ICC: nothing the seller's camera knew survives.
    copy.save(buffer, format="WEBP", quality=80, method=4)
    return buffer.getvalue(), copy.width, copy.height


def image_clean(image: Image.Image) -> Image.Image:
    """Apply EXIF orientation and copy the pixels into a new image with no metadata at all."""
    try:
        image = ImageOps.exif_transpose(image)
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    except (OSError, SyntaxError, ValueError, struct.error) as exc:
        raise ImageInvalid(f"We could not read that photo's colours. {ACCEPTED}") from exc
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    return clean


def listing_image_store(*, listing: Listing, image: Image.Image, position: int) -> ListingImage:
    """Orient, strip and re-encode a decoded image to WebP (1200 px and 320 px) and save it."""
    clean = image_clean(image)
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
