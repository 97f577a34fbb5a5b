from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from sellers.decorators import shop_required

from .errors import PaymentsError
from .selectors import (
    owner_statement,
    payout_account_of,
    payout_list,
    shop_balance,
    shop_statement,
)
from .services.payout_accounts import (
    payout_account_link,
    payout_account_refresh_for_shop,
    payout_hold_reason,
    requirement_words,
)


@shop_required
@require_safe
def seller_balance(request, shop):
    """The seller's money: balance figures, recent payouts, and a statement per order."""
    statement = Paginator(shop_statement(shop=shop), 25).get_page(request.GET.get("page"))
    account = payout_account_of(shop_id=shop.pk)
    return render(
        request,
        "payments/balance.html",
        {
            "shop": shop,
            "balance": shop_balance(shop=shop),
            "payouts": payout_list(shop=shop)[:10],
            "statement": statement,
            "payout_account": account,
            "hold_reason": payout_hold_reason(shop=shop, account=account),
        },
    )


@shop_required
@require_safe
def seller_statement(request, shop):
    """The owner's simple statement: each sale with the fee and any hub commission taken,
    what the owner got, and the money paid to them (payouts and cash collected at a hub)."""
    return render(request, "payments/statement.html", {
        "shop": shop, **owner_statement(shop=shop, page=request.GET.get("page")),
    })


@shop_required
@require_safe
def payout_account_page(request, shop):
    """Where the seller's payouts go: the payout account's status in plain words."""
    account = payout_account_of(shop_id=shop.pk)
    return render(request, "payments/payout_account.html", {
        "shop": shop, "account": account,
        "needed": requirement_words(account.requirements_due) if account else [],
        "hold_reason": payout_hold_reason(shop=shop, account=account),
    })


def _to_stripe(request, shop):
    """Send the seller to a fresh Stripe onboarding link; on an error, back with why."""
    try:
        url = payout_account_link(
            shop=shop, email=request.user.email,
            return_url=request.build_absolute_uri(reverse("seller-payout-account-return")),
            refresh_url=request.build_absolute_uri(reverse("seller-payout-account-refresh")),
        )
    except PaymentsError as error:
        messages.error(request, f"We could not open the set-up with Stripe: {error}")
        return redirect("seller-payout-account")
    return redirect(url)


@shop_required
@require_POST
def payout_account_setup(request, shop):
    """Create the shop's payout account (the first time) and go to Stripe's set-up."""
    return _to_stripe(request, shop)


@shop_required
@require_safe
def payout_account_refresh(request, shop):
    """Stripe's refresh_url: the link was used or expired; make a new one and go back."""
    if payout_account_of(shop_id=shop.pk) is None:
        return redirect("seller-payout-account")
    return _to_stripe(request, shop)


@shop_required
@require_safe
def payout_account_return(request, shop):
    """Stripe's return_url: ask Stripe how the account stands now, then show it."""
    try:
        account = payout_account_refresh_for_shop(shop=shop)
    except PaymentsError as error:
        messages.warning(request, f"We could not reach Stripe to check your account ({error}). "
                                  "This page updates as soon as Stripe tells us.")
        return redirect("seller-payout-account")
    if account is None:
        return redirect("seller-payout-account")
    if account.payouts_enabled:
        messages.success(request, "Your payout account is ready: your available money is paid "
                                  "out to it daily.")
    else:
        messages.info(request, f"Your payout account: {account.get_status_display().lower()}.")
    return redirect("seller-payout-account")


@require_safe
def seller_terms(request):
    """The shop terms: the fee, when payouts happen, and where they go."""
    return render(request, "payments/seller_terms.html")
