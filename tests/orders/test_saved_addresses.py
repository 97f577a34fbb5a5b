"""Issue 14.5: saved addresses for signed-in buyers, address fields that phones fill in, and a
checkout form that says what is wrong and keeps what was typed."""

import re

import pytest

from orders.models import Checkout, Order, SavedAddress
from tests.checkout_http import add, pay
from tests.factories import ListingFactory, UserFactory
from tests.support import client_for, run_together

PAGE_ADDRESS = {"name": "Dana Buyer", "line1": "12 Main St", "line2": "", "city": "Decorah",
                "state": "IA", "postal_code": "52101"}
ONE_LINE = "Dana Buyer, 12 Main St, Decorah, IA 52101"


def page_checkout(client, key, **fields):
    body = {"fulfillment": "ship", "idempotency_key": key, "saved_address": "new",
            "save_address": "on", **PAGE_ADDRESS, **fields}
    return client.post("/checkout/", {k: v for k, v in body.items() if v is not None})


def checkout_id(response) -> int:
    return int(re.match(r"/checkout/(\d+)/pay/", response["Location"]).group(1))


@pytest.fixture
def honey():
    return ListingFactory(title="Raw Wildflower Honey", price_cents=1200, shipping_cents=650,
                          stock=20)


@pytest.mark.django_db
def test_the_address_of_a_paid_checkout_is_saved_and_offered_next_time(
    api_client, client, buyer, honey, localstripe
):
    client.force_login(buyer)
    add(api_client, honey, 1)
    placed = page_checkout(client, "a-1", phone="563-555-0142")
    assert placed.status_code == 302
    assert not SavedAddress.objects.exists()  # kept only once the payment succeeds
    assert pay(api_client, checkout_id(placed)).status_code == 200
    saved = SavedAddress.objects.get()
    assert (saved.user, saved.one_line, saved.phone) == (buyer, ONE_LINE, "563-555-0142")

    add(api_client, honey, 2)
    text = client.get("/checkout/").content.decode()
    assert f'value="{saved.pk}"' in text and ONE_LINE in text
    assert re.search(rf'value="{saved.pk}"[^>]*checked', text)  # offered first
    assert f'formaction="/checkout/addresses/{saved.pk}/remove/"' in text

    again = client.post("/checkout/", {"fulfillment": "ship", "idempotency_key": "a-2",
                                       "saved_address": str(saved.pk)})
    assert again.status_code == 302
    second = Checkout.objects.get(pk=checkout_id(again))
    assert second.shipping_address == {**PAGE_ADDRESS, "line2": "", "phone": "563-555-0142",
                                       "country": "US"}
    assert Order.objects.get(checkout=second).shipping_address["line1"] == "12 Main St"
    assert pay(api_client, second.pk).status_code == 200
    assert SavedAddress.objects.count() == 1  # the same address is not saved twice


@pytest.mark.django_db
def test_nothing_is_saved_unticked_or_for_a_checkout_left_unpaid(api_client, client, buyer,
                                                                 honey, localstripe):
    client.force_login(buyer)
    add(api_client, honey, 1)
    unticked = page_checkout(client, "b-1", save_address=None)
    assert pay(api_client, checkout_id(unticked)).status_code == 200
    add(api_client, honey, 1)
    left = page_checkout(client, "b-2", line1="9 Oak Ave")
    client.post(f"/checkout/{checkout_id(left)}/change/")
    assert not SavedAddress.objects.exists()


@pytest.mark.django_db
def test_a_saved_address_is_removed_by_its_owner_only(client, buyer):
    mine = SavedAddress.objects.create(user=buyer, **PAGE_ADDRESS)
    theirs = SavedAddress.objects.create(user=UserFactory(), **PAGE_ADDRESS)
    client.force_login(buyer)
    assert client.post(f"/checkout/addresses/{theirs.pk}/remove/").status_code == 404
    assert client.post("/checkout/addresses/999999/remove/").status_code == 404
    removed = client.post(f"/checkout/addresses/{mine.pk}/remove/", follow=True)
    assert "Address removed." in removed.content.decode()
    assert list(SavedAddress.objects.values_list("pk", flat=True)) == [theirs.pk]


@pytest.mark.django_db
def test_another_persons_saved_address_cannot_be_shipped_to(api_client, client, buyer, honey,
                                                            localstripe):
    theirs = SavedAddress.objects.create(user=UserFactory(), **PAGE_ADDRESS)
    client.force_login(buyer)
    add(api_client, honey, 1)
    response = client.post("/checkout/", {"fulfillment": "ship", "idempotency_key": "c-1",
                                          "saved_address": str(theirs.pk)})
    assert response.status_code == 200
    assert "Choose one of your saved addresses, or a new one." in response.content.decode()
    assert not Checkout.objects.exists()


@pytest.mark.django_db
def test_saved_addresses_api(api_client, buyer):
    assert api_client.get("/api/v1/me/addresses").json() == {
        "count": 0, "next": None, "previous": None, "results": []}
    created = api_client.post("/api/v1/me/addresses", {**PAGE_ADDRESS, "state": "ia"},
                              format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert {k: body[k] for k in ("name", "state", "postal_code", "phone", "country")} == {
        "name": "Dana Buyer", "state": "IA", "postal_code": "52101", "phone": "",
        "country": "US"}
    repeat = api_client.post("/api/v1/me/addresses", PAGE_ADDRESS, format="json")
    assert repeat.json()["id"] == body["id"] and SavedAddress.objects.count() == 1

    bad = api_client.post("/api/v1/me/addresses", {**PAGE_ADDRESS, "postal_code": "5210",
                                                   "state": "XX"}, format="json")
    assert bad.status_code == 400
    assert bad.json() == {
        "state": ["Use a two-letter US state code, such as IA."],
        "postal_code": ["Use a 5-digit ZIP code or ZIP+4, such as 52101 or 52101-1234."],
    }
    for number in range(9):
        assert api_client.post("/api/v1/me/addresses", {**PAGE_ADDRESS, "line1": f"{number} A St"},
                               format="json").status_code == 201
    full = api_client.post("/api/v1/me/addresses", {**PAGE_ADDRESS, "line1": "1 Full St"},
                           format="json")
    assert full.status_code == 409
    assert full.json()["detail"] == "You can keep up to 10 addresses; remove one first."

    stranger = UserFactory()
    theirs = SavedAddress.objects.create(user=stranger, **PAGE_ADDRESS)
    assert api_client.delete(f"/api/v1/me/addresses/{theirs.pk}").status_code == 404
    assert api_client.get("/api/v1/me/addresses").json()["count"] == 10  # theirs not listed
    assert api_client.delete(f"/api/v1/me/addresses/{body['id']}").status_code == 204
    assert api_client.delete(f"/api/v1/me/addresses/{body['id']}").status_code == 404
    assert SavedAddress.objects.filter(user=stranger).count() == 1
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/me/addresses").status_code in {401, 403}


@pytest.mark.django_db
def test_api_checkout_saves_the_address_when_asked(api_client, buyer, honey, localstripe):
    add(api_client, honey, 1)
    created = api_client.post(
        "/api/v1/checkout", {"fulfillment": "ship", "save_address": True,
                             "shipping_address": {**PAGE_ADDRESS, "country": "US"}},
        format="json", HTTP_IDEMPOTENCY_KEY="api-save-1")
    assert created.status_code == 201, created.json()
    assert pay(api_client, created.json()["id"]).status_code == 200
    assert [a.one_line for a in SavedAddress.objects.filter(user=buyer)] == [ONE_LINE]


@pytest.mark.django_db
def test_address_fields_carry_autocomplete_and_a_number_keypad_for_zip(api_client, client,
                                                                       buyer, honey):
    add(api_client, honey, 1)
    client.force_login(buyer)
    text = client.get("/checkout/").content.decode()
    for name, token in [("name", "shipping name"), ("line1", "shipping address-line1"),
                        ("line2", "shipping address-line2"), ("city", "shipping address-level2"),
                        ("state", "shipping address-level1"),
                        ("postal_code", "shipping postal-code"), ("phone", "shipping tel")]:
        tag = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', text).group(0)
        assert f'autocomplete="{token}"' in tag, tag
    zip_tag = re.search(r'<input[^>]*name="postal_code"[^>]*>', text).group(0)
    assert 'inputmode="numeric"' in zip_tag and 'pattern="\\d{5}(-\\d{4})?"' in zip_tag
    assert re.search(r'<input[^>]*name="phone"[^>]*type="tel"|type="tel"[^>]*name="phone"', text)
    # Radios sit in fieldsets with legends, each beside its label.
    assert "<legend>How do you want your goods?</legend>" in text
    assert re.search(r'<div class="choice"><input type="radio" name="fulfillment" value="ship"'
                     r'[^>]*> <label for="id_fulfillment_0">Ship to my address</label></div>',
                     text)


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value", "message"), [
    ("postal_code", "5210", "Use a 5-digit ZIP code or ZIP+4, such as 52101 or 52101-1234."),
    ("state", "ZZ", "Choose a US state from the list, such as Iowa."),
    ("phone", "call me", "Enter a phone number with 7 to 15 digits, such as 563-555-0142."),
])
def test_a_bad_zip_state_or_phone_says_so_and_keeps_what_was_typed(
    api_client, client, buyer, honey, localstripe, field, value, message
):
    add(api_client, honey, 1)
    client.force_login(buyer)
    response = page_checkout(client, "d-1", line2="Apt 4", **{field: value})
    assert response.status_code == 200
    text = response.content.decode()
    assert message in text
    assert 'value="Dana Buyer"' in text and 'value="Apt 4"' in text
    if field != "state":
        assert f'value="{value}"' in text
    assert not Checkout.objects.exists()
    assert honey.__class__.objects.get(pk=honey.pk).stock == 20


@pytest.mark.django_db
def test_a_saved_address_chosen_while_another_is_typed_is_asked_about(api_client, client, buyer,
                                                                      honey):
    saved = SavedAddress.objects.create(user=buyer, **PAGE_ADDRESS)
    add(api_client, honey, 1)
    client.force_login(buyer)
    response = page_checkout(client, "e-1", saved_address=str(saved.pk), line1="9 Oak Ave")
    text = response.content.decode()
    assert "choose “A new address” to ship to what you typed" in text
    assert 'value="9 Oak Ave"' in text and not Checkout.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_addresses_added_at_once_at_nine_keep_the_limit_of_ten():
    dana = UserFactory()
    for number in range(9):
        SavedAddress.objects.create(user=dana, **{**PAGE_ADDRESS, "line1": f"{number} A St"})
    clients = [client_for(dana), client_for(dana)]
    statuses = run_together(2, lambda n: clients[n].post(
        "/api/v1/me/addresses", {**PAGE_ADDRESS, "line1": f"{n} Race St"},
        format="json").status_code)
    assert sorted(statuses) == [201, 409]
    assert SavedAddress.objects.filter(user=dana).count() == 10
