"""The owner's statement (/sell/statement/ for the owner, /hub/shops/<id>/statement/ for their
agent): each sale with price, platform fee, hub commission and what the owner got, then the
money paid to them (payouts and cash collected at the hub), in a fixed number of queries. The
impact figures count managed shops and money collected at hubs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hubs.services.money import cash_out_confirm, cash_out_start
from notifications.models import Notification
from tests.builders import completed_order, hub, hub_agent
from tests.factories import ListingFactory
from tests.hubs.money_support import managed_world
from tests.support import client_for

pytestmark = pytest.mark.django_db


def collect(managed, agent, cents):
    cash_out = cash_out_start(user=agent, shop_id=managed.shop_id, amount_cents=cents)
    code = Notification.objects.filter(kind="hub_cash_code").order_by("-id")[0].context["code"]
    cash_out_confirm(user=agent, cash_out_id=cash_out.pk, code=code)


def test_the_owner_reads_each_sale_with_fee_commission_and_cash_collected(client):
    managed, agent = managed_world()
    collect(managed, agent, 1_000)
    client.force_login(managed.shop.owner)
    page = client.get("/sell/statement/")
    assert page.status_code == 200
    text = page.content.decode()
    for figure in ["$17.00", "$0.85", "$0.51", "$15.64", "$10.00", "$5.64"]:
        assert figure in text, figure
    assert "Collected at a village hub" in text
    totals = page.context["totals"]
    assert (totals.sales_cents, totals.fees_cents, totals.hub_commission_cents,
            totals.owner_gets_cents, totals.collected_at_hub_cents) == (1_700, 85, 51, 1_564,
                                                                        1_000)


def test_the_statement_costs_the_same_queries_for_one_sale_or_four(client):
    managed, _ = managed_world()
    client.force_login(managed.shop.owner)
    client.get("/sell/statement/")
    with CaptureQueriesContext(connection) as one:
        client.get("/sell/statement/")
    for _ in range(3):
        completed_order(listing=ListingFactory(shop=managed.shop))
    with CaptureQueriesContext(connection) as four:
        page = client.get("/sell/statement/")
    assert page.content.decode().count('data-label="Sale"') == 4
    assert len(four) == len(one)


def test_the_agent_reads_it_too_and_no_one_else(client):
    managed, agent = managed_world()
    client.force_login(agent)
    page = client.get(f"/hub/shops/{managed.shop_id}/statement/")
    assert page.status_code == 200 and "$0.51" in page.content.decode()
    api = client_for(agent).get(f"/api/v1/hub/shops/{managed.shop_id}/statement")
    assert api.status_code == 200
    assert (api.data["hub_commission_cents"], api.data["ready_to_collect_cents"]) == (51, 1_564)

    stranger = hub_agent(place=hub(name="Far Hub"))
    client.force_login(stranger)
    assert client.get(f"/hub/shops/{managed.shop_id}/statement/").status_code == 404
    assert client_for(stranger).get(
        f"/api/v1/hub/shops/{managed.shop_id}/statement").status_code == 404


def test_impact_counts_managed_shops_and_money_collected_at_hubs(client, api_client):
    managed, agent = managed_world()
    collect(managed, agent, 700)
    impact = api_client.get("/api/v1/impact")
    assert impact.status_code == 200
    assert impact.data["total"]["managed_shops"] == 1
    assert impact.data["total"]["collected_at_hubs_cents"] == 700
    village = next(v for v in impact.data["villages"] if v["slug"] == managed.shop.village.slug)
    assert (village["managed_shops"], village["collected_at_hubs_cents"]) == (1, 700)
    page = client.get("/impact/")
    assert page.status_code == 200 and "$7.00</strong> collected in cash" in page.content.decode()


def test_the_hub_money_pages_show_no_raw_code(client):
    from hubs.models import CashOut
    from tests.plain_words import raw_codes
    from tests.staff import staff_login, staff_make

    managed, agent = managed_world(sales=2)
    collect(managed, agent, 500)
    cash_out_start(user=agent, shop_id=managed.shop_id, amount_cents=300)
    CashOut.objects.create(hub=managed.hub, shop=managed.shop, owner=managed.shop.owner,
                           agent=agent, amount_cents=100, status="cancelled")
    pages = {agent: ["/hub/cash/", f"/hub/shops/{managed.shop_id}/cash-out/",
                     f"/hub/shops/{managed.shop_id}/statement/"],
             managed.shop.owner: ["/sell/statement/", "/sell/balance/", "/notifications/"]}
    problems = {}
    for person, paths in pages.items():
        client.force_login(person)
        for path in paths:
            page = client.get(path)
            assert page.status_code == 200, path
            if raw_codes(page.content.decode()):
                problems[path] = raw_codes(page.content.decode())
    staff_login(client, staff_make(permissions=("payments.manage_payouts",)))
    page = client.get("/staff/hubs/cash/")
    assert page.status_code == 200 and "$5.00" in page.content.decode()
    if raw_codes(page.content.decode()):
        problems["/staff/hubs/cash/"] = raw_codes(page.content.decode())
    assert problems == {}


def test_the_owners_balance_page_says_the_money_is_collected_at_the_hub(client):
    managed, _ = managed_world()
    client.force_login(managed.shop.owner)
    page = client.get("/sell/balance/").content.decode()
    assert "at your village hub" in page and "our team pays you" not in page
