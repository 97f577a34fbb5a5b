"""Races around money-moving clicks and deadlines, on real Postgres with threads."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from orders.models import Order
from orders.services.deadlines import orders_complete_unconfirmed
from payments.models import JournalEntry
from tests import builders
from tests.factories import ListingFactory, UserFactory
from tests.support import client_for, run_together

pytestmark = pytest.mark.django_db(transaction=True)


def _shipped(buyer) -> Order:
    listing = ListingFactory(price_cents=2000, shipping_cents=0, stock=3)
    return builders.shipped_order(buyer=buyer, listing=listing)


def _kinds(order) -> list[str]:
    return sorted(JournalEntry.objects.filter(reference=order.reference)
                  .values_list("kind", flat=True))


def test_an_extension_at_the_last_second_beats_the_auto_confirm_job():
    buyer = UserFactory()
    order = _shipped(buyer)
    deadline = timezone.now() + timezone.timedelta(seconds=1.5)
    Order.objects.filter(pk=order.pk).update(auto_confirm_at=deadline)
    locked, job_started = threading.Event(), threading.Event()
    results = {}

    def extend():
        try:
            with transaction.atomic():
                # The buyer's extension holds the order's row while the deadline passes.
                Order.objects.select_for_update().get(pk=order.pk)
                response = APIClient()
                response.force_authenticate(buyer)
                results["extend"] = response.post(
                    f"/api/v1/orders/{order.pk}/extend-confirmation").status_code
                locked.set()
                job_started.wait(timeout=10)
                time.sleep(0.5)  # the job is now waiting on the lock
        finally:
            connection.close()

    def job():
        try:
            locked.wait(timeout=10)
            while timezone.now() <= deadline:
                time.sleep(0.05)
            job_started.set()
            results["job"] = orders_complete_unconfirmed()
        finally:
            connection.close()

    threads = [threading.Thread(target=extend), threading.Thread(target=job)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert results == {"extend": 200, "job": 0}
    order.refresh_from_db()
    assert order.status == "shipped" and order.auto_confirm_extended
    assert order.auto_confirm_at == deadline + timezone.timedelta(days=5)
    assert _kinds(order) == ["hold"]


def test_two_i_received_it_clicks_pay_the_seller_once():
    buyer = UserFactory()
    order = _shipped(buyer)

    def click(_):
        return client_for(buyer).post(
            f"/api/v1/orders/{order.pk}/confirm-receipt").status_code

    assert sorted(run_together(2, click)) == [200, 409]
    assert Order.objects.get(pk=order.pk).status == "completed"
    assert _kinds(order) == ["hold", "release"]


def test_two_confirm_clicks_on_the_page_pay_once_and_both_see_the_answer():
    buyer = UserFactory()
    order = _shipped(buyer)

    def click(_):
        page = Client()
        page.force_login(buyer)
        response = page.post(f"/orders/{order.pk}/confirm/", {"confirmed": "yes"},
                             follow=True)
        return "Thanks! The seller has been paid." in response.content.decode()

    assert run_together(2, click) == [True, True]
    assert _kinds(order) == ["hold", "release"]


def test_the_buyer_and_the_seller_mark_delivered_at_once():
    buyer = UserFactory()
    order = _shipped(buyer)
    people = [buyer, order.shop.owner]

    def mark(index):
        response = client_for(people[index]).post(f"/api/v1/orders/{order.pk}/delivered")
        return response.status_code, response.json()["delivered_at"]

    answers = run_together(2, mark)
    assert [code for code, _ in answers] == [200, 200]
    assert answers[0][1] == answers[1][1]
    assert order.events.filter(note__startswith="Marked as delivered").count() == 1
