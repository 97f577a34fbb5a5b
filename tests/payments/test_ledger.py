import pytest
from django.db import DatabaseError, connection, transaction

from payments.errors import UnbalancedEntry
from payments.ledger import (
    STRIPE_BALANCE,
    Line,
    account_balance,
    escrow_account,
    journal_post,
)
from payments.models import JournalEntry, JournalLine

pytestmark = pytest.mark.django_db


def test_journal_post_refuses_an_unbalanced_entry_and_writes_nothing():
    with pytest.raises(UnbalancedEntry):
        journal_post(key="bad", kind="hold", lines=[
            Line(STRIPE_BALANCE, -100, "USD"), Line(escrow_account("x:1"), 99, "USD"),
        ])
    with pytest.raises(UnbalancedEntry):  # balanced in sum, not per currency
        journal_post(key="bad2", kind="hold", lines=[
            Line(STRIPE_BALANCE, -100, "USD"), Line(escrow_account("x:1"), 100, "EUR"),
        ])
    assert JournalEntry.objects.count() == 0 and JournalLine.objects.count() == 0


def test_journal_post_is_idempotent_by_key():
    lines = [Line(STRIPE_BALANCE, -100, "USD"), Line(escrow_account("x:1"), 100, "USD")]
    first = journal_post(key="hold:x:1", kind="hold", lines=lines)
    second = journal_post(key="hold:x:1", kind="hold", lines=lines)
    assert first.pk == second.pk
    assert account_balance(account=escrow_account("x:1"), currency="USD") == 100


def test_database_refuses_an_unbalanced_entry_at_commit():
    entry = JournalEntry.objects.create(key="raw", kind="hold")
    with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic():
        JournalLine.objects.create(entry=entry, account="stripe_balance", amount_cents=-5,
                                   currency="USD")
        JournalLine.objects.create(entry=entry, account="escrow:x", amount_cents=4,
                                   currency="USD")
        with connection.cursor() as cursor:  # what COMMIT does: run the deferred check
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert JournalLine.objects.count() == 0


def test_database_refuses_to_update_or_delete_posted_lines():
    entry = journal_post(key="k", kind="hold", lines=[
        Line(STRIPE_BALANCE, -100, "USD"), Line(escrow_account("x:2"), 100, "USD"),
    ])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        JournalLine.objects.filter(entry=entry).update(amount_cents=1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        JournalLine.objects.filter(entry=entry).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk).update(memo="changed")
    assert sorted(JournalLine.objects.values_list("amount_cents", flat=True)) == [-100, 100]
