"""Payout accounts through Stripe Connect Express onboarding, against the project's Connect fake
(scripts/stripe_connect_fake.py over real HTTP): set-up, the stand-in onboarding page, the
return page, `account.updated` webhooks, and payouts that go to the account only once Stripe
says it can be paid."""

import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.db import connection
from django.test import Client

from notifications.models import Notification
from payments.ledger import account_balance, seller_paid_out_account, seller_payable_account
from payments.models import GatewayCall, Payout, PayoutAccount, WebhookEvent
from payments.services import escrow_release, payouts_run
from tests.factories import ShopFactory, UserFactory
from tests.stripe_support import event_body, held_escrow, sign

WEBHOOK = "/api/v1/payments/stripe/webhook"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fake_click(url: str, button: str) -> str:
    """Open the stand-in onboarding page, press Finish or Leave for now; return where Stripe
    sends the seller (the Location of its 303)."""
    with urllib.request.urlopen(url, timeout=10) as page:  # noqa: S310 - loopback
        assert page.status == 200 and b"Set up payouts for" in page.read()
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(urllib.request.Request(f"{url}/{button}", data=b"", method="POST"),
                    timeout=10)
    except urllib.error.HTTPError as answer:
        assert answer.code == 303
        return answer.headers["Location"]
    raise AssertionError("the onboarding page did not redirect")


def seller_client(shop=None):
    shop = shop or ShopFactory()
    client = Client()
    client.force_login(shop.owner)
    return client, shop


def start(client) -> str:
    answer = client.post("/sell/payouts/setup/")
    assert answer.status_code == 302, answer.content[:500]
    return answer["Location"]


def path_of(url: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


@pytest.mark.django_db
def test_a_seller_sets_up_payouts_and_the_next_payout_is_a_transfer_to_that_account(
    localstripe, connect_fake
):
    client, shop = seller_client()
    page = client.get("/sell/payouts/")
    assert page.status_code == 200 and "Set up payouts with Stripe" in page.content.decode()

    link = start(client)
    assert link.startswith(f"{connect_fake.base}/connect/onboarding/")
    account = PayoutAccount.objects.get(shop=shop)
    created = connect_fake.accounts[account.stripe_account_id]
    assert (created["type"], created["metadata"]) == (
        "express", {"shop_id": str(shop.pk), "shop": shop.slug})
    assert (account.status, account.payouts_enabled) == ("onboarding", False)
    [sent] = [link for link in connect_fake.links.values()]
    assert sent["return_url"] == "http://testserver/sell/payouts/return/"
    assert sent["refresh_url"] == "http://testserver/sell/payouts/refresh/"

    back = fake_click(link, "finish")
    assert back == "http://testserver/sell/payouts/return/"
    answer = client.get(path_of(back), follow=True)
    text = answer.content.decode()
    assert answer.redirect_chain[-1][0] == "/sell/payouts/"
    assert "Your payout account is ready" in text and "Ready for payouts" in text
    account.refresh_from_db()
    assert (account.status, account.charges_enabled, account.payouts_enabled,
            account.requirements_due) == ("enabled", True, True, [])
    [told] = Notification.objects.filter(kind="payout_account_status")
    assert (told.recipient_id, told.message, told.url) == (
        shop.owner_id, "Your payout account: Ready for payouts.", "/sell/payouts/")

    reference, _, _ = held_escrow(amount_cents=12_000, shop=shop)
    escrow_release(reference=reference)
    result = payouts_run()
    payout = Payout.objects.get(shop=shop)
    assert (result.created, result.paid) == (1, 1)
    assert (payout.method, payout.status, payout.amount_cents) == ("stripe_transfer", "paid",
                                                                   11_400)
    [transfer] = connect_fake.transfers
    assert (transfer["destination"], transfer["amount"]) == (account.stripe_account_id, 11_400)
    assert account_balance(account=seller_paid_out_account(shop.pk), currency="USD") == 11_400


@pytest.mark.django_db
def test_an_unfinished_account_keeps_the_balance_and_the_pages_say_why(localstripe,
                                                                       connect_fake):
    client, shop = seller_client()
    back = fake_click(start(client), "leave")
    client.get(path_of(back))
    account = PayoutAccount.objects.get(shop=shop)
    assert account.status == "onboarding"

    reference, _, _ = held_escrow(amount_cents=5_000, shop=shop)
    escrow_release(reference=reference)
    assert payouts_run().created == 0
    assert not Payout.objects.exists() and connect_fake.transfers == []
    assert account_balance(account=seller_payable_account(shop.pk), currency="USD") == 4_750

    page = client.get("/sell/payouts/").content.decode()
    assert "Setup not finished" in page and "a bank account for your payouts" in page
    assert "Continue setting up with Stripe" in page
    balance = client.get("/sell/balance/").content.decode()
    assert "Your payout account is not finished" in balance


@pytest.mark.django_db
def test_a_used_link_sends_the_seller_to_refresh_which_makes_a_new_one(localstripe,
                                                                       connect_fake):
    client, shop = seller_client()
    link = start(client)
    fake_click(link, "leave")
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as used:
        opener.open(link, timeout=10)
    assert used.value.headers["Location"] == "http://testserver/sell/payouts/refresh/"
    again = client.get("/sell/payouts/refresh/")
    assert again.status_code == 302 and again["Location"] != link
    assert again["Location"].startswith(f"{connect_fake.base}/connect/onboarding/")
    assert len(connect_fake.accounts) == 1 and PayoutAccount.objects.count() == 1


@pytest.mark.django_db
def test_two_set_up_clicks_make_one_account(localstripe, connect_fake):
    client, shop = seller_client()
    start(client)
    start(client)
    assert len(connect_fake.accounts) == 1
    assert PayoutAccount.objects.filter(shop=shop).count() == 1


@pytest.mark.django_db
def test_stripe_refusing_the_account_stores_nothing_and_says_why(localstripe, connect_fake):
    connect_fake.refuse["/v1/accounts"] = "Connect is not enabled for this platform."
    client, shop = seller_client()
    answer = client.post("/sell/payouts/setup/", follow=True)
    text = answer.content.decode()
    assert answer.redirect_chain == [("/sell/payouts/", 302)]
    assert "We could not open the set-up with Stripe" in text
    assert "Connect is not enabled for this platform." in text
    assert not PayoutAccount.objects.exists()
    assert GatewayCall.objects.get(operation="account.create").status == "failed"


@pytest.mark.django_db
def test_stripe_silent_stores_nothing_and_says_try_again(localstripe, failing_stripe, settings):
    settings.STRIPE_CONNECT_API_BASE = failing_stripe.base
    client, _ = seller_client()
    text = client.post("/sell/payouts/setup/", follow=True).content.decode()
    assert "Please try again in a minute" in text
    assert not PayoutAccount.objects.exists()
    assert GatewayCall.objects.get(operation="account.create").status == "unknown"


@pytest.mark.django_db
def test_account_updated_webhook_keeps_the_status_current(client, settings, localstripe,
                                                          connect_fake):
    seller, shop = seller_client()
    fake_click(start(seller), "finish")  # finished at Stripe; we have not heard yet
    account = PayoutAccount.objects.get(shop=shop)
    body = event_body("account.updated", {"id": account.stripe_account_id, "object": "account",
                                          "payouts_enabled": False})
    answer = client.post(WEBHOOK, data=body, content_type="application/json",
                         HTTP_STRIPE_SIGNATURE=sign(body, settings.STRIPE_WEBHOOK_SECRET))
    assert (answer.status_code, answer.json()["result"]) == (200, "processed")
    account.refresh_from_db()
    # The event is a hint: the stored state is the account fetched from Stripe afterwards.
    assert (account.status, account.payouts_enabled) == ("enabled", True)

    # Later Stripe needs something again and stops payouts: told by the next event.
    connect_fake.account_change(account.stripe_account_id, {
        "payouts_enabled": "false", "currently_due": "individual.verification.document"})
    body = event_body("account.updated", {"id": account.stripe_account_id})
    client.post(WEBHOOK, data=body, content_type="application/json",
                HTTP_STRIPE_SIGNATURE=sign(body, settings.STRIPE_WEBHOOK_SECRET))
    account.refresh_from_db()
    assert (account.status, account.payouts_enabled, account.requirements_due) == (
        "action_needed", False, ["individual.verification.document"])
    page = seller.get("/sell/payouts/").content.decode()
    assert "Stripe needs more information" in page and "a photo ID" in page
    assert list(Notification.objects.filter(kind="payout_account_status").order_by("pk")
                .values_list("message", flat=True)) == [
        "Your payout account: Ready for payouts.",
        "Your payout account: Stripe needs more information. Stripe needs a photo ID before it "
        "can pay you."]


@pytest.mark.django_db
def test_a_pending_transfer_waits_while_stripe_has_stopped_payouts(localstripe, connect_fake):
    client, shop = seller_client()
    fake_click(start(client), "finish")
    client.get("/sell/payouts/return/")
    reference, _, _ = held_escrow(amount_cents=5_000, shop=shop)
    escrow_release(reference=reference)
    account = PayoutAccount.objects.get(shop=shop)
    PayoutAccount.objects.filter(pk=account.pk).update(payouts_enabled=False,
                                                       status="action_needed")
    from payments.services.payouts import payout_create, payout_send

    payout = payout_create(shop_id=shop.pk)
    assert payout is None  # not reserved while Stripe cannot pay the account
    PayoutAccount.objects.filter(pk=account.pk).update(payouts_enabled=True, status="enabled")
    payout = payout_create(shop_id=shop.pk)
    PayoutAccount.objects.filter(pk=account.pk).update(payouts_enabled=False)
    assert payout_send(payout=payout).status == "pending" and connect_fake.transfers == []


@pytest.mark.django_db
@pytest.mark.parametrize("signature", ["", "t=1,v1=deadbeef", "forged"])
def test_an_account_event_with_a_bad_signature_is_400_and_changes_nothing(
    client, settings, localstripe, connect_fake, signature
):
    seller, shop = seller_client()
    fake_click(start(seller), "finish")
    account = PayoutAccount.objects.get(shop=shop)
    body = event_body("account.updated", {"id": account.stripe_account_id})
    if signature == "forged":
        signature = sign(body, "whsec_someone_else")
    headers = {"HTTP_STRIPE_SIGNATURE": signature} if signature else {}
    answer = client.post(WEBHOOK, data=body, content_type="application/json", **headers)
    assert answer.status_code == 400
    account.refresh_from_db()
    assert (account.status, account.payouts_enabled) == ("onboarding", False)
    assert not WebhookEvent.objects.exists()


CONNECT_SECRET = "whsec_connect_endpoint_test"


@pytest.mark.django_db
def test_an_event_signed_with_the_connect_secret_is_accepted(client, settings, localstripe,
                                                             connect_fake):
    """Stripe signs connected-account events with the Connect endpoint's own secret."""
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = CONNECT_SECRET
    seller, shop = seller_client()
    fake_click(start(seller), "finish")
    account = PayoutAccount.objects.get(shop=shop)
    body = event_body("account.updated", {"id": account.stripe_account_id})
    answer = client.post(WEBHOOK, data=body, content_type="application/json",
                         HTTP_STRIPE_SIGNATURE=sign(body, CONNECT_SECRET))
    assert (answer.status_code, answer.json()["result"]) == (200, "processed")
    account.refresh_from_db()
    assert (account.status, account.payouts_enabled) == ("enabled", True)
    assert WebhookEvent.objects.get().status == "processed"

    # The platform's own events still verify with the platform secret.
    body = event_body("account.updated", {"id": account.stripe_account_id})
    answer = client.post(WEBHOOK, data=body, content_type="application/json",
                         HTTP_STRIPE_SIGNATURE=sign(body, settings.STRIPE_WEBHOOK_SECRET))
    assert (answer.status_code, answer.json()["result"]) == (200, "processed")


@pytest.mark.django_db
@pytest.mark.parametrize("connect_secret", ["", CONNECT_SECRET])
def test_an_event_signed_with_an_unknown_secret_is_400_whatever_is_configured(
    client, settings, localstripe, connect_fake, connect_secret
):
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = connect_secret
    seller, shop = seller_client()
    fake_click(start(seller), "finish")
    account = PayoutAccount.objects.get(shop=shop)
    body = event_body("account.updated", {"id": account.stripe_account_id})
    # Without a Connect secret configured, an event signed with one is as unknown as any.
    unknown = ["whsec_someone_else"] + ([] if connect_secret else [CONNECT_SECRET])
    for secret in unknown:
        answer = client.post(WEBHOOK, data=body, content_type="application/json",
                             HTTP_STRIPE_SIGNATURE=sign(body, secret))
        assert answer.status_code == 400
    # A stale signature made with the Connect secret is refused like a stale platform one.
    if connect_secret:
        answer = client.post(WEBHOOK, data=body, content_type="application/json",
                             HTTP_STRIPE_SIGNATURE=sign(body, connect_secret,
                                                        timestamp=int(time.time()) - 3600))
        assert answer.status_code == 400
    account.refresh_from_db()
    assert (account.status, account.payouts_enabled) == ("onboarding", False)
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db
def test_an_event_about_an_account_that_is_not_ours_is_ignored(client, settings, localstripe,
                                                               connect_fake):
    body = event_body("account.updated", {"id": "acct_someone_elses"})
    answer = client.post(WEBHOOK, data=body, content_type="application/json",
                         HTTP_STRIPE_SIGNATURE=sign(body, settings.STRIPE_WEBHOOK_SECRET))
    assert answer.status_code == 200 and not PayoutAccount.objects.exists()
    assert ("GET", "/v1/accounts/acct_someone_elses") not in connect_fake.requests


@pytest.mark.django_db(transaction=True)
def test_the_return_page_and_the_webhook_at_once_agree(settings, localstripe, connect_fake):
    shop = ShopFactory()
    seller = Client()
    seller.force_login(shop.owner)
    back = fake_click(start(seller), "finish")
    account = PayoutAccount.objects.get(shop=shop)
    body = event_body("account.updated", {"id": account.stripe_account_id})
    signature = sign(body, settings.STRIPE_WEBHOOK_SECRET)
    barrier = threading.Barrier(2)
    answers = {}

    def return_page():
        try:
            barrier.wait()
            answers["page"] = seller.get(path_of(back))
        finally:
            connection.close()

    def webhook():
        try:
            barrier.wait()
            answers["hook"] = Client().post(WEBHOOK, data=body, content_type="application/json",
                                            HTTP_STRIPE_SIGNATURE=signature)
        finally:
            connection.close()

    threads = [threading.Thread(target=return_page), threading.Thread(target=webhook)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert answers["page"].status_code == 302 and answers["hook"].status_code == 200
    assert PayoutAccount.objects.count() == 1
    account.refresh_from_db()
    assert (account.status, account.payouts_enabled, account.requirements_due) == (
        "enabled", True, [])
    assert WebhookEvent.objects.get().status == "processed"
    assert Notification.objects.filter(kind="payout_account_status").count() == 1


@pytest.mark.django_db
def test_the_stand_in_sends_a_signed_account_updated_to_the_webhook(live_server, settings,
                                                                    localstripe, connect_fake):
    """End to end over HTTP: Finish on the stand-in page → signed event → our webhook."""
    connect_fake.webhook_url = f"{live_server.url}{WEBHOOK}"
    seller, shop = seller_client()
    fake_click(start(seller), "finish")
    account = PayoutAccount.objects.get(shop=shop)
    for _ in range(300):  # delivered from the stand-in's own thread, as Stripe would
        account.refresh_from_db()
        if account.payouts_enabled and connect_fake.events_sent:
            break
        threading.Event().wait(0.1)
    assert (account.status, account.payouts_enabled) == ("enabled", True)
    assert [e["status"] for e in connect_fake.events_sent] == [200]


@pytest.mark.django_db
def test_the_stand_in_signs_with_the_connect_secret_when_one_is_set(live_server, settings,
                                                                   localstripe, connect_fake):
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = CONNECT_SECRET
    connect_fake.webhook_secret = CONNECT_SECRET  # as `make run` starts it with the secret set
    connect_fake.webhook_url = f"{live_server.url}{WEBHOOK}"
    seller, shop = seller_client()
    fake_click(start(seller), "finish")
    account = PayoutAccount.objects.get(shop=shop)
    for _ in range(300):
        account.refresh_from_db()
        if account.payouts_enabled and connect_fake.events_sent:
            break
        threading.Event().wait(0.1)
    assert (account.status, account.payouts_enabled) == ("enabled", True)
    assert [e["status"] for e in connect_fake.events_sent] == [200]


@pytest.mark.django_db
def test_the_api_shows_the_account_and_makes_links(api_client, localstripe, connect_fake):
    shop = ShopFactory()
    api_client.force_authenticate(shop.owner)
    before = api_client.get("/api/v1/seller/payout-account")
    assert before.status_code == 200
    assert before.json() == {"status": "none", "status_label": "Not set up",
                             "charges_enabled": False, "payouts_enabled": False,
                             "requirements_due": [], "requirements_due_words": []}
    link = api_client.post("/api/v1/seller/payout-account/link")
    assert link.status_code == 200
    assert link.json()["url"].startswith(f"{connect_fake.base}/connect/onboarding/")
    after = api_client.get("/api/v1/seller/payout-account").json()
    assert (after["status"], after["payouts_enabled"]) == ("onboarding", False)
    assert "external_account" in after["requirements_due"]
    assert "a bank account for your payouts" in after["requirements_due_words"]


@pytest.mark.django_db
def test_people_without_a_shop_get_no_payout_account(api_client, client, localstripe,
                                                     connect_fake):
    assert api_client.get("/api/v1/seller/payout-account").status_code == 401
    buyer = UserFactory()
    api_client.force_authenticate(buyer)
    assert api_client.get("/api/v1/seller/payout-account").status_code == 403
    assert api_client.post("/api/v1/seller/payout-account/link").status_code == 403
    client.force_login(buyer)
    for answer in (client.get("/sell/payouts/"), client.post("/sell/payouts/setup/"),
                   client.get("/sell/payouts/return/")):
        assert (answer.status_code, answer["Location"]) == (302, "/sell/shop/new/")
    assert connect_fake.accounts == {} and not PayoutAccount.objects.exists()


@pytest.mark.django_db
def test_another_sellers_account_is_never_shown_or_synced(localstripe, connect_fake):
    first, first_shop = seller_client()
    fake_click(start(first), "finish")
    second, _ = seller_client()
    page = second.get("/sell/payouts/return/", follow=True).content.decode()
    assert "Set up payouts with Stripe" in page and "Ready for payouts" not in page
    assert PayoutAccount.objects.get().shop == first_shop
    assert connect_fake.requests.count(("GET", "/v1/accounts/"
                                        + PayoutAccount.objects.get().stripe_account_id)) == 0


@pytest.mark.django_db
def test_fee_and_payout_terms_are_stated_where_sellers_decide(client):
    client.force_login(UserFactory())
    opening = client.get("/sell/shop/new/").content.decode()
    assert "5 % fee" in opening and "/sell/terms/" in opening and "$10.00" in opening
    terms = client.get("/sell/terms/").content.decode()
    assert "5 %" in terms and "you receive $11.40 and the fee is $0.60" in terms
