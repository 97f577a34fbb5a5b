import io

import pytest
from PIL import Image

from moderation.models import AuditLog
from tests.factories import ListingFactory, ShopFactory
from tests.staff import staff_api_login, staff_make


def moderator_make(**fields):
    """A staff member with the moderation.moderate permission."""
    return staff_make(**fields)


@pytest.fixture
def moderator():
    return moderator_make(display_name="Morgan Moderator")


@pytest.fixture
def mod_client(api_client, moderator):
    return staff_api_login(api_client, moderator)


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


def dispute_opened_hours_ago(order, hours: float = 49) -> None:
    """Move the order's timeline (and so the dispute's opening) `hours` into the past."""
    from django.db.models import F
    from django.utils import timezone

    from orders.models import OrderEvent

    OrderEvent.objects.filter(order=order).update(at=F("at") - timezone.timedelta(hours=hours))
