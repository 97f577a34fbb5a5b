"""The account pages: settings, confirming and changing the e-mail address, passwords
(change, and reset by e-mail with Django's own views and tokens), the data download and
closing the account. Each view parses, calls one service, renders."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.ratelimit import RateLimited

from . import links
from .closing import (
    AccountCloseRefused,
    account_close,
    account_close_blockers,
    account_data_export,
    account_keeps_payout_account,
)
from .forms import (
    EmailChangeForm,
    NewPasswordForm,
    PasswordAgainForm,
    PasswordResetRequestForm,
    ProfileForm,
    ThrottledPasswordChangeForm,
    throttled_status,
)
from .services import (
    AccountConflict,
    WrongPassword,
    email_change_confirm,
    email_change_link_read,
    email_change_request,
    email_confirm,
    email_confirmation_send,
    password_reset_request,
    user_profile_update,
)
from .throttling import LoginThrottled
from .time_zones import time_zone_label


def _too_many(request, exc: RateLimited):
    response = render(request, "security/429.html", {"message": str(exc)}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def _fields_to_form(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _password_step(request, form, call):
    """Run `call` (which checks the password again) and turn its refusals into form errors.

    Returns (result, status): status 400/429 with the form errors set, or 200 and the result.
    """
    try:
        return call(), 200
    except WrongPassword as exc:
        form.add_error("password", str(exc))
        return None, 400
    except LoginThrottled as exc:
        form.add_error(None, str(exc))
        form.retry_after = exc.retry_after
        return None, 429
    except RateLimited as exc:
        form.add_error(None, str(exc))
        form.retry_after = exc.retry_after
        return None, 429
    except ValidationError as exc:
        _fields_to_form(form, exc)
        return None, 400


def _render(request, template, context, status=200):
    response = render(request, template, context, status=status)
    retry_after = getattr(context.get("form"), "retry_after", None)
    if status == 429 and retry_after:
        response["Retry-After"] = str(retry_after)
    return response


# --- the account page ---------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account(request):
    user = request.user
    form = ProfileForm(request.POST or None,
                       initial={"display_name": user.display_name, "time_zone": user.time_zone})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user_profile_update(user=user, **form.cleaned_data)
            except ValidationError as exc:
                _fields_to_form(form, exc)
            else:
                messages.success(request, "Saved. Times are now shown in "
                                          f"{time_zone_label(user.time_zone)}.")
                return redirect("account")
        status = 400
    return render(request, "accounts/account.html", {
        "form": form, "now": timezone.now(), "time_zone_label": time_zone_label(user.time_zone),
    }, status=status)


# --- confirming the address ---------------------------------------------------------------

@login_required
@require_POST
def email_confirmation_resend(request):
    try:
        sent = email_confirmation_send(user=request.user)
    except RateLimited as exc:
        return _too_many(request, exc)
    if sent:
        messages.success(request, f"We sent a new link to {request.user.email}. It can take a "
                                  "minute to arrive; check your spam folder too.")
    else:
        messages.info(request, "Your e-mail address is already confirmed.")
    return redirect("account")


LINK_PROBLEMS = {
    "expired": "This link has expired.",
    "tampered": "This link is not complete or not valid. Copy the whole link from the e-mail, "
                "or ask for a new one.",
    "used": "This link was already used, or your account's address has changed since.",
    "replaced": "This link was replaced by a newer one: you asked to change your address "
                "again since. Open the link in the newest e-mail, or ask for a new one.",
    "password": "Your password was changed after this link was sent, so it no longer works. "
                "Ask for a new one if you still want to change your address.",
}


def _link_problem(request, exc: links.LinkInvalid, *, what: str):
    return render(request, "accounts/link_problem.html",
                  {"problem": LINK_PROBLEMS[exc.reason], "what": what}, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
def email_confirm_page(request, token):
    """GET shows a button (mail scanners open links), POST confirms."""
    if request.method == "GET":
        try:
            links.confirmation_read(token)
        except links.LinkInvalid as exc:
            return _link_problem(request, exc, what="confirm")
        return render(request, "accounts/email_confirm.html", {"changing": False})
    try:
        user, confirmed_now = email_confirm(token=token)
    except links.LinkInvalid as exc:
        return _link_problem(request, exc, what="confirm")
    if confirmed_now:
        messages.success(request, f"Thank you: {user.email} is confirmed. You can open a shop "
                                  "and be paid for what you sell.")
    else:
        messages.info(request, "This address was already confirmed.")
    return redirect("account" if request.user.is_authenticated else "login")


# --- changing the address -----------------------------------------------------------------

@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def email_change(request):
    form = EmailChangeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            address, status = _password_step(request, form, lambda: email_change_request(
                request=request, user=request.user, new_email=form.cleaned_data["email"],
                password=form.cleaned_data["password"]))
            if status == 200:
                messages.success(request, f"We sent a link to {address}. Your address changes "
                                          "when you open it; until then it stays "
                                          f"{request.user.email}.")
                return redirect("account")
        else:
            status = 400
    return _render(request, "accounts/email_change.html", {"form": form}, status)


@require_http_methods(["GET", "HEAD", "POST"])
def email_change_confirm_page(request, token):
    if request.method == "GET":
        try:
            claim = email_change_link_read(token)
        except links.LinkInvalid as exc:
            return _link_problem(request, exc, what="change")
        return render(request, "accounts/email_confirm.html",
                      {"changing": True, "new_email": claim.email})
    try:
        user = email_change_confirm(token=token)
    except links.LinkInvalid as exc:
        return _link_problem(request, exc, what="change")
    except AccountConflict as exc:
        return render(request, "accounts/link_problem.html",
                      {"problem": str(exc), "what": "change"}, status=409)
    messages.success(request, f"Your e-mail address is now {user.email}. We told your old "
                              "address about the change.")
    return redirect("account" if request.user.is_authenticated else "login")


# --- passwords ----------------------------------------------------------------------------

class PasswordChangePage(auth_views.PasswordChangeView):
    http_method_names = ["get", "post", "head", "options"]
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("account")

    def get_form_class(self):
        return type("ThrottledPasswordChangeForm", (ThrottledPasswordChangeForm,),
                    {"client_ip": self.request.META.get("REMOTE_ADDR", "")})

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password is changed. Other devices signed in "
                                       "with the old one are signed out.")
        return response

    def post(self, request, *args, **kwargs):
        return throttled_status(request, super().post(request, *args, **kwargs))


class PasswordResetPage(auth_views.PasswordResetView):
    """Ask for a link. The answer is the same whether an account has the address or not."""

    http_method_names = ["get", "post", "head", "options"]

    template_name = "accounts/password_reset.html"
    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("password-reset-sent")

    def form_valid(self, form):
        try:
            password_reset_request(email=form.cleaned_data["email"])
        except RateLimited as exc:
            return _too_many(self.request, exc)
        self.request.session["password_reset_email"] = form.cleaned_data["email"][:254]
        return redirect(self.success_url)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordResetSentPage(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["email"] = self.request.session.get("password_reset_email", "")
        context["reset_minutes"] = settings.PASSWORD_RESET_TIMEOUT // 60
        return context


class PasswordResetSetPage(auth_views.PasswordResetConfirmView):
    """The link's page: Django's token (one use: it depends on the password and the last
    log-in; PASSWORD_RESET_TIMEOUT). Nobody is logged in here: staff still enter their code
    at the next log-in, so a reset never skips the second factor."""

    http_method_names = ["get", "post", "head", "options"]

    template_name = "accounts/password_reset_set.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("password-reset-done")
    post_reset_login = False

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        response = super().dispatch(request, *args, **kwargs)
        # Expired, used or tampered: Django renders the page with validlink False.
        if (getattr(response, "context_data", None) or {}).get("validlink") is False:
            response.status_code = 400
        return response


class PasswordResetDonePage(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_done.html"


# --- download my data, close my account ---------------------------------------------------

@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def data_download(request):
    form = PasswordAgainForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data, status = _password_step(request, form, lambda: account_data_export(
                request=request, user=request.user, password=form.cleaned_data["password"]))
            if status == 200:
                body = json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
                response = HttpResponse(body, content_type="application/json; charset=utf-8")
                name = f"taobao-village-data-{timezone.localdate():%Y-%m-%d}.json"
                response["Content-Disposition"] = f'attachment; filename="{name}"'
                response["Cache-Control"] = "no-store"
                return response
        else:
            status = 400
    return _render(request, "accounts/data_download.html", {"form": form}, status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def close(request):
    form = PasswordAgainForm(request.POST or None)
    status = 200
    reasons = account_close_blockers(user=request.user)
    if request.method == "POST":
        if form.is_valid():
            try:
                _, status = _password_step(request, form, lambda: account_close(
                    request=request, user=request.user, password=form.cleaned_data["password"]))
            except AccountCloseRefused as exc:
                reasons, status = exc.reasons, 409
            except AccountConflict as exc:
                form.add_error(None, str(exc))
                status = 409
            if status == 200:
                logout(request)
                messages.success(request, "Your account is closed and your personal data "
                                          "erased. We sent a last e-mail to confirm it. "
                                          "Thank you for trading with us.")
                return redirect("home")
        else:
            status = 400
    return _render(request, "accounts/close.html", {
        "form": form, "reasons": reasons,
        "keeps_payout_account": account_keeps_payout_account(user=request.user),
    }, status)
