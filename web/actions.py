"""Running one service call from a form post, the same way on every page."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect


def act(request, action: Callable[[], object], success: str, back: str, *,
        already_done: Callable[[], bool] | None = None) -> HttpResponse:
    """Run `action` and come back to `back` with its outcome as a message.

    A domain error (any exception carrying an int `http_status`, as every app's errors.py
    defines them) or a ValidationError becomes the error message; a 404 one is the page's own
    404, so someone else's object looks the same as a missing one. `already_done`, when
    given, tells a second click (answered with the first one's success) from a refusal.
    """
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except Exception as exc:
        status = getattr(exc, "http_status", None)
        if not isinstance(status, int):
            raise
        if status == 404:
            raise Http404(str(exc)) from None
        if already_done is not None and already_done():
            messages.success(request, success)
        else:
            messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect(back)
