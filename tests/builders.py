"""Orders in every state, built through the services the pages and the API call — no HTTP, no
localstripe. Use them wherever a test is not about Stripe itself.

Only one step stands in for Stripe: a paid order's PaymentIntent. Stripe would create it and the
buyer's card would confirm it; here the intent row is recorded with an id the test owns
(`pi_built_…`) and Stripe's "succeeded" PaymentIntent is handed to payment_intent_apply, the
function the webhook and the pay endpoint both end in. Everything after that — escrow hold,
order status, timeline, e-mails — is the production code. A built order's money can be held,
released and paid out; refunding it needs a Stripe, so refund tests keep localstripe
(tests/checkout_http.py paid_orders, or tests/stripe_support.py paid_intent).

    order = paid_order()                      # a new buyer, shop and listing
    order = shipped_order(buyer=dana)         # any paid_order argument
    order = completed_order()                 # receipt confirmed: escrow released
    order = disputed_order(reason="damaged")
    payout = payout_for_shop(shop)            # the shop's released money reserved as a payout
"""

import itertools

from django.contrib.auth import get_user_model

from moderation.models import Report
from moderation.services.listings import report_create
from orders.models import Order
from orders.services.cart import cart_item_add
from orders.services.checkout import checkout_payment_intent_ensure, checkout_reserve
from orders.services.lifecycle import (
    order_confirm_receipt,
    order_dispute,
    order_mark_delivered,
    order_ship,
)
from payments.models import PaymentIntent, Payout
from payments.services.intents import payment_intent_apply
from payments.services.payouts import payout_create
from sellers.models import Listing, Shop
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.staff import MODERATE, staff_make

User = get_user_model()
_numbers = itertools.count(1)

ADDRESS = {
    "name": "Dana Buyer", "line1": "12 Main St", "line2": "", "city": "Decorah",
    "state": "IA", "postal_code": "52101", "country": "US",
}


def paid_checkout_orders(
    *, buyer: User | None = None, lines: list[tuple[Listing, int]] | None = None,
    fulfillment: str = "ship", hub: str | None = None,
) -> list[Order]:
    """One checkout of `lines` [(listing, quantity)], paid: one order per shop, all `paid`
    (shipped to the village hub `hub`, a slug, instead of ADDRESS when given)."""
    buyer = buyer or UserFactory()
    lines = lines or [(ListingFactory(), 1)]
    for listing, quantity in lines:
        cart_item_add(user=buyer, listing_id=listing.pk, quantity=quantity)
    number = next(_numbers)
    checkout = checkout_reserve(
        buyer=buyer, idempotency_key=f"built-{number}", fulfillment=fulfillment,
        shipping_address=ADDRESS if fulfillment == "ship" and not hub else None, hub=hub,
    ).checkout
    # What Stripe's answer to "create a PaymentIntent" leaves behind (payments'
    # _payment_intent_send); checkout_payment_intent_ensure then finds it and calls no one.
    PaymentIntent.objects.create(
        reference=checkout.reference, idempotency_key=f"checkout-{checkout.pk}",
        amount_cents=checkout.amount_cents, currency=checkout.currency,
        stripe_id=f"pi_built_{number}", client_secret=f"pi_built_{number}_secret",
        status=PaymentIntent.Status.REQUIRES_PAYMENT_METHOD,
        metadata={"buyer": str(buyer.pk)},
    )
    checkout = checkout_payment_intent_ensure(checkout=checkout)
    # Stripe's PaymentIntent after the card went through, as the webhook fetches it.
    payment_intent_apply(stripe_payment_intent={
        "id": checkout.payment_intent_id, "object": "payment_intent",
        "amount": checkout.amount_cents, "currency": checkout.currency.lower(),
        "status": "succeeded", "metadata": {"reference": checkout.reference},
        "latest_charge": {"id": f"ch_built_{number}", "object": "charge"},
        "last_payment_error": None,
    })
    orders = list(Order.objects.filter(checkout=checkout).order_by("pk"))
    assert {order.status for order in orders} == {Order.Status.PAID}, orders
    return orders


def paid_order(
    *, buyer: User | None = None, listing: Listing | None = None, shop: Shop | None = None,
    quantity: int = 1, fulfillment: str = "ship", hub: str | None = None,
) -> Order:
    """One paid order (a new listing of `shop`, or a new shop, unless `listing` is given)."""
    if listing is None:
        listing = ListingFactory(shop=shop or ShopFactory(), local_pickup=True)
    (order,) = paid_checkout_orders(buyer=buyer, lines=[(listing, quantity)],
                                    fulfillment=fulfillment, hub=hub)
    return order


def shipped_order(**paid) -> Order:
    """A paid order its seller marked shipped (USPS, a tracking number)."""
    order = paid_order(**paid)
    return order_ship(order_id=order.pk, seller=order.shop.owner, carrier="USPS",
                      tracking_number=f"9400{order.pk:018d}")


def delivered_order(**paid) -> Order:
    """A shipped order the seller marked delivered: the buyer's confirm window runs."""
    order = shipped_order(**paid)
    return order_mark_delivered(order_id=order.pk, user=order.shop.owner)


def completed_order(**paid) -> Order:
    """A shipped order whose buyer confirmed receipt: its escrow is released to the seller."""
    order = shipped_order(**paid)
    return order_confirm_receipt(order_id=order.pk, buyer=order.buyer)


def disputed_order(*, reason: str = "not_received",
                   details: str = "Nothing arrived after three weeks.", shipped: bool = True,
                   **paid) -> Order:
    """A paid (by default shipped) order whose buyer opened a dispute."""
    order = shipped_order(**paid) if shipped else paid_order(**paid)
    return order_dispute(order_id=order.pk, buyer=order.buyer, reason=reason, details=details)


def report(*, listing: Listing | None = None, reporter: User | None = None,
           reason: str = Report.Reason.FRAUD, details: str = "") -> Report:
    """A buyer's report of a live listing."""
    return report_create(listing_id=(listing or ListingFactory()).pk,
                         reporter=reporter or UserFactory(), reason=reason, details=details)


def moderator(**fields) -> User:
    """A staff member who may moderate (sign them in with tests.staff)."""
    return staff_make(permissions=(MODERATE,), **fields)


def payout_for_shop(shop: Shop | None = None, *, orders: int = 1) -> Payout:
    """`orders` completed orders of the shop, then its released money reserved as a payout."""
    shop = shop or ShopFactory()
    for _ in range(orders):
        completed_order(shop=shop)
    payout = payout_create(shop_id=shop.pk)
    assert payout is not None, "the shop's balance is below the payout minimum"
    return payout


# --- brand protection ------------------------------------------------------------------------
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def proof_pdf(name: str = "registration.pdf"):
    """A small PDF upload, as a rights owner's proof."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def rights_owner(*, applicant: User | None = None, name: str = "Acme Quilts Inc.",
                 right_name: str = "Acme", verified: bool = True):
    """A rights owner with one registered trademark and a PDF of proof; verified by staff
    unless `verified=False` (then waiting)."""
    from brands.services import owner_apply, owner_decide

    owner = owner_apply(
        applicant=applicant or UserFactory(display_name="Riley Rights"), kind="company",
        name=name, right={"name": right_name, "basis": "registered",
                          "registration_number": f"US {next(_numbers):07d}",
                          "registration_office": "USPTO"},
        documents=[proof_pdf()])
    if verified:
        owner = owner_decide(owner_id=owner.pk, actor=moderator(), verify=True)
    return owner


def rights_notice(*, owner=None, listings: list[Listing] | None = None,
                  reason: str = "counterfeit", filed_by: User | None = None):
    """A sworn notice of a verified owner (a new one unless given) against `listings`
    (a new live listing unless given): the listings are taken down."""
    from brands.services import notice_file

    owner = owner or rights_owner()
    listings = listings or [ListingFactory()]
    return notice_file(
        actor=filed_by or owner.applicant, right_id=owner.rights.first().pk,
        listing_ids=[listing.pk for listing in listings], reason=reason,
        evidence="The logo is misspelt and the stitching differs from ours.", sworn=True,
        signature_name="Riley Rights")


# --- village hubs ----------------------------------------------------------------------------
def hub(*, village=None, name: str = "Main Street Hub", commission_bps: int = 300):
    """An open hub in `village` (a new one unless given)."""
    from hubs.models import Hub
    from tests.factories import VillageFactory

    village = village or VillageFactory()
    number = next(_numbers)
    return Hub.objects.create(
        village=village, name=name, slug=f"hub-{number}", line1=f"{number} Main Street",
        city=village.name, state=village.state, postal_code="53801", phone="+16085550100",
        opening_hours="Mon–Fri 9 am–5 pm, Sat 9 am–noon", commission_bps=commission_bps)


def hub_world():
    """One row of each hub model, as the admin walk needs them (hub, verified agent, a
    managed shop, an act, a collected cash-out and a settlement)."""
    from django.utils import timezone

    from hubs.models import CashOut, HubAct, HubAgent, HubSettlement, ManagedShop

    place = hub()
    agent = UserFactory(display_name="Avery Agent")
    HubAgent.objects.create(hub=place, user=agent, status=HubAgent.Status.VERIFIED,
                            statement="I run the feed store.", decided_by=moderator(),
                            decided_at=timezone.now())
    shop = ShopFactory(village=place.village)
    managed = ManagedShop.objects.create(
        shop=shop, hub=place, agent=agent, consent_on=timezone.localdate(),
        consent_statement="Signed the paper form at the hub.",
        owner_address={"name": "Neighbour", "line1": "1 Farm Road", "city": "Lancaster",
                       "state": "WI", "postal_code": "53813"})
    HubAct.objects.create(hub=place, agent=agent, owner=shop.owner, shop=shop,
                          action=HubAct.Action.SHOP_OPENED, reference=f"shop:{shop.pk}")
    CashOut.objects.create(hub=place, shop=shop, owner=shop.owner, agent=agent,
                           amount_cents=2500, status=CashOut.Status.COLLECTED,
                           proof=CashOut.Proof.CODE, collected_at=timezone.now())
    HubSettlement.objects.create(hub=place, amount_cents=2500, note="Check 1041.",
                                 settled_by=moderator())
    return managed


def hub_agent(*, place=None, user: User | None = None) -> User:
    """A verified agent of hub `place` (a new hub unless given)."""
    from django.utils import timezone

    from hubs.models import HubAgent

    place = place or hub()
    user = user or UserFactory(display_name="Avery Agent")
    HubAgent.objects.create(hub=place, user=user, status=HubAgent.Status.VERIFIED,
                            statement="I run the feed store.", decided_by=moderator(),
                            decided_at=timezone.now())
    return user


def managed_shop(*, place=None, agent: User | None = None, shop: Shop | None = None):
    """A live managed shop of hub `place` run by `agent` (a verified agent made unless given),
    its rows made directly; returns the ManagedShop."""
    from django.utils import timezone

    from hubs.models import ManagedShop

    place = place or hub()
    agent = agent or hub_agent(place=place)
    shop = shop or ShopFactory(village=place.village)
    return ManagedShop.objects.create(
        shop=shop, hub=place, agent=agent, consent_on=timezone.localdate(),
        consent_statement="Signed the paper form at the hub.",
        owner_address={"name": "Neighbour", "line1": "1 Farm Road", "city": "Lancaster",
                       "state": "WI", "postal_code": "53813"})
