"""The Django admin behind the same doors as the rest of the site.

Its log-in form checks the password through marketplace.accounts.services.user_authenticate, so
a wrong password counts in the same per-account and per-IP counters as the log-in page and the
token API (11th try → 429 with Retry-After, the right password refused too during a lock-out).
Staff who pass the password step still need a verified second factor before any admin page
opens (marketplace.accounts.second_factor.StaffSecondFactorMiddleware).
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse

from marketplace.accounts.forms import ThrottledPasswordChangeForm, throttled_status
from marketplace.accounts.services import InvalidCredentials, user_authenticate
from marketplace.accounts.throttling import LoginThrottled


class ThrottledAdminLoginForm(AdminAuthenticationForm):
    throttled: LoginThrottled | None = None

    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password:
            try:
                self.user_cache = user_authenticate(
                    request=self.request, email=email, password=password)
            except InvalidCredentials as exc:
                raise ValidationError(str(exc), code="invalid_login") from None
            except LoginThrottled as exc:
                self.throttled = exc
                raise ValidationError(str(exc), code="throttled") from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class MarketplaceAdminSite(admin.AdminSite):
    site_header = "Taobao Village US administration"
    site_title = "Taobao Village US admin"
    login_form = ThrottledAdminLoginForm

    def login(self, request, extra_context=None):
        if request.method == "HEAD" and self.has_permission(request):
            # As GET does for someone already signed in (Django checks GET only).
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        return throttled_status(request, super().login(request, extra_context))

    def password_change(self, request, extra_context=None):
        form_class = type("ThrottledPasswordChangeForm", (ThrottledPasswordChangeForm,),
                          {"client_ip": request.META.get("REMOTE_ADDR", "")})
        request.current_app = self.name
        view = PasswordChangeView.as_view(
            form_class=form_class,
            success_url=reverse("admin:password_change_done", current_app=self.name),
            extra_context={**self.each_context(request), **(extra_context or {})},
            **({"template_name": self.password_change_template}
               if self.password_change_template is not None else {}),
        )
        return throttled_status(request, view(request))
