from django.utils.functional import SimpleLazyObject

from orders.selectors import HeaderCounts, header_counts, session_cart_units


def header(request):
    """`header`: the cart count and whether the person sells, queried only if a page shows it.

    A visitor's count comes from the session (no query); a signed-in person's costs one query.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        session = getattr(request, "session", None)
        return {"header": SimpleLazyObject(
            lambda: HeaderCounts(cart_items=session_cart_units(session), has_shop=False))}
    return {"header": SimpleLazyObject(lambda: header_counts(user=user))}
