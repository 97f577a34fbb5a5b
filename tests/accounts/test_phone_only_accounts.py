"""A hub's neighbour may have a phone number and no e-mail address: such an account cannot log
in, is never mailed, and its phone is personal data like the address."""

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client

from notifications.models import Notification
from notifications.services import notify
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def neighbour(phone="+16085550111", **fields):
    return User.objects.create_user(email="", phone=phone, display_name="Ruth Yoder", **fields)


def test_an_account_needs_an_address_or_a_phone():
    ruth = neighbour()
    assert (ruth.email, ruth.phone, str(ruth)) == ("", "+16085550111", "Ruth Yoder")
    with pytest.raises(ValueError):
        User.objects.create_user(email="", display_name="Nobody")
    with transaction.atomic(), pytest.raises(IntegrityError):
        User.objects.filter(pk=ruth.pk).update(phone="")


def test_two_people_without_an_address_may_coexist_but_not_share_a_phone():
    neighbour(phone="+16085550111")
    neighbour(phone="+16085550112")
    assert User.objects.filter(email="").count() == 2
    with transaction.atomic(), pytest.raises(IntegrityError):
        neighbour(phone="+16085550112")
    UserFactory(email="amos@example.test")
    with transaction.atomic(), pytest.raises(IntegrityError):
        UserFactory(email="AMOS@example.test")


def test_an_empty_address_never_logs_anyone_in():
    ruth = neighbour()
    ruth.set_password(DEFAULT_PASSWORD)
    ruth.save()
    assert authenticate(email="", password=DEFAULT_PASSWORD) is None
    assert authenticate(username="  ", password=DEFAULT_PASSWORD) is None
    page = Client().post("/accounts/login/", {"email": "", "password": DEFAULT_PASSWORD})
    assert page.status_code in (200, 400) and "_auth_user_id" not in Client().session


def test_a_notification_to_someone_without_an_address_is_kept_in_app_and_not_mailed(
        django_capture_on_commit_callbacks):
    ruth = neighbour()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=ruth, kind="report_resolved", url="/notifications/", dedupe_key="n1",
               context={"listing_title": "Quilt", "outcome": "kept"})
    row = Notification.objects.get(recipient=ruth)
    assert row.email_state == Notification.EmailState.SKIPPED
    assert mail.outbox == []
