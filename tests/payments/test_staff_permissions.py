"""Acting on money from the staff side needs `payments.manage_payouts`; `is_staff` is not enough.

Staff who may only look (view permissions) get 403 on the mark-paid page and are not offered
the export or resolve actions; a forged action POST changes nothing. With the permission the
same acts work, and marking paid is audited in the ledger (the entry names the staff member).
"""

import pytest

from payments.models import JournalEntry, Payout, ReconciliationIssue
from payments.services import issue_flag, payouts_run
from tests.staff import staff_login, staff_make
from tests.stripe_support import released

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("localstripe")]

MANAGE = "payments.manage_payouts"
LOOK_ONLY = ("payments.view_payout", "payments.view_reconciliationissue")


@pytest.fixture
def owed():
    """A manual payout staff still owe, and one open reconciliation issue."""
    released(5_000)
    payouts_run()
    payout = Payout.objects.select_related("shop").get()
    assert (payout.method, payout.status) == ("manual", "pending")
    issue = issue_flag(kind=ReconciliationIssue.Kind.UNKNOWN_OBJECT, subject="tr_stray",
                       detail="A transfer we never made.")
    return payout, issue


def action_names(page) -> set[str]:
    field = page.context["action_form"].fields["action"] if page.context.get(
        "action_form") else None
    return {value for value, _ in field.choices if value} if field else set()


@pytest.mark.parametrize("permissions", [(), LOOK_ONLY, ("moderation.moderate", *LOOK_ONLY)])
def test_staff_without_the_permission_cannot_act_on_money(client, owed, permissions):
    payout, issue = owed
    staff_login(client, staff_make(permissions=permissions))

    assert client.get(f"/admin/payments/payout/{payout.pk}/mark-paid/").status_code == 403
    assert client.post(f"/admin/payments/payout/{payout.pk}/mark-paid/",
                       {"bank_reference": "WIRE-1"}).status_code == 403

    payouts_page = client.get("/admin/payments/payout/")
    issues_page = client.get("/admin/payments/reconciliationissue/")
    if permissions:
        assert payouts_page.status_code == issues_page.status_code == 200
        assert "export_owed_csv" not in action_names(payouts_page)
        assert "resolve" not in action_names(issues_page)
    else:
        assert payouts_page.status_code == issues_page.status_code == 403

    export = client.post("/admin/payments/payout/", {
        "action": "export_owed_csv", "_selected_action": [payout.pk]})
    assert export.get("Content-Type") != "text/csv"
    assert export.status_code == 403
    resolve = client.post("/admin/payments/reconciliationissue/", {
        "action": "resolve", "_selected_action": [issue.pk]})
    assert resolve.status_code == 403

    payout.refresh_from_db()
    issue.refresh_from_db()
    assert (payout.status, payout.provider_ref, payout.marked_by) == ("pending", "", None)
    assert (issue.is_resolved, issue.resolved_by) == (False, None)
    assert not JournalEntry.objects.filter(kind=JournalEntry.Kind.PAYOUT_PAID).exists()


def test_a_payouts_manager_exports_marks_paid_and_resolves_audited(client, owed):
    payout, issue = owed
    manager = staff_make(permissions=(MANAGE,), email="finance@example.com")
    staff_login(client, manager)

    payouts_page = client.get("/admin/payments/payout/")
    assert payouts_page.status_code == 200
    assert "export_owed_csv" in action_names(payouts_page)
    export = client.post("/admin/payments/payout/", {
        "action": "export_owed_csv", "_selected_action": [payout.pk]})
    assert export["Content-Type"] == "text/csv"
    assert export.content.decode().splitlines()[1].startswith(f"{payout.pk},{payout.shop.slug},")

    assert client.get(f"/admin/payments/payout/{payout.pk}/mark-paid/").status_code == 200
    bad = client.post(f"/admin/payments/payout/{payout.pk}/mark-paid/", {"bank_reference": ""})
    assert bad.status_code == 200 and Payout.objects.get().status == "pending"
    done = client.post(f"/admin/payments/payout/{payout.pk}/mark-paid/",
                       {"bank_reference": "WIRE-77"})
    assert done.status_code == 302
    payout.refresh_from_db()
    assert (payout.status, payout.provider_ref, payout.marked_by) == ("paid", "WIRE-77", manager)
    entry = JournalEntry.objects.get(kind=JournalEntry.Kind.PAYOUT_PAID)
    assert entry.created_by == manager and "WIRE-77" in entry.memo

    again = client.post(f"/admin/payments/payout/{payout.pk}/mark-paid/",
                        {"bank_reference": "WIRE-78"})
    assert again.status_code == 302
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.PAYOUT_PAID).count() == 1

    issues_page = client.get("/admin/payments/reconciliationissue/")
    assert "resolve" in action_names(issues_page)
    client.post("/admin/payments/reconciliationissue/",
                {"action": "resolve", "_selected_action": [issue.pk]})
    issue.refresh_from_db()
    assert issue.is_resolved and issue.resolved_by == manager and issue.resolved_at


def test_money_records_stay_read_only_for_a_payouts_manager(client, owed):
    payout, _ = owed
    staff_login(client, staff_make(permissions=(MANAGE,)))
    page = client.get(f"/admin/payments/payout/{payout.pk}/change/")
    assert page.status_code == 200 and 'name="status"' not in page.content.decode()
    client.post(f"/admin/payments/payout/{payout.pk}/change/",
                {"status": "paid", "amount_cents": 1})
    client.post(f"/admin/payments/payout/{payout.pk}/delete/", {"post": "yes"})
    payout.refresh_from_db()
    assert (payout.status, payout.amount_cents) == ("pending", 4_750)
