"""Staff settle a hub's cash position: what the platform owes the hub for cash its agents
handed to owners. A fresh staff code, payments.manage_payouts, at most what is owed, audited;
two settlements racing cannot both pay the same debt."""

import pytest

from hubs.models import HubSettlement
from hubs.services.money import cash_out_confirm, cash_out_start, hub_settle
from notifications.models import Notification
from payments.models import JournalEntry
from tests.builders import hub
from tests.hubs.money_support import account_sums, ledger_identity_holds, managed_world
from tests.staff import staff_login, staff_make
from tests.support import audit_rows, run_together

pytestmark = pytest.mark.django_db

MANAGE = "payments.manage_payouts"


def cash_handed_out(amount_cents: int = 1_000):
    managed, agent = managed_world()
    cash_out = cash_out_start(user=agent, shop_id=managed.shop_id, amount_cents=amount_cents)
    code = Notification.objects.get(kind="hub_cash_code").context["code"]
    cash_out_confirm(user=agent, cash_out_id=cash_out.pk, code=code)
    return managed.hub


def owed(place) -> int:
    return account_sums().get(f"hub_cash_owed:{place.pk}", 0)


def test_staff_see_what_is_owed_and_settle_part_then_the_rest(client):
    place = cash_handed_out(1_000)
    staff = staff_make(permissions=(MANAGE,))
    staff_login(client, staff)
    page = client.get("/staff/hubs/cash/")
    assert page.status_code == 200 and b"$10.00" in page.content

    assert client.post(f"/staff/hubs/{place.pk}/settle/",
                       {"amount": "4.00", "note": "Check 1041"}).status_code == 302
    assert owed(place) == 600
    settlement = HubSettlement.objects.get()
    assert (settlement.amount_cents, settlement.settled_by_id) == (400, staff.pk)
    assert JournalEntry.objects.get(kind="hub_settlement").reference == settlement.reference
    assert audit_rows(action="hub_settled")[0][:3] == ("hub_settled", "hub", str(place.pk))
    assert client.post(f"/staff/hubs/{place.pk}/settle/",
                       {"amount": "6.00", "note": "Check 1042"}).status_code == 302
    assert owed(place) == 0
    assert ledger_identity_holds()


def test_more_than_owed_or_bad_input_changes_nothing(client):
    place = cash_handed_out(1_000)
    staff_login(client, staff_make(permissions=(MANAGE,)))
    url = f"/staff/hubs/{place.pk}/settle/"
    assert client.post(url, {"amount": "10.01", "note": "Check"}).status_code == 409
    assert client.post(url, {"amount": "-1", "note": "Check"}).status_code == 400
    assert client.post(url, {"amount": "1.001", "note": "Check"}).status_code == 400
    assert client.post(url, {"amount": "5.00", "note": ""}).status_code == 400
    assert client.post(url, {"amount": "1e30", "note": "Check"}).status_code == 400
    assert client.post(url, {"amount": "1e30\x00", "note": "Check\x00"}).status_code == 400
    assert client.post(url, {"amount": "5.00", "note": "x" * 301}).status_code == 400
    assert client.post("/staff/hubs/999999/settle/",
                       {"amount": "1.00", "note": "Check"}).status_code == 404
    other = hub(name="Quiet Hub")  # owes nothing
    assert client.post(f"/staff/hubs/{other.pk}/settle/",
                       {"amount": "1.00", "note": "Check"}).status_code == 409
    assert not HubSettlement.objects.exists()
    assert owed(place) == 1_000


def test_only_staff_who_manage_payouts_with_a_fresh_code_may_settle(client, clock):
    place = cash_handed_out(1_000)
    staff_login(client, staff_make(permissions=("moderation.moderate",)))
    assert client.get("/staff/hubs/cash/").status_code == 403
    assert client.post(f"/staff/hubs/{place.pk}/settle/",
                       {"amount": "1.00", "note": "Check"}).status_code == 403

    staff_login(client, staff_make(permissions=(MANAGE,)))
    clock.move(minutes=16)  # the last code is no longer fresh
    stale = client.post(f"/staff/hubs/{place.pk}/settle/", {"amount": "1.00", "note": "Check"})
    assert stale.status_code == 302 and "second-factor" in stale["Location"]
    assert not HubSettlement.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_settlements_racing_cannot_pay_the_same_debt_twice():
    place = cash_handed_out(1_000)
    staff = staff_make(permissions=(MANAGE,))

    def settle(index):
        try:
            hub_settle(staff=staff, hub_id=place.pk, amount_cents=800, note=f"Check {index}")
            return "settled"
        except Exception as error:  # the loser's Conflict
            return getattr(error, "http_status", None)

    assert sorted(run_together(2, settle), key=str) == [409, "settled"]
    assert owed(place) == 200
    assert HubSettlement.objects.count() == 1
    assert ledger_identity_holds()


def test_the_staff_api_lists_what_is_owed_and_settles(client):
    from tests.support import client_for

    place = cash_handed_out(1_000)
    staff = staff_make(permissions=(MANAGE,))
    api = client_for(staff)
    listed = api.get("/api/v1/staff/hubs/cash")
    assert listed.status_code == 200
    assert [(row["hub_id"], row["owed_cents"]) for row in listed.data] == [(place.pk, 1_000)]
    assert api.post(f"/api/v1/staff/hubs/{place.pk}/settle",
                    {"amount_cents": 1_001, "note": "Check"}, format="json").status_code == 409
    assert api.post(f"/api/v1/staff/hubs/{place.pk}/settle",
                    {"amount_cents": 0, "note": "Check"}, format="json").status_code == 400
    done = api.post(f"/api/v1/staff/hubs/{place.pk}/settle",
                    {"amount_cents": 1_000, "note": "Check 77"}, format="json")
    assert done.status_code == 201 and done.data["owed_cents"] == 0
    moderator = client_for(staff_make(permissions=("moderation.moderate",)))
    assert moderator.get("/api/v1/staff/hubs/cash").status_code == 403
    assert ledger_identity_holds()
