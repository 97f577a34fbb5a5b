"""Reads of carts and orders that pages and the API share, with their joins done."""

import datetime
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from orders.errors import OrderNotFound
from orders.models import (
    CartItem,
    Checkout,
    Order,
    OrderEvent,
    OrderItem,
    Review,
    SavedAddress,
    balance_cents_for,
)
from payments.money import fee_split
from payments.selectors import escrow_summaries
from sellers.models import Listing, ListingImage, Shop
from sellers.selectors import preorder_today


@dataclass
class CartLine:
    id: int | None  # the cart item's id; None for a visitor's session cart
    listing: Listing
    quantity: int
    available: bool
    problem: str = ""
    reserved: int = 0  # units this buyer's unpaid checkout holds; back on sale if they change it

    @property
    def unit_price_cents(self) -> int:
        return self.listing.price_cents

    @property
    def line_total_cents(self) -> int:
        return self.listing.price_cents * self.quantity


@dataclass
class CartShop:
    """One future order: a shop's goods in stock, or its pre-orders of one ship date."""

    shop: Shop
    lines: list[CartLine] = field(default_factory=list)
    preorder_ships_by: datetime.date | None = None
    preorder_deposit_bps: int | None = None

    @property
    def is_preorder(self) -> bool:
        return self.preorder_ships_by is not None

    @property
    def deposit_percent(self) -> str:
        return f"{(self.preorder_deposit_bps or 10000) / 100:g}"

    def due_now_cents(self, *, pickup: bool = False) -> int:
        """What the buyer pays at checkout: all of it, or a pre-order's deposit."""
        total = self.subtotal_cents + (0 if pickup else self.shipping_cents)
        return total - balance_cents_for(total_cents=total, deposit_bps=self.preorder_deposit_bps)

    @property
    def buyable_lines(self) -> list[CartLine]:
        return [line for line in self.lines if line.available]

    @property
    def subtotal_cents(self) -> int:
        return sum(line.line_total_cents for line in self.buyable_lines)

    @property
    def shipping_cents(self) -> int:
        # A shop packs one parcel per order: the dearest item's shipping covers the rest.
        return max((line.listing.shipping_cents for line in self.buyable_lines), default=0)

    @property
    def item_count(self) -> int:
        """Units, not lines: three jars of one honey are 3 items."""
        return sum(line.quantity for line in self.buyable_lines)

    @property
    def pickup_available(self) -> bool:
        lines = self.buyable_lines
        return bool(lines) and all(line.listing.local_pickup for line in lines)


@dataclass
class CartSummary:
    lines: list[CartLine]
    shops: list[CartShop]
    currency: str = "USD"

    @property
    def subtotal_cents(self) -> int:
        return sum(shop.subtotal_cents for shop in self.shops)

    @property
    def shipping_cents(self) -> int:
        return sum(shop.shipping_cents for shop in self.shops)

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents + self.shipping_cents

    @property
    def due_now_cents(self) -> int:
        """What checkout charges now (shipping included): pre-orders' deposits, not their
        balances."""
        return sum(shop.due_now_cents() for shop in self.shops)

    @property
    def buyable_count(self) -> int:
        return sum(len(shop.buyable_lines) for shop in self.shops)

    @property
    def item_count(self) -> int:
        """Units that can be bought, not lines: three jars of one honey are 3 items."""
        return sum(shop.item_count for shop in self.shops)

    @property
    def has_problems(self) -> bool:
        return any(not line.available for line in self.lines)

    @property
    def pickup_available(self) -> bool:
        shops = [shop for shop in self.shops if shop.buyable_lines]
        return bool(shops) and all(shop.pickup_available for shop in shops)


def _listings_query() -> QuerySet[Listing]:
    return Listing.objects.select_related("shop", "shop__village").prefetch_related(
        Prefetch("images", queryset=ListingImage.objects.order_by("position", "id"))
    )


def _line_problem(
    listing: Listing, quantity: int, *, check_stock: bool = True, reserved: int = 0
) -> str:
    if listing.status != Listing.Status.ACTIVE or listing.shop.status != Shop.Status.ACTIVE:
        return "No longer for sale; it will be left out of checkout."
    if listing.preorder_ships_by and listing.preorder_ships_by < preorder_today():
        return "Its promised ship date has passed; it will be left out of checkout."
    if not check_stock:
        return ""
    left = listing.stock + reserved  # what this buyer's own unpaid checkout holds is theirs
    if left < 1:
        return "Sold out; it will be left out of checkout."
    if quantity > left:
        return f"Only {left} left; lower the quantity to check out."
    return ""


def _unpaid_order_items(*, buyer) -> QuerySet[OrderItem]:
    return OrderItem.objects.filter(
        order__buyer=buyer, order__status=Order.Status.PENDING_PAYMENT,
        order__checkout__status=Checkout.Status.PENDING_PAYMENT,
    )


def stock_reserved_for_buyer(*, buyer, listing_id: int) -> int:
    """Units of a listing the buyer's own unpaid checkouts hold (one query)."""
    total = _unpaid_order_items(buyer=buyer).filter(listing_id=listing_id).aggregate(
        total=Sum("quantity")
    )["total"]
    return int(total or 0)


def cart_summary(*, user=None, session=None, for_checkout: bool = False) -> CartSummary:
    """The cart of a signed-in person, or of a visitor from the session: two queries.

    For checkout, a line short of stock still counts: reserving it then fails with a 409
    naming the line, instead of the line being silently left out.
    """
    if user is not None and user.is_authenticated:
        reserved = (
            _unpaid_order_items(buyer=user).filter(listing_id=OuterRef("listing_id"))
            .values("listing_id").annotate(total=Sum("quantity")).values("total")
        )
        items = (
            CartItem.objects.filter(cart__user=user)
            .annotate(reserved=Coalesce(Subquery(reserved), Value(0)))
            .select_related("listing", "listing__shop", "listing__shop__village")
            .prefetch_related(
                Prefetch(
                    "listing__images",
                    queryset=ListingImage.objects.order_by("position", "id"),
                )
            )
            .order_by("added", "id")
        )
        pairs = [(item.id, item.listing, item.quantity, item.reserved) for item in items]
    else:
        stored = session.get("cart", {}) if session is not None else {}
        wanted = {int(k): int(v) for k, v in stored.items() if str(k).isdigit()}
        listings = _listings_query().in_bulk(list(wanted))
        pairs = [(None, listings[pk], qty, 0) for pk, qty in wanted.items() if pk in listings]
    lines, shops = [], {}
    for item_id, listing, quantity, reserved in pairs:
        problem = _line_problem(listing, quantity, check_stock=not for_checkout,
                                reserved=reserved)
        line = CartLine(id=item_id, listing=listing, quantity=quantity,
                        available=not problem, problem=problem, reserved=reserved)
        lines.append(line)
        # A pre-order is always its own order: one per shop, ship date (and deposit share).
        ships_by = listing.preorder_ships_by
        deposit = listing.preorder_deposit_bps if ships_by else None
        shops.setdefault((listing.shop_id, ships_by, deposit), CartShop(
            shop=listing.shop, preorder_ships_by=ships_by, preorder_deposit_bps=deposit,
        )).lines.append(line)
    return CartSummary(lines=lines, shops=list(shops.values()))


def checkout_unpaid_for_buyer(*, buyer) -> Checkout | None:
    """The buyer's newest checkout still waiting for payment (its items are still in the cart)."""
    return (
        Checkout.objects.filter(buyer=buyer, status=Checkout.Status.PENDING_PAYMENT)
        .order_by("-created", "-id").first()
    )


def checkout_last_choices(*, buyer) -> Checkout | None:
    """The buyer's newest checkout, whose choices the form starts from (paid, waiting for
    payment, or gone back from)."""
    return Checkout.objects.filter(buyer=buyer).order_by("-created", "-id").first()


def saved_addresses_for_user(*, user) -> QuerySet[SavedAddress]:
    return SavedAddress.objects.filter(user=user).order_by("-last_used", "-id")


def order_detail_queryset() -> QuerySet[Order]:
    """Orders with everything their page or API shape shows: four queries per page."""
    return Order.objects.select_related(
        "shop", "shop__village", "buyer", "checkout"
    ).prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.order_by("id")),
        Prefetch("events", queryset=OrderEvent.objects.order_by("at", "id")),
    )


BUYER, SELLER = "buyer", "seller"


def order_party(*, order: Order, user) -> str:
    """Which side of `order` `user` is on: BUYER, SELLER (its shop's owner), or "" for neither."""
    user_id = getattr(user, "pk", None)
    if user_id is None:
        return ""
    if order.buyer_id == user_id:
        return BUYER
    if order.shop.owner_id == user_id:
        return SELLER
    return ""


def order_for_party(*, user, order_id, side: str = "", queryset=None) -> Order:
    """The order if `user` is its buyer or its shop's owner (only that `side` when given);
    a missing order and anyone else's are the same OrderNotFound (404).

    `queryset` picks the joins (a page's or the API's); the default loads the shop only.
    """
    orders = queryset if queryset is not None else Order.objects.select_related("shop")
    try:
        order = orders.filter(pk=int(order_id)).first()
    except (TypeError, ValueError, OverflowError):
        order = None
    party = order_party(order=order, user=user) if order is not None else ""
    if not party or (side and party != side):
        raise OrderNotFound()
    return order


def orders_with_escrow(*, orders) -> list[Order]:
    """Set `order.escrow` on each order: its EscrowSummary, or None when nothing was ever
    held. Two queries for the whole list, whatever its length."""
    orders = list(orders)
    escrows = escrow_summaries(references=[order.reference for order in orders])
    for order in orders:
        order.escrow = escrows.get(order.reference)
    return orders


# Orders of a checkout the buyer went back from before paying: never bought, so no one's list
# shows them (their pages still open by number).
LEFT_BEFORE_PAYMENT = Q(
    status=Order.Status.CANCELLED, paid_at__isnull=True, checkout__changed_at__isnull=False
)


def orders_for_buyer(*, buyer) -> QuerySet[Order]:
    return (
        order_detail_queryset().filter(buyer=buyer).exclude(LEFT_BEFORE_PAYMENT)
        .order_by("-created", "-id")
    )


def orders_for_shop(*, shop, status: str = "") -> QuerySet[Order]:
    orders = order_detail_queryset().filter(shop=shop).exclude(
        status=Order.Status.PENDING_PAYMENT
    ).exclude(LEFT_BEFORE_PAYMENT)
    if status:
        orders = orders.filter(status=status)
    return orders.order_by("-created", "-id")


def orders_to_ship(*, shop_ids) -> QuerySet[Order]:
    """Paid orders of the shops `shop_ids` (ids or a values() subquery) waiting to be shipped
    or handed over, the one due soonest first, with their shop."""
    return (Order.objects.select_related("shop").filter(shop_id__in=shop_ids,
                                                         status=Order.Status.PAID)
            .order_by("ship_by", "pk"))


def order_counts_by_status(*, shop) -> dict[str, int]:
    """How many of a shop's orders are in each status (one grouped query)."""
    return dict(Order.objects.filter(shop=shop).values_list("status").annotate(n=Count("id"))
                .order_by())


def order_is_in_status(*, order_id, status: str) -> bool:
    """Whether the order is in `status` now (a second click finds the first one's result)."""
    return Order.objects.filter(pk=order_id, status=status).exists()


def completed_orders_by_village() -> dict[int, dict[str, int]]:
    """Completed orders and their value (GMV) per village id: one grouped query."""
    rows = (
        Order.objects.filter(status=Order.Status.COMPLETED)
        .values("shop__village_id")
        .annotate(orders_completed=Count("id"), gmv_cents=Sum("total_cents"))
        .order_by()
    )
    return {
        row["shop__village_id"]: {
            "orders_completed": row["orders_completed"], "gmv_cents": int(row["gmv_cents"]),
        }
        for row in rows
    }


@dataclass(frozen=True)
class MoneySplit:
    """Who would receive what if the money held for an order moved now (for confirm steps)."""

    buyer_cents: int  # refunded to the buyer's card
    seller_cents: int  # released to the seller's balance, after the platform fee
    fee_cents: int
    held_cents: int  # what escrow holds now


def order_money_split(*, escrow, refund_cents: int = 0) -> MoneySplit:
    """Split what escrow holds: `refund_cents` back to the buyer, the rest to the seller
    less the platform fee (the same rounding as the release itself)."""
    held = escrow.remaining_cents if escrow is not None else 0
    refund = min(max(int(refund_cents or 0), 0), held)
    seller, fee = fee_split(amount_cents=held - refund, fee_bps=settings.PLATFORM_FEE_BPS)
    return MoneySplit(buyer_cents=refund, seller_cents=seller, fee_cents=fee, held_cents=held)


# Orders that still have something to happen: payment, shipping, receipt or a dispute.
ORDER_OPEN_STATUSES = (
    Order.Status.PENDING_PAYMENT, Order.Status.PAID, Order.Status.SHIPPED, Order.Status.DISPUTED,
)


def orders_open_for_buyer(*, buyer) -> QuerySet[Order]:
    """The buyer's orders that are not finished (ORDER_OPEN_STATUSES), oldest first."""
    return Order.objects.filter(buyer=buyer, status__in=ORDER_OPEN_STATUSES).order_by("id")


def orders_open_for_shop(*, shop) -> QuerySet[Order]:
    """The shop's orders that are not finished (ORDER_OPEN_STATUSES), oldest first."""
    return Order.objects.filter(shop=shop, status__in=ORDER_OPEN_STATUSES).order_by("id")


# --- pre-orders: the seller's harvest page ----------------------------------------------

# A pre-order's orders that were bought: everything but unpaid and left-before-payment ones.
HARVEST_SOLD_STATUSES = (
    Order.Status.PAID, Order.Status.SHIPPED, Order.Status.COMPLETED, Order.Status.DISPUTED,
)


def _harvest_orders(*, listing) -> QuerySet[Order]:
    units = (OrderItem.objects.filter(order=OuterRef("pk"), listing_id=listing.pk)
             .order_by().values("order").annotate(n=Sum("quantity")).values("n"))
    return (
        Order.objects.filter(Exists(OrderItem.objects.filter(order=OuterRef("pk"),
                                                             listing_id=listing.pk)))
        .exclude(status=Order.Status.PENDING_PAYMENT).exclude(LEFT_BEFORE_PAYMENT)
        .annotate(units=Coalesce(Subquery(units), 0))
        .select_related("buyer", "shop")
        .prefetch_related(Prefetch("items", queryset=OrderItem.objects.order_by("id")))
    )


@dataclass
class Harvest:
    """One pre-order listing as its seller manages it: orders, units, money held, the date."""

    listing: Listing
    orders: list[Order]  # newest first; each with .units (of this listing) and .escrow
    units_sold: int  # in orders paid and not cancelled
    units_to_ship: int  # in paid orders not yet shipped
    held_cents: int  # what escrow holds for these orders now
    currency: str = "USD"

    @property
    def to_ship(self) -> list[Order]:
        """The packing list: paid orders still to ship, oldest first."""
        return sorted((order for order in self.orders if order.status == Order.Status.PAID),
                      key=lambda order: (order.created, order.pk))

    @property
    def units_left(self) -> int:
        return self.listing.stock


def preorder_harvest(*, listing) -> Harvest:
    """A pre-order listing's harvest page: three queries whatever the number of orders."""
    orders = orders_with_escrow(orders=_harvest_orders(listing=listing)
                                .order_by("-created", "-id"))
    sold = [order for order in orders if order.status in HARVEST_SOLD_STATUSES]
    return Harvest(
        listing=listing, orders=orders,
        units_sold=sum(order.units for order in sold),
        units_to_ship=sum(order.units for order in sold if order.status == Order.Status.PAID),
        held_cents=sum(order.escrow.remaining_cents for order in orders if order.escrow),
        currency=listing.currency,
    )


def preorder_harvest_plan_orders(*, listing) -> list[Order]:
    """Paid, unshipped orders of a pre-order listing, newest first, with .units and .escrow
    (what a short harvest may cancel)."""
    return orders_with_escrow(orders=_harvest_orders(listing=listing)
                              .filter(status=Order.Status.PAID).order_by("-created", "-id"))


def preorders_due_soon_count(*, shop, days: int = 14) -> int:
    """Paid pre-orders of a shop whose promised date is within `days` (one query)."""
    today = timezone.localdate()
    return Order.objects.filter(
        shop=shop, status=Order.Status.PAID, preorder_ships_by__isnull=False,
        preorder_ships_by__lte=today + timedelta(days=days),
    ).count()


def reviews_public(*, shop_id: int | None = None, listing_id: int | None = None
                   ) -> QuerySet[Review]:
    """Reviews anyone may read, newest first: of a shop, or of the orders that held a listing.

    Hidden (moderated) reviews are left out. The buyer is joined: one query per page.
    """
    reviews = Review.objects.filter(is_hidden=False).select_related("buyer")
    if shop_id is not None:
        reviews = reviews.filter(shop_id=shop_id)
    if listing_id is not None:
        reviews = reviews.filter(Exists(
            OrderItem.objects.filter(order_id=OuterRef("order_id"), listing_id=listing_id)))
    return reviews.order_by("-created", "-id")


@dataclass(frozen=True)
class RatingRow:
    stars: int
    count: int
    percent: int  # of all the reviews counted, rounded to a whole percent


def review_breakdown(*, reviews: QuerySet[Review]) -> list[RatingRow]:
    """How many of these reviews gave each number of stars, 5 down to 1 (one query)."""
    counts = dict(reviews.order_by().values_list("rating").annotate(n=Count("id")))
    total = sum(counts.values())
    return [RatingRow(stars=stars, count=counts.get(stars, 0),
                      percent=round(100 * counts.get(stars, 0) / total) if total else 0)
            for stars in range(5, 0, -1)]


# Where a visitor's cart lives in the session ({listing id: quantity}); services.cart writes it.
SESSION_CART_KEY = "cart"


@dataclass(frozen=True)
class HeaderCounts:
    cart_items: int  # units, not lines: 3 jars of honey count 3
    has_shop: bool


def header_counts(*, user) -> HeaderCounts:
    """The signed-in header's cart count and whether the person sells, in one query."""
    units = (CartItem.objects.filter(cart__user=OuterRef("pk")).order_by()
             .values("cart__user").annotate(total=Sum("quantity")).values("total"))
    row = (get_user_model().objects.filter(pk=user.pk)
           .annotate(cart_items=Coalesce(Subquery(units), 0),
                     has_shop=Exists(Shop.objects.filter(owner=OuterRef("pk"))))
           .values("cart_items", "has_shop").first())
    if row is None:
        return HeaderCounts(cart_items=0, has_shop=False)
    return HeaderCounts(cart_items=row["cart_items"], has_shop=row["has_shop"])


def session_cart_units(session) -> int:
    """A visitor's cart count, read from the session: no query."""
    cart = session.get(SESSION_CART_KEY, {}) if session is not None else {}
    try:
        return sum(int(quantity) for quantity in cart.values())
    except (TypeError, ValueError, AttributeError):
        return 0


# --- Daily figures for the insights summaries (insights.services.summaries) -----------------
# A day is a calendar day in `zone`; each reads orders paid (or completed) in [start, end).

def order_sales_by_shop_day(*, start, end, zone) -> list[dict]:
    """Orders whose payment landed in [start, end): count and totals per shop and day."""
    return list(
        Order.objects.filter(paid_at__gte=start, paid_at__lt=end)
        .annotate(day=TruncDate("paid_at", tzinfo=zone))
        .values("shop_id", "shop__village_id", "day")
        .annotate(orders=Count("id"), sales_cents=Sum("total_cents"))
        .order_by()
    )


def order_units_by_listing_day(*, start, end, zone) -> list[dict]:
    """Items of the orders paid in [start, end): orders, units and their price per listing
    and day (shipping not included)."""
    return list(
        OrderItem.objects.filter(order__paid_at__gte=start, order__paid_at__lt=end)
        .annotate(day=TruncDate("order__paid_at", tzinfo=zone))
        .values("listing_id", "order__shop_id", "day")
        .annotate(orders=Count("order_id", distinct=True), units=Sum("quantity"),
                  sales_cents=Sum(F("quantity") * F("unit_price_cents")))
        .order_by()
    )


def orders_completed_by_village_day(*, start, end, zone) -> list[dict]:
    """Completed orders whose receipt was confirmed in [start, end), per village and day."""
    return list(
        Order.objects.filter(status=Order.Status.COMPLETED, completed_at__gte=start,
                             completed_at__lt=end)
        .annotate(day=TruncDate("completed_at", tzinfo=zone))
        .values("shop__village_id", "day")
        .annotate(orders=Count("id"))
        .order_by()
    )


def order_first_paid_at():
    """When the marketplace's first order was paid (None before the first sale)."""
    return Order.objects.filter(paid_at__isnull=False).aggregate(first=Min("paid_at"))["first"]


def shop_buyers_in(*, shop_id: int, start, end) -> dict[str, int]:
    """People who paid the shop for an order in [start, end), and how many paid twice or more:
    one query, whatever the number of buyers."""
    per_buyer = (
        Order.objects.filter(shop_id=shop_id, paid_at__gte=start, paid_at__lt=end)
        .values("buyer_id").annotate(orders=Count("id")).order_by()
    )
    return per_buyer.aggregate(
        buyers=Count("buyer_id"), repeat_buyers=Count("buyer_id", filter=Q(orders__gte=2)))


def preorder_open_orders_count(listing_id: int) -> int:
    """Pre-orders of a listing still to be shipped (waiting for payment or paid)."""
    return Order.objects.filter(
        preorder_ships_by__isnull=False, items__listing_id=listing_id,
        status__in=[Order.Status.PENDING_PAYMENT, Order.Status.PAID],
    ).distinct().count()


HUB_PARCEL_STATES = (Order.HubParcel.ON_THE_WAY, Order.HubParcel.WAITING,
                     Order.HubParcel.COLLECTED)


def _hub_parcel_filter(state: str) -> Q:
    if state == Order.HubParcel.ON_THE_WAY:
        return Q(status=Order.Status.SHIPPED, hub_arrived_at__isnull=True)
    if state == Order.HubParcel.WAITING:
        return Q(status__in=[Order.Status.SHIPPED, Order.Status.DISPUTED],
                 hub_arrived_at__isnull=False)
    return Q(status=Order.Status.COMPLETED)


def hub_parcels(*, hub_reference: str, state: str) -> QuerySet[Order]:
    """The parcels shipped to one hub in one state (Order.HubParcel: on the way, waiting,
    collected), with what the hub's list shows; the newest first for collected ones."""
    if state not in HUB_PARCEL_STATES or not hub_reference:
        return Order.objects.none()
    order_by = ("-completed_at", "-pk") if state == Order.HubParcel.COLLECTED else (
        "hub_arrived_at", "shipped_at", "pk")
    return (Order.objects.select_related("shop", "buyer")
            .prefetch_related(Prefetch("items", queryset=OrderItem.objects.order_by("id")))
            .filter(_hub_parcel_filter(state), hub_reference=hub_reference)
            .order_by(*order_by))


def hub_parcel_counts(*, hub_reference: str) -> dict[str, int]:
    """How many parcels of one hub are on the way, waiting and collected: one query."""
    if not hub_reference:
        return {state: 0 for state in HUB_PARCEL_STATES}
    counts = Order.objects.filter(hub_reference=hub_reference).aggregate(**{
        state: Count("pk", filter=_hub_parcel_filter(state)) for state in HUB_PARCEL_STATES
    })
    return {state: counts[state] for state in HUB_PARCEL_STATES}


def hub_parcel_for_hub(*, hub_reference: str, order_id) -> Order:
    """One parcel shipped to the hub `hub_reference`; another hub's (or none) is OrderNotFound."""
    try:
        order_id = int(order_id)
    except (TypeError, ValueError):
        raise OrderNotFound() from None
    order = (Order.objects.select_related("shop", "buyer")
             .filter(pk=order_id, hub_reference=hub_reference).exclude(hub_reference="")
             .first())
    if order is None:
        raise OrderNotFound()
    return order
