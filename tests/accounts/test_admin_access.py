"""Granting or taking away staff access in the admin is audited: who, to whom, what."""

import pytest
from django.contrib.auth.models import Group, Permission

from moderation.models import AuditLog
from tests.factories import UserFactory
from tests.staff import staff_login, staff_make

pytestmark = pytest.mark.django_db


def _form(user, **overrides):
    data = {"email": user.email, "display_name": user.display_name, "is_active": "on",
            "groups": [], "user_permissions": []}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_granting_and_removing_payout_rights_is_audited(client):
    admin_user = staff_make(permissions=(), is_superuser=True, email="root@example.com")
    staff_login(client, admin_user)
    finance = UserFactory(email="fin@example.com", display_name="Fin")
    manage = Permission.objects.get(codename="manage_payouts")
    group = Group.objects.create(name="Moderators")

    answer = client.post(f"/admin/accounts/user/{finance.pk}/change/", _form(
        finance, is_staff="on", user_permissions=[manage.pk], groups=[group.pk]))
    assert answer.status_code == 302
    finance.refresh_from_db()
    assert finance.is_staff and finance.has_perm("payments.manage_payouts")
    row = AuditLog.objects.get(action="staff_access_changed")
    assert (row.actor, row.object_type, row.object_id, row.object_repr) == (
        admin_user, "user", str(finance.pk), "fin@example.com")
    assert (row.status_before, row.status_after) == ("member", "staff")
    assert row.reason == ("is_staff: False → True; groups + Moderators; "
                          "permissions + payments.manage_payouts")

    client.post(f"/admin/accounts/user/{finance.pk}/change/", _form(
        finance, is_staff="on", groups=[group.pk], display_name="Fin Ance"))
    rows = AuditLog.objects.filter(action="staff_access_changed").order_by("id")
    assert [r.reason for r in rows][1:] == ["permissions − payments.manage_payouts"]

    # A change that does not touch access writes no audit row.
    client.post(f"/admin/accounts/user/{finance.pk}/change/", _form(
        finance, is_staff="on", groups=[group.pk], display_name="Fin A."))
    assert AuditLog.objects.filter(action="staff_access_changed").count() == 2


def test_staff_without_user_rights_cannot_change_access(client):
    staff_login(client, staff_make())  # a moderator
    person = UserFactory()
    answer = client.post(f"/admin/accounts/user/{person.pk}/change/",
                         _form(person, is_staff="on", is_superuser="on"))
    assert answer.status_code == 403
    person.refresh_from_db()
    assert not person.is_staff and not person.is_superuser
    assert not AuditLog.objects.exists()
