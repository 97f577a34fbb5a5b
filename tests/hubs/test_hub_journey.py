"""The whole life of a managed shop through the front door, as the issue tells it: a person
applies to be an agent and staff verify them; the agent opens a shop for a neighbour who has
only a phone number; staff verify the shop; the agent lists a quilt with a photo; a buyer in
another state buys it (localstripe); the agent ships; the buyer confirms; the release leaves
the platform fee and the hub's commission out of the owner's share; the owner collects the rest
at the hub with the code texted to them. The ledger balances after every step, and the owner
gets one text per event."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hubs.models import HubAct, HubAgent
from moderation.models import AuditLog
from notifications import sms
from notifications.models import Notification
from payments.selectors import shop_balance
from sellers.models import Listing, Shop
from tests import builders
from tests.checkout_http import paid_orders
from tests.factories import CategoryFactory, UserFactory
from tests.hubs.money_support import account_sums, ledger_identity_holds
from tests.staff import staff_make
from tests.support import client_for, jpeg_bytes

# Committed for real: notifications go out after each action's commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

PRICE, SHIPPING = 24_000, 1_500  # a $240.00 quilt and $15.00 shipping
FEE = (PRICE + SHIPPING) * 500 // 10_000  # the platform's 5 %
COMMISSION = (PRICE + SHIPPING) * 300 // 10_000  # the hub's 3 %


@pytest.fixture
def texts(settings):
    settings.SMS_URL = "locmem://"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def test_an_agent_runs_a_neighbours_shop_from_sign_up_to_cash_at_the_hub(
        localstripe, eager_tasks, texts, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    place = builders.hub(commission_bps=300)
    staff = client_for(builders.moderator())

    # 1. A person applies to be the hub's agent; staff verify them.
    avery = UserFactory(display_name="Avery Agent")
    agent = client_for(avery)
    applied = agent.post(f"/api/v1/hubs/{place.slug}/agent-applications",
                         {"statement": "I run the feed store on Main Street and know everyone."},
                         format="json")
    assert applied.status_code == 201, applied.json()
    decided = staff.post(
        f"/api/v1/moderation/hubs/agent-applications/{applied.json()['id']}/decision",
        {"decision": "verify"}, format="json")
    assert decided.status_code == 200 and decided.json()["status"] == "verified"
    assert HubAgent.objects.get(user=avery).status == HubAgent.Status.VERIFIED

    # 2. The agent opens a shop for Ruth, who has a phone and no e-mail address.
    opened = agent.post("/api/v1/hub/shops", {
        "owner_name": "Ruth Miller", "owner_phone": "(608) 555-0142",
        "owner_address": {"name": "Ruth Miller", "line1": "4410 County Road K",
                          "city": "Cashton", "state": "WI", "postal_code": "54619"},
        "shop_name": "Miller Family Quilts", "shop_description": "Hand-stitched quilts.",
        "consent_on": timezone.localdate().isoformat(),
        "consent_statement": "She signed the paper form today.",
    }, format="json")
    assert opened.status_code == 201, opened.json()
    shop = Shop.objects.select_related("owner").get(pk=opened.json()["shop"]["id"])
    ruth = shop.owner
    assert (ruth.email, ruth.phone, ruth.has_usable_password()) == ("", "+16085550142", False)
    assert staff.post(f"/api/v1/moderation/shops/{shop.slug}/verify").status_code == 200
    assert ledger_identity_holds()

    # 3. The agent lists a quilt with a photo; a new shop's first listing waits for staff.
    CategoryFactory(slug="quilts")
    base = f"/api/v1/hub/shops/{shop.pk}"
    listed = agent.post(f"{base}/listings", {
        "title": "Log cabin quilt", "category": "quilts", "price_cents": PRICE,
        "shipping_cents": SHIPPING, "stock": 1,
        "description": "Queen size, cotton, hand-quilted over a winter.",
    }, format="json")
    assert listed.status_code == 201, listed.json()
    listing = Listing.objects.get(pk=listed.json()["id"])
    photo = SimpleUploadedFile("quilt.jpg", jpeg_bytes(), "image/jpeg")
    assert agent.post(f"{base}/listings/{listing.pk}/images", {"image": photo},
                      format="multipart").status_code == 201
    listing.refresh_from_db()
    if listing.status == Listing.Status.PENDING_REVIEW:
        assert staff.post(f"/api/v1/moderation/listings/{listing.pk}/approve").status_code == 200
    listing.refresh_from_db()
    assert listing.status == Listing.Status.ACTIVE and listing.images.count() == 1

    # 4. A buyer in another state buys it and pays on localstripe; Ruth gets a text.
    buyer = UserFactory(display_name="Jordan Buyer")
    (order,) = paid_orders(client_for(buyer), [listing])
    assert order.shop_id == shop.pk and order.total_cents == PRICE + SHIPPING
    sums = account_sums()
    assert sums[f"escrow:order:{order.pk}"] == PRICE + SHIPPING
    assert ledger_identity_holds()
    assert [text["to"] for text in texts] == ["+16085550142"]

    # 5. The agent ships it for Ruth; the act is recorded as the agent's for the owner.
    shipped = agent.post(f"{base}/orders/{order.pk}/ship",
                         {"carrier": "USPS", "tracking_number": "9400 1000 0000 0000 0001"},
                         format="json")
    assert shipped.status_code == 200, shipped.json()
    act = HubAct.objects.filter(shop=shop, action=HubAct.Action.ORDER_SHIPPED).get()
    assert (act.agent_id, act.owner_id, act.reference) == (avery.pk, ruth.pk, order.reference)
    audit = AuditLog.objects.filter(action="hub_act", object_type="order",
                                    object_id=str(order.pk)).get()
    assert (audit.actor_id, audit.object_repr) == (avery.pk, "Order shipped")
    assert audit.reason.startswith(f"Avery Agent at {place.name} for Ruth Miller")

    # The agent can neither confirm the buyer's receipt nor buy from the shop they run.
    assert agent.post(f"/api/v1/orders/{order.pk}/confirm-receipt").status_code == 404

    # 6. The buyer confirms: the release takes the fee and the hub's commission from the sale.
    confirmed = client_for(buyer).post(f"/api/v1/orders/{order.pk}/confirm-receipt")
    assert confirmed.status_code == 200, confirmed.json()
    sums = account_sums()
    assert sums[f"escrow:order:{order.pk}"] == 0
    assert sums["platform_fees"] == FEE
    assert sums[f"hub_commission:{place.pk}"] == COMMISSION
    owed = PRICE + SHIPPING - FEE - COMMISSION
    assert sums[f"seller_payable:{shop.pk}"] == owed
    assert shop_balance(shop=shop).available_cents == owed
    assert ledger_identity_holds()

    # 7. Ruth collects it all at the hub: the code is texted to her, the agent types it.
    started = agent.post(f"{base}/cash-outs", {"amount_cents": owed}, format="json")
    assert started.status_code == 201, started.json()
    code = (Notification.objects.get(recipient=ruth, kind="hub_cash_code")
            .context["code"])
    assert any(code in text["body"] for text in texts if text["to"] == "+16085550142")
    collected = agent.post(f"/api/v1/hub/cash-outs/{started.json()['id']}/confirm",
                           {"code": code}, format="json")
    assert collected.status_code == 200 and collected.json()["status"] == "collected"
    sums = account_sums()
    assert sums[f"seller_payable:{shop.pk}"] == 0
    assert sums[f"seller_paid_out:{shop.pk}"] == owed
    assert sums[f"hub_cash_owed:{place.pk}"] == owed
    assert ledger_identity_holds()

    # One text per event for the owner, and no e-mail for someone without an address.
    ruths = Notification.objects.filter(recipient=ruth)
    assert ruths.exclude(email_state=Notification.EmailState.SKIPPED).count() == 0
    texted = list(ruths.filter(sms_state=Notification.SmsState.SENT)
                  .values_list("kind", flat=True))
    assert len(texted) == len(set(texted)) == len(texts)
    assert {"seller_order_paid", "hub_cash_code"} <= set(texted)

    # 8. Staff settle what the platform owes the hub for the cash it handed out.
    finance = client_for(staff_make(permissions=("payments.manage_payouts",)))
    settled = finance.post(f"/api/v1/staff/hubs/{place.pk}/settle",
                         {"amount_cents": owed, "note": "Check 1041 mailed to the hub."},
                         format="json")
    assert settled.status_code == 201 and settled.data["owed_cents"] == 0
    assert account_sums().get(f"hub_cash_owed:{place.pk}", 0) == 0
    assert ledger_identity_holds()
