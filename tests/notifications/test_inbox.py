"""The in-app inbox: header bell, list page, mark read, preferences, and the API."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from notifications.models import Notification, NotificationPreference
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def make_rows(user, count, *, read=False):
    return [
        Notification.objects.create(
            recipient=user, kind="order_completed", context={"order_id": n, "shop_name": "H"},
            message=f"Order #{n} is complete.", url=f"/orders/{n}/", dedupe_key=f"k{n}",
            read_at=timezone.now() if read else None, email_state="sent",
        )
        for n in range(1, count + 1)
    ]


def bell_count(html: str) -> str | None:
    match = re.search(r'class="bell".*?</svg>\s*(?:<span class="count">(\d+)</span>)?', html, re.S)
    assert match, "no bell in the header"
    return match.group(1)


def test_the_header_bell_shows_the_unread_count_and_links_to_the_inbox(client):
    user = UserFactory()
    make_rows(user, 3)
    make_rows(UserFactory(), 5)  # someone else's
    Notification.objects.filter(recipient=user, dedupe_key="k1").update(read_at=timezone.now())
    client.force_login(user)
    html = client.get("/notifications/").content.decode()
    assert bell_count(html) == "2"
    assert 'href="/notifications/" class="bell" aria-label="Notifications, 2 unread"' in html


def test_no_bell_count_when_all_is_read_and_no_bell_for_visitors(client):
    user = UserFactory()
    make_rows(user, 1, read=True)
    client.force_login(user)
    assert bell_count(client.get("/notifications/").content.decode()) is None
    client.logout()
    assert 'class="bell"' not in client.get("/accounts/login/").content.decode()


def test_the_unread_count_is_one_query_on_the_partial_index(client):
    user = UserFactory()
    make_rows(user, 2)
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        client.get("/notifications/")
    counts = [q["sql"] for q in queries if "COUNT(*)" in q["sql"] and "read_at" in q["sql"]]
    assert len(counts) == 1
    assert '"notifications_notification"."read_at" IS NULL' in counts[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'notif_unread_idx'")
        assert cursor.fetchone()[0].endswith("(recipient_id) WHERE (read_at IS NULL)")


def test_the_inbox_lists_newest_first_and_marks_unread(client):
    user = UserFactory()
    make_rows(user, 2)
    client.force_login(user)
    html = client.get("/notifications/").content.decode()
    assert html.index("Order #2 is complete.") < html.index("Order #1 is complete.")
    assert html.count('class="notification unread"') == 2
    assert '<a href="/orders/2/">Order #2 is complete.</a>' in html


def test_the_inbox_escapes_messages(client):
    user = UserFactory()
    Notification.objects.create(recipient=user, kind="listing_rejected", context={},
                                message="<script>alert(1)</script>", url="/x/", dedupe_key="x")
    client.force_login(user)
    html = client.get("/notifications/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_empty_inbox_says_so(client):
    client.force_login(UserFactory())
    html = client.get("/notifications/").content.decode()
    assert 'class="empty"' in html and "Nothing yet." in html
    assert "Mark all read" not in html


def test_the_inbox_is_paginated_by_20(client):
    user = UserFactory()
    make_rows(user, 25)
    client.force_login(user)
    first = client.get("/notifications/").content.decode()
    assert first.count('<li class="notification') == 20
    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    second = client.get("/notifications/?page=2").content.decode()
    assert second.count('<li class="notification') == 5
    assert "Order #1 is complete." in second


def test_the_inbox_needs_a_login(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/notifications/"


@pytest.mark.parametrize("rows", [1, 20])
def test_the_inbox_query_count_does_not_grow_with_rows(client, rows, django_assert_num_queries):
    user = UserFactory()
    make_rows(user, rows)
    client.force_login(user)
    # session, user, page count, page rows, the header's cart count, unread count for the bell
    with django_assert_num_queries(6):
        response = client.get("/notifications/")
    assert response.content.decode().count('class="notification unread"') == rows


def test_mark_read_from_the_page_and_back_to_the_same_page(client):
    user = UserFactory()
    first, second = make_rows(user, 2)
    client.force_login(user)
    response = client.post(f"/notifications/{first.pk}/read", {"next": "/notifications/?page=1"})
    assert response.status_code == 302 and response["Location"] == "/notifications/?page=1"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    # A foreign next is not followed.
    response = client.post(f"/notifications/{second.pk}/read", {"next": "https://evil.example/"})
    assert response["Location"] == "/notifications/"


def test_mark_read_of_another_persons_notification_is_404_and_changes_nothing(client):
    (theirs,) = make_rows(UserFactory(), 1)
    client.force_login(UserFactory())
    assert client.post(f"/notifications/{theirs.pk}/read").status_code == 404
    assert client.get(f"/notifications/{theirs.pk}/read").status_code == 405
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_touches_only_my_unread_rows(client):
    user, other = UserFactory(), UserFactory()
    make_rows(user, 3)
    make_rows(other, 2)
    client.force_login(user)
    response = client.post("/notifications/read-all", follow=True)
    assert "Marked 3 notifications read." in response.content.decode()
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 2


def test_preferences_page_saves_both_switches(client):
    user = UserFactory()
    client.force_login(user)
    html = client.get("/notifications/preferences/").content.decode()
    assert 'name="email_reminders"' in html and "checked" in html
    response = client.post("/notifications/preferences/", {"email_reviews": "on"}, follow=True)
    assert "Your e-mail preferences are saved." in response.content.decode()
    preference = NotificationPreference.objects.get(user=user)
    assert (preference.email_reminders, preference.email_reviews) == (False, True)
    client.post("/notifications/preferences/", {})
    preference.refresh_from_db()
    assert (preference.email_reminders, preference.email_reviews) == (False, False)
    assert NotificationPreference.objects.count() == 1


# --- API ------------------------------------------------------------------------------------


def test_api_lists_only_my_notifications_in_the_contract_shape(api_client):
    user = UserFactory()
    first, second = make_rows(user, 2)
    make_rows(UserFactory(), 3)
    Notification.objects.filter(pk=first.pk).update(read_at=timezone.now())
    api_client.force_authenticate(user)
    body = api_client.get("/api/v1/notifications/").json()
    assert body["count"] == 2 and body["next"] is None and body["previous"] is None
    assert [set(item) for item in body["results"]] == [
        {"id", "kind", "message", "url", "created", "read"}
    ] * 2
    assert [(i["id"], i["kind"], i["message"], i["url"], i["read"]) for i in body["results"]] == [
        (second.pk, "order_completed", "Order #2 is complete.", "/orders/2/", False),
        (first.pk, "order_completed", "Order #1 is complete.", "/orders/1/", True),
    ]
    assert body["results"][0]["created"].endswith("Z")


@pytest.mark.parametrize("rows", [1, 20])
def test_api_list_query_count_does_not_grow(api_client, rows, django_assert_num_queries):
    user = UserFactory()
    make_rows(user, rows)
    token = Token.objects.create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    with django_assert_num_queries(3):  # token+user, count, rows
        body = api_client.get("/api/v1/notifications/").json()
    assert body["count"] == rows


def test_api_mark_read(api_client):
    user = UserFactory()
    (row,) = make_rows(user, 1)
    api_client.force_authenticate(user)
    response = api_client.post(f"/api/v1/notifications/{row.pk}/read")
    assert response.status_code == 200
    assert response.json()["read"] is True and response.json()["id"] == row.pk
    row.refresh_from_db()
    read_at = row.read_at
    assert read_at is not None
    assert api_client.post(f"/api/v1/notifications/{row.pk}/read").status_code == 200
    row.refresh_from_db()
    assert row.read_at == read_at  # marking twice keeps the first time


def test_api_mark_read_of_another_persons_notification_is_404(api_client):
    (theirs,) = make_rows(UserFactory(), 1)
    api_client.force_authenticate(UserFactory())
    response = api_client.post(f"/api/v1/notifications/{theirs.pk}/read")
    assert response.status_code == 404
    assert response.json() == {"detail": "Notification not found."}
    assert api_client.post("/api/v1/notifications/999999/read").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_api_read_all(api_client):
    user = UserFactory()
    make_rows(user, 3)
    api_client.force_authenticate(user)
    assert api_client.post("/api/v1/notifications/read-all").json() == {"marked": 3}
    assert api_client.post("/api/v1/notifications/read-all").json() == {"marked": 0}


def test_api_needs_authentication(api_client):
    assert api_client.get("/api/v1/notifications/").status_code == 401
    assert api_client.post("/api/v1/notifications/1/read").status_code == 401
