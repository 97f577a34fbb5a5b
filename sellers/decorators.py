"""The one page answer to "this person has no shop"."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from .errors import NoShop
from .selectors import shop_of_user


def shop_required(view):
    """A seller's page: `view` gets the signed-in person's shop as `shop`. Someone with no
    shop is sent to "open a shop" with NoShop's message (the API answers it with 403)."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            shop = shop_of_user(user=request.user)
        except NoShop as exc:
            messages.info(request, str(exc))
            return redirect("sell-shop-open")
        return view(request, *args, shop=shop, **kwargs)

    return wrapped
