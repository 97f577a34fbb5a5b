import pytest
from PIL import Image

from sellers.images import listing_image_store


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def add_image(media):
    """Store a real WebP photo (and its thumbnail) for a listing."""

    def add(listing, position=0, size=(640, 480)):
        return listing_image_store(
            listing=listing, image=Image.new("RGB", size, (200, 160, 40)), position=position
        )

    return add
