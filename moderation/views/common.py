from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from moderation.errors import ModerationError
from orders.errors import OrderError
from payments.errors import PaymentsError
from sellers.errors import SellersError

DOMAIN_ERRORS = (ModerationError, OrderError, PaymentsError, SellersError)


def act(request, action, success: str, back: str):
    """Run one service call from a form post and come back with its outcome as a message."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except DOMAIN_ERRORS as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect(back)
