"""A neighbour's signed consent form and a signed cash receipt carry their name and signature:
they are kept outside the public media folder and shown only to staff, never cached."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hubs.models import CashOut, ManagedShop
from tests.hubs.managed_support import media_in_tmp, neighbour, verified_agent  # noqa: F401
from tests.hubs.money_support import managed_world
from tests.staff import staff_login, staff_make
from tests.support import client_for, jpeg_bytes, png_bytes

pytestmark = pytest.mark.django_db


def test_the_consent_form_is_private_and_only_staff_see_it(media_in_tmp):  # noqa: F811
    agent = verified_agent()
    values = neighbour(consent_photo=SimpleUploadedFile("form.jpg", jpeg_bytes(), "image/jpeg"))
    values["owner_address"] = json.dumps(values["owner_address"])
    assert client_for(agent).post("/api/v1/hub/shops", values,
                                  format="multipart").status_code == 201
    managed = ManagedShop.objects.get()
    stored = Path(managed.consent_photo.path)
    assert stored.is_file() and media_in_tmp not in stored.parents
    assert not list(Path(media_in_tmp).rglob("*.webp"))  # nothing under the public folder
    with pytest.raises(ValueError):
        managed.consent_photo.url  # noqa: B018 - it has no public address

    url = f"/staff/hubs/consent/{managed.pk}/"
    assert Client().get(url).status_code == 302  # signed out: log in first
    agent_browser = Client()
    agent_browser.force_login(agent)
    assert agent_browser.get(url).status_code in (403, 404)
    staff = Client()
    staff_login(staff, staff_make(permissions=("moderation.moderate",)))
    answer = staff.get(url)
    assert answer.status_code == 200 and answer["Content-Type"] == "image/webp"
    assert answer["Cache-Control"] == "private, no-store"
    assert b"".join(answer.streaming_content)[8:12] == b"WEBP"
    assert staff.get(f"/staff/hubs/consent/{managed.pk + 1}/").status_code == 404
    page = staff.get(f"/staff/hubs/{managed.hub.slug}/").content.decode()
    assert url in page and managed.shop.name in page


def test_a_signed_receipt_is_private_and_shown_to_staff_who_settle(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    managed, agent = managed_world()
    started = client_for(agent).post(f"/api/v1/hub/shops/{managed.shop_id}/cash-outs",
                                     {"amount_cents": 500}, format="json")
    photo = SimpleUploadedFile("receipt.png", png_bytes(), content_type="image/png")
    assert client_for(agent).post(f"/api/v1/hub/cash-outs/{started.data['id']}/confirm",
                                  {"receipt": photo}, format="multipart").status_code == 200
    cash_out = CashOut.objects.get()
    assert settings.MEDIA_ROOT not in Path(cash_out.receipt.path).parents

    url = f"/staff/hubs/receipts/{cash_out.pk}/"
    moderator = Client()
    staff_login(moderator, staff_make(permissions=("moderation.moderate",)))
    assert moderator.get(url).status_code == 403  # money papers: payouts staff only
    finance = Client()
    staff_login(finance, staff_make(permissions=("payments.manage_payouts",)))
    answer = finance.get(url)
    assert answer.status_code == 200 and answer["Cache-Control"] == "private, no-store"
    assert url in finance.get("/staff/hubs/cash/").content.decode()
