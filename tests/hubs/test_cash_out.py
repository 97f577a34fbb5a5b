"""A managed shop's owner collects their money at the hub: the agent starts a cash-out for at
most the available balance, the owner confirms with the code sent to them (or the agent uploads
the signed receipt), and only then does the ledger move it. Wrong, expired and locked codes,
permissions, bad input and two cash-outs racing for one balance."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hubs.models import CashOut, HubAct
from notifications.models import Notification
from payments.models import JournalEntry, PayoutAccount
from payments.selectors import shop_balance
from payments.services import payout_create
from tests.builders import hub, hub_agent, managed_shop
from tests.factories import ShopFactory, UserFactory
from tests.hubs.money_support import account_sums, ledger_identity_holds, managed_world
from tests.support import client_for, png_bytes, run_together

pytestmark = pytest.mark.django_db

AVAILABLE = 1_700 - 85 - 51  # one sale of 12.00 + 5.00 shipping, 5 % fee, 3 % commission


def start(agent, shop_id, amount_cents):
    return client_for(agent).post(f"/api/v1/hub/shops/{shop_id}/cash-outs",
                                  {"amount_cents": amount_cents}, format="json")


def confirm(agent, cash_out_id, **data):
    fmt = "multipart" if "receipt" in data else "json"
    return client_for(agent).post(f"/api/v1/hub/cash-outs/{cash_out_id}/confirm", data,
                                  format=fmt)


def code_sent(cash_out_id) -> str:
    notes = Notification.objects.filter(kind="hub_cash_code",
                                        dedupe_key__startswith=f"hub_cash_code:{cash_out_id}:")
    return notes.order_by("-id").first().context["code"]


@pytest.fixture
def world():
    managed, agent = managed_world()
    assert shop_balance(shop=managed.shop).available_cents == AVAILABLE
    return managed, agent


def test_cash_out_by_the_owners_code_moves_the_money_once(world):
    managed, agent = world
    answer = start(agent, managed.shop_id, 1_000)
    assert answer.status_code == 201, answer.data
    cash_out = CashOut.objects.get(pk=answer.data["id"])
    assert (cash_out.status, cash_out.owner_id, cash_out.agent_id) == (
        "awaiting", managed.shop.owner_id, agent.pk)
    code = code_sent(cash_out.pk)
    assert code not in cash_out.code_hash and len(code) == 6
    assert not JournalEntry.objects.filter(kind="hub_cash_out").exists()  # nothing moved yet
    kinds = set(Notification.objects.filter(recipient=managed.shop.owner)
                .values_list("kind", flat=True))
    assert {"hub_cash_ready", "hub_cash_code"} <= kinds

    answer = confirm(agent, cash_out.pk, code=code)
    assert answer.status_code == 200, answer.data
    assert (answer.data["status"], answer.data["proof"]) == ("collected", "code")
    sums = account_sums()
    shop, place = managed.shop_id, managed.hub_id
    assert sums[f"seller_paid_out:{shop}"] == 1_000
    assert sums[f"seller_payable:{shop}"] == AVAILABLE - 1_000
    assert sums[f"hub_cash_owed:{place}"] == 1_000
    assert sums[f"hub_cash_advanced:{place}"] == -1_000
    assert ledger_identity_holds()
    assert Notification.objects.filter(recipient=managed.shop.owner,
                                       kind="hub_cash_collected").count() == 1
    assert set(HubAct.objects.filter(shop_id=shop).values_list("action", flat=True)) >= {
        "cash_out_started", "cash_out_confirmed"}

    from tests.support import audit_rows

    assert [row[0] for row in audit_rows(object_type="cash_out")] == [
        "cash_out_started", "cash_out_confirmed"]
    again = confirm(agent, cash_out.pk, code=code)
    assert again.status_code == 409
    assert JournalEntry.objects.filter(kind="hub_cash_out").count() == 1


def test_a_wrong_code_counts_and_five_lock_it(world):
    managed, agent = world
    cash_out_id = start(agent, managed.shop_id, 500).data["id"]
    code = code_sent(cash_out_id)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for number in range(1, 6):
        answer = confirm(agent, cash_out_id, code=wrong)
        assert answer.status_code == 400
        assert CashOut.objects.get(pk=cash_out_id).code_failed_attempts == number
    assert "locked" in answer.data["detail"]
    locked = confirm(agent, cash_out_id, code=code)  # even the right one, now
    assert locked.status_code == 409
    assert not JournalEntry.objects.filter(kind="hub_cash_out").exists()
    for bad in ["12345", "abcdef", ""]:
        assert confirm(agent, cash_out_id, code=bad).status_code == 400


def test_an_expired_code_is_refused_and_a_new_one_works(world, clock):
    managed, agent = world
    cash_out_id = start(agent, managed.shop_id, 500).data["id"]
    code = code_sent(cash_out_id)
    clock.move(minutes=31)
    assert confirm(agent, cash_out_id, code=code).status_code == 409
    from hubs.services.money import cash_out_code_resend

    cash_out_code_resend(user=agent, cash_out_id=cash_out_id)
    fresh = code_sent(cash_out_id)
    assert confirm(agent, cash_out_id, code=fresh).status_code == 200
    assert ledger_identity_holds()


def test_cash_out_by_a_signed_receipt(world):
    managed, agent = world
    cash_out_id = start(agent, managed.shop_id, AVAILABLE).data["id"]
    bad = SimpleUploadedFile("receipt.png", b"<svg onload=alert(1)>", content_type="image/png")
    assert confirm(agent, cash_out_id, receipt=bad).status_code in (400, 415)
    assert CashOut.objects.get(pk=cash_out_id).status == "awaiting"
    photo = SimpleUploadedFile("receipt.png", png_bytes(), content_type="image/png")
    answer = confirm(agent, cash_out_id, receipt=photo)
    assert answer.status_code == 200, answer.data
    cash_out = CashOut.objects.get(pk=cash_out_id)
    assert (cash_out.status, cash_out.proof) == ("collected", "receipt")
    assert cash_out.receipt.name.endswith(".webp")  # re-encoded by us
    assert shop_balance(shop=managed.shop).available_cents == 0
    assert ledger_identity_holds()


@pytest.mark.parametrize("amount", [0, -5, "ten", None, 10**12])
def test_bad_amounts_are_400(world, amount):
    managed, agent = world
    assert start(agent, managed.shop_id, amount).status_code == 400
    assert not CashOut.objects.exists()


def test_more_than_the_balance_one_open_at_a_time_and_stripe_or_suspended_shops_are_409(world):
    managed, agent = world
    assert start(agent, managed.shop_id, AVAILABLE + 1).status_code == 409
    assert start(agent, managed.shop_id, 100).status_code == 201
    assert start(agent, managed.shop_id, 100).status_code == 409  # one open per shop
    CashOut.objects.update(status="cancelled")

    PayoutAccount.objects.create(shop=managed.shop, stripe_account_id="acct_x",
                                 status=PayoutAccount.Status.ENABLED, payouts_enabled=True,
                                 charges_enabled=True, details_submitted=True)
    assert start(agent, managed.shop_id, 100).status_code == 409
    PayoutAccount.objects.all().delete()
    managed.shop.status = "suspended"
    managed.shop.save(update_fields=["status"])
    assert start(agent, managed.shop_id, 100).status_code == 409


def test_a_managed_shop_without_a_payout_account_is_paid_at_the_hub_not_by_hand(world):
    managed, agent = world
    assert payout_create(shop_id=managed.shop_id) is None  # no manual payout: the hub pays
    assert start(agent, managed.shop_id, AVAILABLE).status_code == 201


def test_an_open_payout_is_not_spent_twice(world):
    from django.utils import timezone

    managed, agent = world
    managed.ended_at, managed.end_reason = timezone.now(), "owner_revoked"
    managed.ended_by = managed.shop.owner
    managed.save()
    payout = payout_create(shop_id=managed.shop_id)  # a manual payout, made before the agency
    assert payout is not None and payout.amount_cents == AVAILABLE
    managed_shop(place=managed.hub, agent=agent, shop=managed.shop)  # the agent helps again
    assert start(agent, managed.shop_id, 100).status_code == 409


def test_permissions_another_hubs_agent_404_a_non_agent_403_the_agents_own_shop_404(world):
    managed, agent = world
    stranger = hub_agent(place=hub(name="Other Hub"))
    assert start(stranger, managed.shop_id, 100).status_code == 404
    assert start(UserFactory(), managed.shop_id, 100).status_code == 403
    assert start(managed.shop.owner, managed.shop_id, 100).status_code == 403

    own = managed_shop(place=managed.hub, agent=agent, shop=ShopFactory(owner=agent))
    assert start(agent, own.shop_id, 100).status_code == 404

    cash_out_id = start(agent, managed.shop_id, 100).data["id"]
    assert confirm(stranger, cash_out_id, code=code_sent(cash_out_id)).status_code == 404
    assert confirm(UserFactory(), cash_out_id, code="123456").status_code == 403
    other_agent_same_hub = hub_agent(place=managed.hub)
    assert confirm(other_agent_same_hub, cash_out_id,
                   code=code_sent(cash_out_id)).status_code == 404
    assert CashOut.objects.get(pk=cash_out_id).status == "awaiting"
    assert not JournalEntry.objects.filter(kind="hub_cash_out").exists()


def test_pages_start_and_confirm_and_refuse_plainly(client, world):
    managed, agent = world
    client.force_login(agent)
    page = client.get(f"/hub/shops/{managed.shop_id}/cash-out/")
    assert page.status_code == 200 and b"Ready to collect now" in page.content
    assert client.post(f"/hub/shops/{managed.shop_id}/cash-out/",
                       {"amount": "nonsense"}).status_code == 400
    assert client.post(f"/hub/shops/{managed.shop_id}/cash-out/",
                       {"amount": "9999.00"}).status_code == 409
    assert client.post(f"/hub/shops/{managed.shop_id}/cash-out/",
                       {"amount": "10.00"}).status_code == 302
    cash_out = CashOut.objects.get()
    assert cash_out.amount_cents == 1_000
    assert client.post(f"/hub/cash-outs/{cash_out.pk}/confirm/",
                       {"code": "000000" if code_sent(cash_out.pk) != "000000" else "111111"}
                       ).status_code == 400
    svg = SimpleUploadedFile("r.png", b"<svg onload=alert(1)>", content_type="image/png")
    assert client.post(f"/hub/cash-outs/{cash_out.pk}/confirm/",
                       {"receipt": svg}).status_code in (400, 415)
    done = client.post(f"/hub/cash-outs/{cash_out.pk}/confirm/",
                       {"code": code_sent(cash_out.pk)})
    assert done.status_code == 302
    assert CashOut.objects.get().status == "collected"

    client.force_login(UserFactory())
    assert client.get("/hub/cash/").status_code == 403
    assert client.get(f"/hub/shops/{managed.shop_id}/cash-out/").status_code == 403
    client.force_login(hub_agent(place=hub(name="Far Hub")))
    assert client.get(f"/hub/shops/{managed.shop_id}/cash-out/").status_code == 404
    assert client.post(f"/hub/cash-outs/{cash_out.pk}/cancel/").status_code == 404


def test_the_agents_cash_page_costs_the_same_queries_for_one_shop_or_three(
        client, django_assert_max_num_queries):
    managed, agent = managed_world()
    client.force_login(agent)
    client.get("/hub/cash/")  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get("/hub/cash/").status_code == 200
    for _ in range(2):
        managed_shop(place=managed.hub, agent=agent)
    with CaptureQueriesContext(connection) as three:
        page = client.get("/hub/cash/")
    assert page.status_code == 200 and page.content.count(b"Cash-out</a>") == 3
    assert len(three) == len(one)


@pytest.mark.django_db(transaction=True)
def test_two_cash_outs_racing_for_one_balance_spend_it_once():
    managed, agent = managed_world()

    def attempt(_):
        return start(agent, managed.shop_id, AVAILABLE).status_code

    assert sorted(run_together(2, attempt)) == [201, 409]
    cash_out = CashOut.objects.get(status="awaiting")
    code = code_sent(cash_out.pk)

    def confirm_twice(_):
        return confirm(agent, cash_out.pk, code=code).status_code

    assert sorted(run_together(2, confirm_twice)) == [200, 409]
    assert JournalEntry.objects.filter(kind="hub_cash_out").count() == 1
    assert shop_balance(shop=managed.shop).available_cents == 0
    assert ledger_identity_holds()


@pytest.mark.django_db(transaction=True)
def test_a_payout_and_a_cash_out_confirmation_racing_pay_once():
    managed, agent = managed_world(sales=2)
    available = shop_balance(shop=managed.shop).available_cents
    cash_out_id = start(agent, managed.shop_id, available).data["id"]
    code = code_sent(cash_out_id)

    def work(index):
        if index == 0:
            return confirm(agent, cash_out_id, code=code).status_code
        # Meanwhile Stripe enables the owner's payout account and the payout job runs.
        PayoutAccount.objects.create(
            shop=managed.shop, stripe_account_id="acct_race", payouts_enabled=True,
            status=PayoutAccount.Status.ENABLED, charges_enabled=True, details_submitted=True)
        return payout_create(shop_id=managed.shop_id)

    results = run_together(2, work)
    paid_out = account_sums().get(f"seller_paid_out:{managed.shop_id}", 0)
    pending = account_sums().get(f"seller_payout_pending:{managed.shop_id}", 0)
    assert paid_out + pending == available, results
    assert shop_balance(shop=managed.shop).available_cents == 0
    assert ledger_identity_holds()


def test_cash_out_acts_are_rate_limited_per_agent(world, settings):
    managed, agent = world
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "hub_cash": "2/hour"}
    assert start(agent, managed.shop_id, 100).status_code == 201
    assert start(agent, managed.shop_id, 100).status_code == 409
    limited = start(agent, managed.shop_id, 100)
    assert limited.status_code == 429 and limited["Retry-After"]
    assert CashOut.objects.count() == 1


def test_the_dashboard_counts_cash_to_hand_out(world):
    from hubs.selectors import cash_to_hand_out

    managed, agent = world
    assert cash_to_hand_out(user=agent) == {"waiting": 0, "ready_shops": 1,
                                            "ready_cents": AVAILABLE}
    start(agent, managed.shop_id, 100)
    assert cash_to_hand_out(user=agent)["waiting"] == 1
    assert cash_to_hand_out(user=UserFactory()) == {"waiting": 0, "ready_shops": 0,
                                                    "ready_cents": 0}
