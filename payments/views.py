from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .selectors import payout_list, shop_balance, shop_statement


@login_required
@require_GET
def seller_balance(request):
    """The seller's money: balance figures, recent payouts, and a statement per order."""
    shop = getattr(request.user, "shop", None)
    if shop is None:
        return render(request, "payments/no_shop.html", status=403)
    statement = Paginator(shop_statement(shop=shop), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "payments/balance.html",
        {
            "shop": shop,
            "balance": shop_balance(shop=shop),
            "payouts": payout_list(shop=shop)[:10],
            "statement": statement,
        },
    )
