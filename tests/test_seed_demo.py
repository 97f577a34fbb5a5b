import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

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
    }


def test_seed_demo_twice_gives_the_same_data(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = counts()
    assert first["categories"] >= 8
    assert Category.objects.filter(parent__isnull=False).exists()
    assert first["villages"] >= 4
    assert first["shops"] >= 10
    assert first["listings"] >= 100
    assert first["images"] == first["listings"]
    assert get_user_model().objects.filter(is_staff=True).count() == 1
    assert Listing.objects.filter(status=Listing.Status.ACTIVE).count() == first["listings"]
    assert len(list(tmp_path.glob("listings/*/*.webp"))) == 2 * first["images"]

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == first
