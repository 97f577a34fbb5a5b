import io

import pytest
from django.contrib.auth.models import Permission
from PIL import Image

from moderation.models import AuditLog
from tests.factories import ListingFactory, ShopFactory, UserFactory


def moderator_make(**fields):
    """A staff member with the moderation.moderate permission."""
    user = UserFactory(is_staff=True, **fields)
    user.user_permissions.add(
        Permission.objects.get(codename="moderate", content_type__app_label="moderation")
    )
    return user


@pytest.fixture
def moderator():
    return moderator_make(display_name="Morgan Moderator")


@pytest.fixture
def mod_client(api_client, moderator):
    api_client.force_authenticate(moderator)
    return api_client


@pytest.fixture
def shop():
    return ShopFactory(name="Driftless Bee Farm")


@pytest.fixture
def live_listing(shop):
    return ListingFactory(shop=shop, title="Raw Wildflower Honey", price_cents=1200, stock=5)


def audit_rows(**filters) -> list[tuple]:
    return list(
        AuditLog.objects.filter(**filters).order_by("id")
        .values_list("action", "object_type", "object_id", "reason", "status_before",
                     "status_after")
    )


def jpeg_bytes(color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, format="JPEG")
    return buffer.getvalue()
