"""Pages of the staff second factor: set up an authenticator, verify a code, reset another
staff member's lost device. The work is in second_factor.py; these only render and route."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from moderation.permissions import is_moderator

from .forms import CodeForm, SecondFactorResetForm, SetupCodeForm
from .middleware import second_factor_url
from .second_factor import (
    RESET_PERMISSION,
    InvalidCode,
    ResetRefused,
    enrolment_confirm,
    enrolment_start,
    has_device,
    second_factor_reset,
    session_verify,
)
from .throttling import LoginThrottled
from .views import safe_next_url


def _staff_only(request):
    if not request.user.is_staff:
        raise PermissionDenied("Only staff members use a second factor here.")


def _throttled(response, exc: LoginThrottled):
    response.status_code = 429
    response["Retry-After"] = str(exc.retry_after)
    return response


def _staff_next_url(request) -> str:
    """Where to go after the code: where the person was going, else their staff pages."""
    next_url = safe_next_url(request)
    if next_url != reverse("home"):
        return next_url
    return reverse("staff-dashboard") if is_moderator(request.user) else reverse("admin:index")


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def setup(request):
    _staff_only(request)
    next_url = _staff_next_url(request)
    if has_device(request.user):
        return redirect(second_factor_url(request, request.user, next_url))
    form = SetupCodeForm(request.POST or None)
    status, throttled = 200, None
    if request.method == "POST" and form.is_valid():
        try:
            codes = enrolment_confirm(request=request, user=request.user,
                                      code=form.cleaned_data["code"])
        except InvalidCode as exc:
            form.add_error("code", str(exc))
            status = 400
        except LoginThrottled as exc:
            form.add_error(None, str(exc))
            throttled = exc
        else:
            # Shown once: this response is the only place the codes ever appear.
            return render(request, "accounts/recovery_codes.html",
                          {"codes": codes, "next": next_url})
    elif request.method == "POST":
        status = 400
    enrolment = enrolment_start(user=request.user)
    response = render(request, "accounts/second_factor_setup.html",
                      {"form": form, "enrolment": enrolment, "next": next_url}, status=status)
    return _throttled(response, throttled) if throttled else response


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request):
    _staff_only(request)
    next_url = _staff_next_url(request)
    if not has_device(request.user):
        return redirect(second_factor_url(request, request.user, next_url))
    form = CodeForm(request.POST or None)
    status, throttled = 200, None
    if request.method == "POST" and form.is_valid():
        try:
            session_verify(request=request, code=form.cleaned_data["code"])
        except InvalidCode as exc:
            form.add_error("code", str(exc))
            status = 400
        except LoginThrottled as exc:
            form.add_error(None, str(exc))
            throttled = exc
        else:
            return redirect(next_url)
    elif request.method == "POST":
        status = 400
    response = render(request, "accounts/second_factor_verify.html",
                      {"form": form, "next": next_url}, status=status)
    return _throttled(response, throttled) if throttled else response


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def reset(request):
    """/staff/second-factor/reset/: for staff holding accounts.reset_second_factor."""
    if not request.user.has_perm(RESET_PERMISSION):
        raise PermissionDenied("You may not reset second factors.")
    form = SecondFactorResetForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            person = second_factor_reset(actor=request.user,
                                         person_email=form.cleaned_data["email"],
                                         reason=form.cleaned_data["reason"])
        except ResetRefused as exc:
            form.add_error(None, str(exc))
            status = 400
        else:
            messages.success(request, f"The second factor of {person.email} is reset; they "
                             "were told by e-mail and set up a new one when they next sign in.")
            return redirect("second-factor-reset")
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/second_factor_reset.html", {"form": form}, status=status)
