import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from brands.models import Notice, RightsOwner, Strike
from hubs.models import Hub, HubAgent
from sellers.models import Category, Listing, ListingImage, Shop, Village

pytestmark = pytest.mark.django_db


def counts():
    return {
        "users": get_user_model().objects.count(),
        "categories": Category.objects.count(),
        "villages": Village.objects.count(),
        "shops": Shop.objects.count(),
        "listings": Listing.objects.count(),
        "images": ListingImage.objects.count(),
        "notices": list(Notice.objects.order_by("id").values_list("status", flat=True)),
        "strikes": Strike.objects.filter(removed_at=None).count(),
    }


def test_seed_demo_twice_gives_the_same_data(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", "--no-history", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = counts()
    assert first["categories"] >= 8
    assert Category.objects.filter(parent__isnull=False).exists()
    assert first["villages"] >= 4
    assert first["shops"] >= 10
    assert first["listings"] >= 100
    assert first["images"] == first["listings"]
    assert get_user_model().objects.filter(is_staff=True).count() == 1
    # Everything is on sale but the two listings the demo's rights notices keep down.
    assert Listing.objects.filter(status=Listing.Status.TAKEN_DOWN).count() == 2
    assert Listing.objects.filter(status=Listing.Status.ACTIVE).count() == first["listings"] - 2
    assert len(list(tmp_path.glob("listings/*/*.webp"))) == 2 * first["images"]
    assert Listing.objects.filter(preorder_ships_by__isnull=False).count() == 2

    assert first["notices"] == ["upheld", "reversed", "open", "withdrawn"]
    assert first["strikes"] == 1
    assert RightsOwner.objects.get().status == RightsOwner.Status.VERIFIED
    # The village hub in the demo seller's village, with its verified agent.
    (hub,) = Hub.objects.all()
    assert (hub.name, hub.village.name, hub.is_open) == ("Decorah Feed & Hub", "Decorah", True)
    (agent,) = HubAgent.objects.all()
    assert (agent.hub, agent.user.email, agent.status) == (
        hub, "agent@demo.taobaovillage.test", HubAgent.Status.VERIFIED)

    call_command("seed_demo", "--no-history", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == first


def test_seed_demo_gives_the_staff_member_the_printed_authenticator_key(settings, tmp_path,
                                                                      client):
    import io
    import time
    from base64 import b32decode

    from django_otp.oath import TOTP

    from marketplace import demo_data

    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    call_command("seed_demo", "--no-images", "--no-history", stdout=out)
    assert demo_data.DEMO_STAFF_TOTP_SECRET in out.getvalue()
    email = demo_data.DEMO_STAFF[0]
    signed_in = client.post("/accounts/login/", {"email": email,
                                                  "password": demo_data.DEMO_PASSWORD})
    assert signed_in["Location"].startswith("/accounts/second-factor/verify/")
    totp = TOTP(b32decode(demo_data.DEMO_STAFF_TOTP_SECRET))
    totp.time = time.time()
    verified = client.post("/accounts/second-factor/verify/",
                           {"code": f"{totp.token():06d}", "next": "/staff/"})
    assert verified.status_code == 302 and verified["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_seed_demo_lays_down_a_history_the_charts_show(settings, tmp_path, client):
    """18 months of orders through the services: balanced money, real figures on the village
    pages, /impact/ and the staff trends, nothing e-mailed; a second run adds nothing."""
    from django.core.cache import cache
    from django.db.models import Sum

    from insights.models import StaffDay, VillageDay
    from marketplace import demo_data
    from notifications.models import Notification
    from orders.models import Order
    from payments.models import JournalLine
    from tests.staff import staff_login
    from tests.support import cache_clear_own_keys

    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", "--no-images", stdout=open("/dev/null", "w"))  # noqa: SIM115
    completed = Order.objects.filter(status=Order.Status.COMPLETED)
    assert completed.count() >= 150
    first, last = (completed.order_by(field).values_list("completed_at", flat=True).first()
                   for field in ("completed_at", "-completed_at"))
    assert (last - first).days >= 480  # spread over the months, not made today
    assert Order.objects.filter(status=Order.Status.DISPUTED).count() <= 2
    assert JournalLine.objects.aggregate(total=Sum("amount_cents"))["total"] == 0
    assert not Notification.objects.filter(email_state=Notification.EmailState.PENDING).exists()
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert VillageDay.objects.filter(orders_completed__gt=0).count() >= 100
    assert StaffDay.objects.filter(reports__gt=0).exists()

    cache.clear()
    cache_clear_own_keys()  # and the pages this process keeps
    village = Shop.objects.get(slug="driftless-bee-farm").village
    for url in (f"/villages/{village.slug}/", "/impact/"):
        page = client.get(url).content.decode()
        assert page.count('class="chart-svg"') == 2, url
    months = client.get("/api/v1/impact").json()["series"]
    assert len(months) >= 18 and all(month["sales_cents"] > 0 for month in months[:-1])
    staff = get_user_model().objects.get(email=demo_data.DEMO_STAFF[0])
    staff_login(client, staff)
    dashboard = client.get("/staff/").content.decode()
    assert dashboard.count('class="chart-svg"') == 4

    orders = Order.objects.count()
    call_command("seed_demo", "--no-images", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Order.objects.count() == orders
