"""The test-card stand-in for Stripe Elements (payments/development_cards.py) is development only:
a production process (DEBUG=0) never imports it, and its pay page refuses typed card numbers."""

import json
import os
import subprocess

import pytest

from orders.models import Checkout
from tests.checkout_http import add, checkout
from tests.factories import ListingFactory, UserFactory
from tests.processes import BIN, ROOT
from tests.processes import test_database_url as run_database_url
from tests.test_settings import PRODUCTION

CARD = {"card_number": "4242424242424242", "card_exp_month": "12", "card_exp_year": "30",
        "card_cvc": "123"}
MODULE = "payments.development_cards"

# Loads every view (the whole URLconf), then posts typed card numbers to the buyer's pay page.
PROBE = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.test.utils import override_settings
# No collectstatic manifest here; the page's static URLs are not what this checks.
override_settings(STORAGES={{**settings.STORAGES, "staticfiles": {{
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}}}).enable()
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import get_resolver
get_resolver().url_patterns  # imports every view module
imported_with_views = {module!r} in sys.modules
client = Client()
client.force_login(get_user_model().objects.get(pk={user_id}))
response = client.post("/checkout/{checkout_id}/pay/", {card}, secure=True)
print("PROBE " + json.dumps({{
    "form": settings.DEVELOPMENT_CARD_FORM, "status": response.status_code,
    "imported_with_views": imported_with_views, "imported": {module!r} in sys.modules,
    "says_pm": "payment_method must be a Stripe PaymentMethod id" in response.content.decode(),
}}))
"""


@pytest.mark.django_db(transaction=True)
def test_production_never_imports_the_card_stand_in_and_refuses_card_numbers(
    api_client, localstripe
):
    buyer = UserFactory()
    api_client.force_authenticate(buyer)
    add(api_client, ListingFactory(price_cents=1500, stock=3))
    created = checkout(api_client).json()
    env = {key: value for key, value in os.environ.items()
           if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG"}}
    env.update(PRODUCTION, ALLOWED_HOSTS="testserver", DATABASE_URL=run_database_url(),
               STRIPE_API_BASE=localstripe, STRIPE_SECRET_KEY="sk_test_production_probe")
    probe = PROBE.format(module=MODULE, user_id=buyer.pk, checkout_id=created["id"],
                         card=json.dumps(CARD))
    done = subprocess.run([str(BIN / "python"), "-c", probe], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("PROBE "))
    assert json.loads(line.removeprefix("PROBE ")) == {
        "form": False, "status": 400, "imported_with_views": False, "imported": False,
        "says_pm": True,
    }
    checkout_row = Checkout.objects.get(pk=created["id"])
    assert (checkout_row.status, checkout_row.paid_at) == ("pending_payment", None)


@pytest.mark.django_db
def test_in_development_the_typed_test_card_pays(client, localstripe, settings):
    assert settings.DEVELOPMENT_CARD_FORM is True  # follows DEBUG, which is on by default
    buyer = UserFactory()
    client.force_login(buyer)
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(buyer)
    add(api, ListingFactory(price_cents=1500, stock=3))
    created = checkout(api).json()
    response = client.post(f"/checkout/{created['id']}/pay/", CARD)
    assert response.status_code == 302
    assert Checkout.objects.get(pk=created["id"]).status == "paid"
