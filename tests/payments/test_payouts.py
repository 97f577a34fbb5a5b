"""Payouts. localstripe has no Stripe Connect: the Transfer path is tested against a small
local HTTP fake of POST /v1/transfers that these tests start themselves (fake_transfers)."""

import http.server
import io
import json
import threading
from urllib.parse import parse_qs

import pytest
from django.core.management import call_command
from django.db import connection

from notifications.models import Notification
from payments.errors import PayoutConflict
from payments.ledger import account_balance, seller_paid_out_account, seller_payable_account
from payments.models import Payout
from payments.selectors import shop_balance
from payments.services import payout_mark_paid, payouts_run
from sellers.models import Shop
from tests.factories import UserFactory
from tests.staff import staff_login, staff_make
from tests.stripe_support import connect_shop, released, serve


def available(shop):
    return account_balance(account=seller_payable_account(shop.pk), currency="USD")


@pytest.fixture
def fake_transfers():
    """A fake of Stripe Connect's POST /v1/transfers: records each request; mode 'ok'|'refuse'."""
    state = {"mode": "ok", "requests": []}
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            with lock:
                state["requests"].append({"path": self.path, "form": form,
                                          "key": self.headers.get("Idempotency-Key")})
                number = len(state["requests"])
            if self.path != "/v1/transfers":
                status, body = 404, {"error": {"type": "invalid_request_error",
                                               "message": "Unrecognized request URL"}}
            elif state["mode"] == "refuse":
                status, body = 400, {"error": {"type": "invalid_request_error",
                                               "message": "No such destination"}}
            else:
                status, body = 200, {"id": f"tr_fake_{number}", "object": "transfer",
                                     "amount": int(form["amount"][0]),
                                     "currency": form["currency"][0],
                                     "destination": form["destination"][0]}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = serve(Handler)
    state["base"] = server.base
    yield state
    server.stop()


@pytest.mark.django_db
def test_manual_payout_reserves_the_balance_and_staff_mark_it_paid(localstripe):
    shop = released(5_000)  # 4 750 to the seller after the 5 % fee
    result = payouts_run()
    assert (result.created, result.paid) == (1, 0)
    payout = Payout.objects.get()
    assert (payout.amount_cents, payout.method, payout.status) == (4_750, "manual", "pending")
    balance = shop_balance(shop=shop)
    assert (balance.available_cents, balance.payout_pending_cents) == (0, 4_750)

    staff = UserFactory(is_staff=True)
    payout_mark_paid(payout=payout, bank_reference="ACH 20261128-77", actor=staff)
    payout_mark_paid(payout=payout, bank_reference="ACH 20261128-77", actor=staff)  # repeat

    payout.refresh_from_db()
    assert (payout.status, payout.provider_ref, payout.marked_by) == (
        "paid", "ACH 20261128-77", staff)
    assert account_balance(account=seller_paid_out_account(shop.pk), currency="USD") == 4_750
    assert payouts_run().created == 0 and Payout.objects.count() == 1
    sent = Notification.objects.filter(kind="payout_sent")
    assert [(n.recipient_id, n.context["amount_cents"]) for n in sent] == [(shop.owner_id, 4_750)]


@pytest.mark.django_db
def test_balances_under_ten_dollars_wait(localstripe):
    shop = released(1_000)  # 950 after fee
    assert payouts_run().created == 0
    assert available(shop) == 950 and not Payout.objects.exists()


@pytest.mark.django_db
def test_a_suspended_shops_balance_is_held(localstripe, fake_transfers, settings):
    shop = released(20_000, shop=connect_shop("acct_suspended"))
    Shop.objects.filter(pk=shop.pk).update(status=Shop.Status.SUSPENDED)
    settings.STRIPE_API_BASE = fake_transfers["base"]
    result = payouts_run()
    assert (result.created, result.paid, result.held) == (0, 0, 1)
    assert available(shop) == 19_000
    assert fake_transfers["requests"] == [] and not Payout.objects.exists()


@pytest.mark.django_db
def test_connect_payout_is_a_transfer_keyed_by_the_payout_id(localstripe, fake_transfers,
                                                            settings):
    shop = released(12_000, shop=connect_shop("acct_1Village"))
    settings.STRIPE_API_BASE = fake_transfers["base"]

    result = payouts_run()

    payout = Payout.objects.get()
    assert (result.created, result.paid) == (1, 1)
    assert (payout.method, payout.status, payout.provider_ref) == (
        "stripe_transfer", "paid", "tr_fake_1")
    [request] = fake_transfers["requests"]
    assert request["key"] == f"payout:{payout.pk}"
    assert request["form"]["amount"] == ["11400"]
    assert request["form"]["destination"] == ["acct_1Village"]
    assert account_balance(account=seller_paid_out_account(shop.pk), currency="USD") == 11_400
    assert available(shop) == 0


@pytest.mark.django_db
def test_a_refused_transfer_returns_the_money_to_the_available_balance(
    localstripe, fake_transfers, settings
):
    shop = released(3_000, shop=connect_shop("acct_gone"))
    settings.STRIPE_API_BASE = fake_transfers["base"]
    fake_transfers["mode"] = "refuse"

    payouts_run()

    payout = Payout.objects.get()
    assert payout.status == "failed" and "No such destination" in payout.error
    assert available(shop) == 2_850
    assert shop_balance(shop=shop).payout_pending_cents == 0


@pytest.mark.django_db(transaction=True)
def test_the_job_run_twice_at_once_pays_once(localstripe, fake_transfers, settings):
    shop = released(9_000, shop=connect_shop("acct_twice"))
    settings.STRIPE_API_BASE = fake_transfers["base"]
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(payouts_run())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(r.created for r in results) == [0, 1]
    assert len(fake_transfers["requests"]) == 1
    assert Payout.objects.get().status == "paid"
    assert account_balance(account=seller_paid_out_account(shop.pk), currency="USD") == 8_550
    assert Notification.objects.filter(kind="payout_sent", recipient=shop.owner).count() == 1


@pytest.mark.django_db
def test_run_due_jobs_runs_the_daily_payout(localstripe):
    shop = released(4_000)
    out = io.StringIO()
    call_command("run_due_jobs", only=["payouts-daily"], stdout=out)
    assert "payouts-daily: {'created': 1, 'paid': 0, 'held': 0, 'unknown': 0}" in out.getvalue()
    assert Payout.objects.get(shop=shop).amount_cents == 3_800


@pytest.mark.django_db
def test_staff_export_owed_payouts_as_csv_and_mark_one_paid_in_admin(client, localstripe):
    shop = released(5_000)
    payouts_run()
    payout = Payout.objects.get()
    staff = staff_make(permissions=("payments.manage_payouts",))
    staff_login(client, staff)

    response = client.post("/admin/payments/payout/", {
        "action": "export_owed_csv", "_selected_action": [payout.pk],
    })
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    rows = response.content.decode().splitlines()
    assert rows[0] == "payout_id,shop,shop_owner_email,amount_cents,currency,created,status"
    assert rows[1].startswith(f"{payout.pk},{shop.slug},{shop.owner.email},4750,USD,")

    page = client.get(f"/admin/payments/payout/{payout.pk}/mark-paid/")
    assert page.status_code == 200
    done = client.post(f"/admin/payments/payout/{payout.pk}/mark-paid/",
                       {"bank_reference": "WIRE-991"})
    assert done.status_code == 302
    payout.refresh_from_db()
    assert (payout.status, payout.provider_ref) == ("paid", "WIRE-991")


@pytest.mark.django_db
def test_a_suspended_shops_manual_payout_cannot_be_marked_paid(localstripe):
    shop = released(5_000)
    payouts_run()
    Shop.objects.filter(pk=shop.pk).update(status=Shop.Status.SUSPENDED)
    payout = Payout.objects.select_related("shop").get()
    with pytest.raises(PayoutConflict):
        payout_mark_paid(payout=payout, bank_reference="X1", actor=UserFactory(is_staff=True))
    assert Payout.objects.get().status == "pending"
