from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sellers.decorators import shop_required

from .selectors import payout_list, shop_balance, shop_statement


@shop_required
@require_GET
def seller_balance(request, shop):
    """The seller's money: balance figures, recent payouts, and a statement per order."""
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
