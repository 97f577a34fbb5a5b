import pytest
from django.core.management import call_command

from notifications.models import Notification
from payments.gateway import stripe_client
from payments.models import ReconciliationIssue
from payments.services import escrow_refund, reconciliation_run
from tests.staff import staff_login, staff_make
from tests.stripe_support import held_escrow

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("localstripe")]


def test_matching_records_raise_no_issue():
    reference, _, _ = held_escrow(amount_cents=4_000)
    escrow_refund(reference=reference, amount_cents=1_000)
    result = reconciliation_run(days=3)
    assert result.checked == 1 and result.issues_open == 0


def test_a_refund_made_at_stripe_directly_is_listed_for_staff(client):
    watcher = staff_make(permissions=("payments.manage_payouts",))
    staff_make()  # a moderator: not told of money issues
    reference, _, intent = held_escrow(amount_cents=4_000)
    stripe_client().v1.refunds.create(params={"payment_intent": intent.stripe_id,
                                              "amount": 1_500})

    result = reconciliation_run(days=3)
    reconciliation_run(days=3)  # listed once, however often the job runs

    assert result.issues_open == 1
    issue = ReconciliationIssue.objects.get()
    assert (issue.kind, issue.subject) == ("refund_mismatch", intent.stripe_id)
    alerts = Notification.objects.filter(kind="staff_reconciliation_mismatch")
    assert [(n.recipient_id, n.url) for n in alerts] == [
        (watcher.pk, "/admin/payments/reconciliationissue/")]
    staff = staff_make(permissions=("payments.manage_payouts",))
    staff_login(client, staff)
    page = client.get("/admin/payments/reconciliationissue/")
    assert page.status_code == 200 and intent.stripe_id in page.content.decode()
    client.post("/admin/payments/reconciliationissue/",
                {"action": "resolve", "_selected_action": [issue.pk]})
    issue.refresh_from_db()
    assert issue.is_resolved and issue.resolved_by == staff


def test_the_reconcile_job_runs_from_run_due_jobs():
    held_escrow(amount_cents=1_000)
    call_command("run_due_jobs", only=["payments-reconcile"])
    assert not ReconciliationIssue.objects.exists()
