from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from orders.services.cart import cart_merge_session
from web.forms import form_errors_add

from .forms import LoginForm, SignupForm
from .middleware import second_factor_url
from .second_factor import needs_second_factor
from .services import InvalidCredentials, user_authenticate, user_register
from .throttling import LoginThrottled


def safe_next_url(request) -> str:
    home = reverse("home")
    candidate = request.POST.get("next") or request.GET.get("next") or home
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return home


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_register(**form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            login(request, user, backend="marketplace.accounts.backends.EmailBackend")
            cart_merge_session(user=user, session=request.session)
            messages.success(
                request, f"Welcome, {user.display_name}! Your account is ready. We sent you "
                         "a link to confirm your e-mail address.")
            return redirect(safe_next_url(request))
    return render(request, "accounts/signup.html", {"form": form, "next": safe_next_url(request)})


@require_http_methods(["GET", "HEAD", "POST"])
def login_view(request):
    form = LoginForm(request.POST or None)
    status, retry_after = 200, None
    if request.method == "POST" and form.is_valid():
        try:
            user = user_authenticate(request=request, **form.cleaned_data)
        except InvalidCredentials as exc:
            form.add_error(None, str(exc))
            status = 400
        except LoginThrottled as exc:
            form.add_error(None, str(exc))
            status, retry_after = 429, exc.retry_after
        else:
            login(request, user)
            cart_merge_session(user=user, session=request.session)
            if needs_second_factor(user):
                return redirect(second_factor_url(request, user, safe_next_url(request)))
            return redirect(safe_next_url(request))
    elif request.method == "POST":
        status = 400
    response = render(request, "accounts/login.html",
                      {"form": form, "next": safe_next_url(request)}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def logout_view(request):
    if request.method == "POST":
        logout(request)
        messages.info(request, "You are logged out. See you soon.")
        return redirect("home")
    return render(request, "accounts/logout.html")
