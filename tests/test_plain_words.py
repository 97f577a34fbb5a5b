"""People read plain words: no page, e-mail or text message shows a raw status, reason or code.

The marketplace is driven through its front door (API calls as the buyer's and seller's apps
make them, staff decisions on the staff API) until it holds data in every order, escrow,
listing, shop, report and dispute state; then every page is visited as the buyer, the seller,
staff and a visitor, and every notification the journey sent is rendered as its e-mail and its
in-app message (and its text message, for the kinds that have one). The test fails on any
raw code in what a person reads (tests/plain_words.py).
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from brands.services import notice_decide, notice_withdraw, owner_decide
from hubs.services.agents import agent_apply, agent_decide, agent_remove
from hubs.services.hub_admin import hub_change, hub_create
from insights.services import summaries_rebuild
from moderation.services.disputes import OUTCOME_WORDS
from notifications.kinds import KINDS
from notifications.models import Notification
from notifications.rendering import (
    SMS_MAX_CHARS,
    email_render,
    kind_get,
    message_render,
    sms_render,
)
from orders.models import Checkout, Order
from payments.models import Escrow
from sellers.models import Listing, Shop
from tests import builders
from tests.checkout_http import add, checkout, paid_orders
from tests.factories import CategoryFactory, ListingFactory, ShopFactory, UserFactory
from tests.plain_words import raw_codes, visible_text_nodes
from tests.staff import staff_api_login, staff_login, staff_make

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.content[:500])
    return response


@pytest.fixture
def world(localstripe):
    """A buyer, a seller and staff, with orders in every state and the decisions behind them."""
    moderator = staff_make(display_name="Morgan Moderator")
    staff = staff_api_login(APIClient(), moderator)
    buyer = UserFactory(display_name="Dana Buyer")
    shop = ShopFactory(name="Driftless Bee Farm", slug="driftless")
    category = CategoryFactory(name="Honey", slug="honey")
    listings = [ListingFactory(shop=shop, category=category, title=f"Clover honey {n}",
                               price_cents=1200, shipping_cents=500, stock=20)
                for n in range(9)]
    buyer_api, seller_api = _api(buyer), _api(shop.owner)

    orders = {}
    for name, listing in zip(("paid", "shipped", "completed", "disputed", "refunded",
                              "partial", "cancelled", "released"), listings, strict=False):
        (orders[name],) = paid_orders(buyer_api, [listing], [2])
    for name in ("shipped", "completed", "disputed", "refunded", "partial", "released"):
        _ok(seller_api.post(f"/api/v1/orders/{orders[name].pk}/ship",
                            {"carrier": "USPS", "tracking_number": "9400 1000 0000 0000 0000 00"},
                            format="json"))
    _ok(buyer_api.post(f"/api/v1/orders/{orders['completed'].pk}/confirm-receipt"))
    _ok(buyer_api.post(f"/api/v1/orders/{orders['completed'].pk}/review",
                       {"rating": 5, "text": "Lovely honey."}, format="json"), 201)
    for name, reason in (("disputed", "not_as_described"), ("refunded", "not_received"),
                         ("partial", "damaged"), ("released", "counterfeit")):
        _ok(buyer_api.post(f"/api/v1/orders/{orders[name].pk}/dispute",
                           {"reason": reason, "details": "Not what I ordered."}, format="json"))
        _ok(seller_api.post(f"/api/v1/disputes/{orders[name].pk}/statements",
                            {"text": "It left here in good order."}, format="multipart"), 201)
    for name, body in (("refunded", {"outcome": "refund"}), ("released", {"outcome": "release"}),
                       ("partial", {"outcome": "partial_refund", "refund_cents": 1000})):
        _ok(staff.post(f"/api/v1/moderation/disputes/{orders[name].pk}/resolve",
                       {**body, "note": "Decided on the photos."}, format="json"))
    _ok(buyer_api.post(f"/api/v1/orders/{orders['cancelled'].pk}/cancel"))
    # A pre-order with a deposit, marked ready: its balance is due.
    harvest = ListingFactory(shop=shop, category=category, title="Honey harvest share",
                             price_cents=3000, shipping_cents=500, stock=10,
                             preorder_ships_by=timezone.localdate() + timedelta(days=30),
                             preorder_deposit_bps=3000)
    (orders["preorder"],) = paid_orders(buyer_api, [harvest])
    _ok(seller_api.post(f"/api/v1/orders/{orders['preorder'].pk}/ready"))
    add(buyer_api, listings[8], 3)
    unpaid = _ok(checkout(buyer_api), 201).json()
    orders["pending"] = Order.objects.get(pk=unpaid["orders"][0])

    # Listings and shops in every state, and reports open and decided.
    held = ListingFactory(shop=shop, category=category, title="Gift basket",
                          status=Listing.Status.PENDING_REVIEW,
                          hold_reason=Listing.HoldReason.SCREENING,
                          review_reason="Names a watched brand.")
    declined = ListingFactory(shop=shop, category=category, title="Old jar")
    taken = ListingFactory(shop=shop, category=category, title="Wax candle")
    ListingFactory(shop=shop, category=category, title="Gone jar", status=Listing.Status.ARCHIVED)
    _ok(staff.post(f"/api/v1/moderation/listings/{taken.pk}/take-down",
                   {"reason": "Sold elsewhere as fake."}, format="json"))
    declined.status = Listing.Status.PENDING_REVIEW
    declined.hold_reason = Listing.HoldReason.NEW_SHOP
    declined.save()
    _ok(staff.post(f"/api/v1/moderation/listings/{declined.pk}/reject",
                   {"reason": "Photos are blurry."}, format="json"))
    waiting = ShopFactory(name="Berea Loom House", slug="berea",
                          status=Shop.Status.PENDING_VERIFICATION)
    suspended = ShopFactory(name="Ozark Forge", slug="ozark")
    _ok(staff.post("/api/v1/moderation/shops/ozark/suspend", {"reason": "Unpaid fees."},
                   format="json"))
    verified = ShopFactory(name="Amana Mill", slug="amana", status=Shop.Status.PENDING_VERIFICATION)
    _ok(staff.post("/api/v1/moderation/shops/amana/verify"))
    for reason in ("counterfeit", "misleading"):
        _ok(_api(UserFactory()).post(f"/api/v1/listings/{listings[0].pk}/reports/",
                                     {"reason": reason, "details": "Looks off."}, format="json"),
            201)
    reported = ListingFactory(title="Cheap watch", category=category)
    report = _api(UserFactory()).post(f"/api/v1/listings/{reported.pk}/reports/",
                                      {"reason": "fraud"}, format="json")
    _ok(staff.post(f"/api/v1/moderation/reports/{report.json()['id']}/resolve",
                   {"action": "dismiss", "note": "Checked."}, format="json"))
    _ok(staff.post("/api/v1/moderation/screening-terms/",
                   {"kind": "watched_brand", "term": "Rolex", "price_floor_cents": 20000},
                   format="json"), 201)

    # Brand protection: an owner waiting, one refused, one verified with notices in each state.
    builders.rights_owner(name="Waiting Co", verified=False)
    refused = builders.rights_owner(name="Refused Co", verified=False)
    owner_decide(owner_id=refused.pk, actor=moderator, verify=False, note="No proof.")
    rights = builders.rights_owner(name="Acme Quilts Inc.")
    notices = {}
    for state in ("open", "upheld", "reversed", "withdrawn"):
        notices[state] = builders.rights_notice(
            owner=rights, listings=[ListingFactory(shop=shop, category=category,
                                                   title=f"Acme quilt {state}")])
    for state, decision in (("upheld", "uphold"), ("reversed", "reverse")):
        notice_decide(notice_id=notices[state].pk, actor=moderator, decision=decision,
                      note="Checked.")
    notice_withdraw(actor=rights.applicant, notice_id=notices["withdrawn"].pk)

    # Village hubs: a hub with agents in every state, and one closed.
    hub = hub_create(actor=moderator, village_id=shop.village_id, name="Driftless Feed & Hub",
                     line1="212 W Water St", city="Decorah", state="IA", postal_code="52101",
                     phone="(563) 555-0142", opening_hours="Mon–Fri 8 am–5:30 pm",
                     commission_bps=300)
    agents = {}
    for state, name in (("verified", "Avery Lund"), ("rejected", "Blake Moe"),
                        ("removed", "Casey Rud"), ("pending", "Drew Pike")):
        agents[state] = agent_apply(user=UserFactory(display_name=name),
                                    hub_slug=hub.slug, statement="I run the feed store in town.")
        if state != "pending":
            agent_decide(application_id=agents[state].pk, actor=moderator,
                         decision="reject" if state == "rejected" else "verify",
                         note="No references." if state == "rejected" else "")
    agent_remove(agent_id=agents["removed"].pk, actor=moderator, note="Moved away.")
    closed_hub = hub_create(actor=moderator, village_id=shop.village_id, name="Old Mill Hub",
                            line1="1 Mill Rd", city="Decorah", state="IA", postal_code="52101",
                            phone="5635550100", opening_hours="Sat 9 am–noon")
    hub_change(actor=moderator, slug=closed_hub.slug, is_open=False, commission_bps=100)

    escrow_states = set(Escrow.objects.values_list("status", flat=True))
    assert escrow_states >= {"held", "released", "refunded", "partially_refunded"}
    assert set(Order.objects.values_list("status", flat=True)) >= {
        "pending_payment", "paid", "shipped", "completed", "cancelled", "disputed", "refunded"}
    return {"buyer": buyer, "shop": shop, "moderator": moderator, "orders": orders,
            "listings": listings, "held": held, "declined": declined, "taken": taken,
            "waiting": waiting, "suspended": suspended, "verified": verified,
            "checkout": Checkout.objects.get(pk=unpaid["id"]), "category": category,
            "harvest": harvest,
            "rights": rights, "refused": refused, "notices": notices,
            "hub": hub, "closed_hub": closed_hub, "agents": agents}


def _visit(client, paths) -> dict[str, list[str]]:
    problems = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        found = raw_codes(response.content.decode())
        if found:
            problems[path] = found
    return problems


def test_no_page_shows_a_raw_code_to_anyone(world):
    summaries_rebuild()  # the insights pages draw the world's orders
    orders, shop = world["orders"], world["shop"]
    buyer = Client()
    buyer.force_login(world["buyer"])
    buyer_pages = ["/", "/search/?q=honey", "/search/?min_price=abc", "/categories/honey/",
                   f"/villages/{shop.village.slug}/", "/impact/", "/shops/driftless/",
                   f"/listings/{world['listings'][0].pk}/", "/cart/", "/checkout/",
                   f"/checkout/{world['checkout'].pk}/pay/", "/orders/",
                   "/notifications/", "/notifications/preferences/",
                   f"/listings/{world['listings'][1].pk}/report/"]
    buyer_pages += [f"/orders/{order.pk}/" for order in orders.values()]
    buyer_pages += [f"/disputes/{orders['disputed'].pk}/evidence/"]
    buyer_pages += [f"/orders/{orders['preorder'].pk}/balance/", "/search/?preorder=only",
                    f"/listings/{world['harvest'].pk}/"]

    seller = Client()
    seller.force_login(shop.owner)
    seller_pages = ["/sell/", "/sell/orders/", "/sell/balance/", "/sell/reviews/",
                    "/sell/statement/", "/notifications/", f"/listings/{world['listings'][0].pk}/",
                    "/shops/driftless/", "/sell/shop/", "/sell/listings/new/",
                    f"/sell/disputes/{orders['disputed'].pk}/", "/sell/insights/",
                    "/sell/insights/?interval=month"]
    seller_pages += [f"/sell/orders/{order.pk}/" for order in orders.values()]
    seller_pages += [f"/sell/orders/?status={status}" for status in Order.Status.values
                     if status != "pending_payment"]
    seller_pages += [f"/sell/listings/{listing.pk}/" for listing in
                     (world["listings"][0], world["held"], world["declined"], world["taken"])]
    seller_pages += [f"/sell/orders/{orders['paid'].pk}/packing-slip/"]
    seller_pages += [f"/sell/listings/{world['harvest'].pk}/preorder/"]

    staff = staff_login(Client(), world["moderator"])
    staff_pages = ["/staff/", "/staff/listings/", "/staff/reports/", "/staff/disputes/",
                   "/staff/disputes/?status=resolved", "/staff/screening/", "/staff/reviews/",
                   "/staff/audit/", "/staff/refunds/", "/notifications/"]
    staff_pages += [f"/staff/shops/?status={status}" for status in Shop.Status.values]
    staff_pages += [f"/staff/disputes/{orders[name].pk}/"
                    for name in ("disputed", "refunded", "partial", "released")]

    notices = world["notices"].values()
    seller_pages += ["/sell/notices/"] + [f"/sell/notices/{notice.pk}/" for notice in notices]
    staff_pages += [f"/staff/brands/owners/?status={status}" for status in
                    ("pending", "verified", "rejected")]
    staff_pages += [f"/staff/brands/owners/{owner.pk}/" for owner in
                    (world["rights"], world["refused"])]
    staff_pages += [f"/staff/brands/notices/?status={status}" for status in world["notices"]]
    staff_pages += [f"/staff/brands/notices/{notice.pk}/" for notice in notices]
    hub, agents = world["hub"], world["agents"]
    buyer_pages += ["/hubs/", f"/hubs/{hub.slug}/", f"/hubs/{hub.slug}/apply/"]
    staff_pages += ["/staff/hubs/", f"/staff/hubs/{hub.slug}/",
                    f"/staff/hubs/{world['closed_hub'].slug}/"]
    staff_pages += [f"/staff/hubs/agents/?status={status}" for status in agents]
    staff_pages += [f"/staff/hubs/agents/{agent.pk}/" for agent in agents.values()]
    agent = Client()
    agent.force_login(agents["verified"].user)
    rights_owner = Client()
    rights_owner.force_login(world["rights"].applicant)
    owner_pages = ["/brands/", "/brands/notices/new/"]
    owner_pages += [f"/brands/notices/{notice.pk}/" for notice in notices]
    refused_owner = Client()
    refused_owner.force_login(world["refused"].applicant)

    waiting = Client()
    waiting.force_login(world["waiting"].owner)
    suspended = Client()
    suspended.force_login(world["suspended"].owner)

    problems = {
        **{f"visitor {path}": found for path, found in _visit(Client(), [
            "/", "/search/?q=honey", "/shops/driftless/", "/cart/", "/accounts/login/",
            "/accounts/signup/", f"/listings/{world['listings'][0].pk}/", "/hubs/",
            f"/hubs/{hub.slug}/", f"/villages/{shop.village.slug}/"]).items()},
        **{f"buyer {path}": found for path, found in _visit(buyer, buyer_pages).items()},
        **{f"seller {path}": found for path, found in _visit(seller, seller_pages).items()},
        **{f"staff {path}": found for path, found in _visit(staff, staff_pages).items()},
        **{f"rights owner {path}": found for path, found in
           _visit(rights_owner, owner_pages).items()},
        **{f"hub agent {path}": found for path, found in
           _visit(agent, ["/hub/", f"/hubs/{hub.slug}/", f"/hubs/{hub.slug}/apply/"]).items()},
        **{f"refused owner {path}": found for path, found in
           _visit(refused_owner, ["/brands/", "/brands/apply/"]).items()},
        **{f"pending seller {path}": found for path, found in
           _visit(waiting, ["/sell/", "/shops/berea/", "/sell/listings/new/"]).items()},
        **{f"suspended seller {path}": found for path, found in
           _visit(suspended, ["/sell/", "/sell/balance/", "/shops/ozark/"]).items()},
    }
    assert problems == {}


def _rendered(notification) -> list[str]:
    kind = kind_get(notification.kind)
    mail = email_render(kind=kind, context=notification.context, url=notification.url,
                        recipient_name=notification.recipient.display_name)
    return [mail.subject, mail.text, mail.html,
            message_render(kind=kind, context=notification.context),
            sms_render(kind=kind, context=notification.context)]


def test_no_email_or_message_the_journey_sent_shows_a_raw_code(world):
    sent = list(Notification.objects.select_related("recipient").order_by("id"))
    kinds = {notification.kind for notification in sent}
    assert {"order_placed", "order_shipped", "dispute_opened", "dispute_resolved",
            "staff_new_dispute", "report_resolved", "listing_taken_down", "listing_rejected",
            "shop_suspended", "shop_verified", "new_review", "order_cancelled",
            "rights_owner_verified", "rights_owner_rejected", "notice_takedown",
            "notice_decided", "staff_new_notice", "staff_new_rights_owner",
            "hub_agent_verified", "hub_agent_rejected", "hub_agent_removed",
            "staff_new_hub_agent"} <= kinds
    problems = {}
    for notification in sent:
        for part in _rendered(notification):
            found = raw_codes(part.replace("\n", "<br>"))
            if found:
                problems[f"{notification.kind} #{notification.pk}"] = found
    assert problems == {}


# Values as the code that sends each kind fills them in: label-table words, never codes.
SAMPLE = {
    "order_id": 42, "shop_name": "Hilltop Farm", "total_cents": 123456, "currency": "USD",
    "amount_cents": 2599, "owed_cents": 1900, "reason": "Your card was declined.",
    "carrier": "UPS", "tracking_number": "1Z999AA10123456784",
    "auto_confirm_at": "2026-03-02T15:30:00+00:00",
    "outcome": OUTCOME_WORDS["partial_refund"], "refund_cents": 500, "note": "Sorry!",
    "ship_by": "2026-03-05", "provider_ref": "po_123", "listing_id": 8, "listing_title": "Quilt",
    "rating": 5, "text": "Lovely", "summary": "Ledger and Stripe differ by $1.00",
    "reference": "Order #9", "order_ids": "#41, #42", "browser": "Firefox on Windows",
    "signed_in_at": "2026-03-02T15:30:00+00:00", "reset_by": "Morgan Moderator",
    "status_label": "Ready to receive payouts", "needed": "a bank account", "pickup": True,
    "balance_cents": 7350, "due_at": "2026-03-07T15:30:00+00:00",
    "notice_id": 12, "owner_name": "Acme Quilts Inc.", "right_name": "Acme",
    "action_due_at": "2026-03-16T15:30:00+00:00", "why": "the seller answered in time",
    "moved_from": "2026-03-05", "cancel_until": "2026-03-09T15:30:00+00:00", "days": 3,
    "order_count": 4, "units": 6, "hub_name": "Kalona Hub",
    "hub_address": "4 Main St, Kalona, IA 52247", "hub_hours": "Mon–Fri 9 am–5 pm",
    "pickup_code": "545737", "agent_name": "Avery Agent", "applicant_name": "Avery Agent",
    "ended": "the owner ended the agent's help", "link_site": "https://taobaovillage.us",
    "link_path": "/hub/takeover/1a.t4k9z1.AbCdEfGhIjKl/",
    "code": "042917",
}


@pytest.mark.parametrize("key", sorted(KINDS))
def test_every_notification_kind_reads_in_plain_words(key):
    kind = KINDS[key]
    context = {name: SAMPLE[name] for name in kind.required + kind.optional}
    mail = email_render(kind=kind, context=context, url="/orders/42/", recipient_name="Pat")
    for part in (mail.subject, mail.text, mail.html, message_render(kind=kind, context=context)):
        assert raw_codes(part.replace("\n", "<br>")) == [], part


@pytest.mark.parametrize("key", sorted(key for key, kind in KINDS.items() if kind.sms))
def test_every_text_message_reads_in_plain_words_in_one_sms(key):
    kind = KINDS[key]
    context = {name: SAMPLE[name] for name in kind.required + kind.optional}
    text = sms_render(kind=kind, context=context)
    assert 0 < len(text) <= SMS_MAX_CHARS, text
    assert raw_codes(text) == [], text
    assert "{" not in text and "None" not in text, text


def test_the_checker_finds_the_codes_people_complained_about():
    page = ("<main><p><strong>Escrow: Held</strong> held $32.45</p><p>Partiallyrefunded</p>"
            "<td>not_as_described</td><span class='badge'>pending_payment</span>"
            "<p>pending_review → active</p><td>order:3</td><td>ship</td>"
            "<p>Pending Payment</p><script>var a_b = 1;</script>"
            "<a href='/x_y/' data-state='pending_review'>Order #3</a></main>")
    found = " | ".join(raw_codes(page))
    for expected in ("'Held held'", "Partiallyrefunded", "'not_as_described'",
                     "'pending_payment'", "'pending_review'", "bare code 'ship'",
                     "'Pending Payment'"):
        assert expected in found, expected
    assert "a_b" not in found and "x_y" not in found  # scripts and attributes are not read
    assert raw_codes("<p>Paid · Shipped with USPS · Refund po_1AbC sent</p>") == []
    assert visible_text_nodes("<p>A<script>x</script>B</p>") == ["A", "B"]


def test_times_read_in_the_persons_time_zone_and_just_now(world):
    """Order timelines follow the time zone the person chose, never a hard-coded "UTC"."""
    order = world["orders"]["paid"]
    buyer = world["buyer"]
    at = order.events.first().at
    for zone in ("America/Chicago", "America/New_York"):
        buyer.time_zone = zone
        buyer.save(update_fields=["time_zone"])
        client = Client()
        client.force_login(buyer)
        page = client.get(f"/orders/{order.pk}/").content.decode()
        local = timezone.localtime(at, timezone=ZoneInfo(zone))
        hour = local.hour % 12 or 12
        assert f"{hour}:{local:%M} {'AM' if local.hour < 12 else 'PM'} {local:%Z}" in page
        assert " UTC" not in " ".join(visible_text_nodes(page))
    inbox = client.get("/notifications/").content.decode()
    assert "just now" in inbox and "0 minutes ago" not in inbox
