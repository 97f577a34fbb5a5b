"""The audit log is append-only: the database refuses UPDATE/DELETE, the admin is read-only."""

import pytest
from django.db import DatabaseError, transaction

from moderation.models import AuditLog
from moderation.services.audit import audit_record
from tests import builders
from tests.factories import UserFactory
from tests.staff import staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def row():
    return audit_record(actor=None, action="automatic_hide", object_type="listing",
                        object_id=7, object_repr="Honey", reason="Reported by 3 people.",
                        status_before="active", status_after="pending_review")


def test_orm_update_and_delete_raise_from_the_trigger(row):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditLog.objects.filter(pk=row.pk).update(reason="nothing happened")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        row.reason = "edited"
        row.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditLog.objects.filter(pk=row.pk).delete()
    assert AuditLog.objects.get(pk=row.pk).reason == "Reported by 3 people."


def test_admin_cannot_add_change_or_delete(client, row):
    boss = UserFactory(is_staff=True, is_superuser=True)
    staff_login(client, boss)
    assert client.get("/admin/moderation/auditlog/").status_code == 200
    page = client.get(f"/admin/moderation/auditlog/{row.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # view only
    assert client.post(f"/admin/moderation/auditlog/{row.pk}/change/",
                       {"reason": "rewritten"}).status_code == 403
    assert client.post(f"/admin/moderation/auditlog/{row.pk}/delete/",
                       {"post": "yes"}).status_code == 403
    assert client.get("/admin/moderation/auditlog/add/").status_code == 403
    bulk = client.post("/admin/moderation/auditlog/",
                       {"action": "delete_selected", "_selected_action": [row.pk]})
    assert bulk.status_code in (200, 302)
    assert AuditLog.objects.filter(pk=row.pk, reason="Reported by 3 people.").exists()


def test_audit_page_filters_by_action_actor_and_object(client, row):
    moderator = builders.moderator(email="judge@example.test")
    audit_record(actor=moderator, action="shop_suspended", object_type="shop", object_id=3,
                 object_repr="Fake Bags Inc", reason="Sells fakes", status_before="active",
                 status_after="suspended")
    staff_login(client, moderator)
    everything = client.get("/staff/audit/").content.decode()
    assert "Fake Bags Inc" in everything and "Reported by 3 people." in everything
    only_shops = client.get("/staff/audit/?action=shop_suspended").content.decode()
    assert "Fake Bags Inc" in only_shops and "Reported by 3 people." not in only_shops
    system = client.get("/staff/audit/?actor=system").content.decode()
    assert "Reported by 3 people." in system and "Fake Bags Inc" not in system
    api = client.get("/api/v1/moderation/audit/?actor=judge@example.test").json()
    assert [(r["action"], r["actor"], r["object_id"]) for r in api["results"]] == [
        ("shop_suspended", "judge@example.test", "3")]
