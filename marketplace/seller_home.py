"""The seller dashboard at /sell/: composed here, on top of the apps, because it shows the
shop (sellers), its orders (orders) and its money (payments), and lower apps never import
upward."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from hubs.selectors import managing_agency_of_shop
from hubs.selectors_managed import shop_activity
from orders.models import Order
from orders.selectors import order_counts_by_status, orders_for_shop, preorders_due_soon_count
from payments.selectors import payout_account_of, shop_balance
from sellers.selectors import shop_listings_for_owner, shop_of_user_or_none, shop_onboarding_notes

RECENT_ORDERS = 5
RECENT_HUB_ACTS = 5


@login_required
def seller_dashboard(request):
    shop = shop_of_user_or_none(user=request.user)
    context = {"shop": shop, "listings": []}
    if shop is not None:
        counts = order_counts_by_status(shop=shop)
        context.update(
            listings=list(shop_listings_for_owner(shop=shop)),
            recent_orders=list(orders_for_shop(shop=shop)[:RECENT_ORDERS]),
            to_ship=counts.get(Order.Status.PAID, 0),
            disputed=counts.get(Order.Status.DISPUTED, 0),
            preorders_due_soon=preorders_due_soon_count(shop=shop),
            balance=shop_balance(shop=shop),
            payout_account=payout_account_of(shop_id=shop.pk),
            **shop_onboarding_notes(shop=shop),
        )
        # A hub agent runs the shop for its owner: who, and what they did lately.
        agency = managing_agency_of_shop(shop_id=shop.pk)
        if agency is not None:
            context.update(hub_agency=agency,
                           hub_activity=shop_activity(shop_id=shop.pk, limit=RECENT_HUB_ACTS))
    return render(request, "sellers/dashboard.html", context)
