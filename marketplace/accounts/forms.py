from django import forms
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError

from .throttling import LoginThrottled, login_attempt_begin, login_attempt_succeeded
from .time_zones import time_zone_choices


class SignupForm(forms.Form):
    display_name = forms.CharField(
        label="Your name", max_length=60, help_text="Shown to sellers and buyers you trade with."
    )
    email = forms.EmailField(label="E-mail address", max_length=254)
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters; not only numbers, not a common password.",
    )
    # Filled by a few lines of script with the browser's zone; without script the account
    # gets the default zone (US Central) and the person can change it on the account page.
    time_zone = forms.CharField(required=False, max_length=64,
                                widget=forms.HiddenInput(attrs={"data-browser-time-zone": ""}))


class LoginForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code", max_length=32, strip=True,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text",
                                      "autocapitalize": "off", "spellcheck": "false"}),
    )


class SetupCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from the app", max_length=12, strip=True,
        help_text="The 6-digit code your authenticator app shows now.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class SecondFactorResetForm(forms.Form):
    email = forms.EmailField(label="Staff member's e-mail address", max_length=254)
    reason = forms.CharField(
        label="Why, and how you confirmed who they are", max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PasswordResetRequestForm(PasswordResetForm):
    email = forms.EmailField(
        label="E-mail address of your account", max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}))


class NewPasswordForm(SetPasswordForm):
    """The reset link's form: the new password twice, checked by the password validators."""

    def save(self, commit=True):
        from .services import password_set  # services imports these forms' module siblings

        return password_set(user=self.user, password=self.cleaned_data["new_password1"],
                            confirms_email=True)


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """"Change my password" (account page and admin): the old password is checked under the
    log-in counters, so a session left open cannot be used to guess the password either."""

    required_css_class = "required"
    client_ip = ""
    throttled: LoginThrottled | None = None

    def clean_old_password(self):
        try:
            login_attempt_begin(email=self.user.email, ip=self.client_ip)
        except LoginThrottled as exc:
            self.throttled = exc
            raise ValidationError(str(exc), code="throttled") from None
        old_password = super().clean_old_password()
        login_attempt_succeeded(email=self.user.email, ip=self.client_ip)
        return old_password

    def save(self, commit=True):
        from .services import password_set

        return password_set(user=self.user, password=self.cleaned_data["new_password1"])


class PasswordAgainForm(forms.Form):
    password = forms.CharField(
        label="Your password", strip=False, max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="To be sure it is you.",
    )


class EmailChangeForm(PasswordAgainForm):
    email = forms.EmailField(
        label="New e-mail address", max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
        help_text="We send a link there; your address changes when you open it.")

    field_order = ["email", "password"]


class ProfileForm(forms.Form):
    display_name = forms.CharField(label="Your name", max_length=60,
                                   widget=forms.TextInput(attrs={"autocomplete": "name"}))
    time_zone = forms.ChoiceField(
        label="Your time zone", choices=time_zone_choices,
        help_text="Times on the site and in our e-mails are shown in this zone.")


def throttled_status(request, response):
    """A posted form with errors answers 400, or 429 with Retry-After when it was throttled."""
    form = (getattr(response, "context_data", None) or {}).get("form")
    if request.method == "POST" and form is not None and form.errors:
        throttled = getattr(form, "throttled", None)
        if throttled is not None:
            response.status_code = 429
            response["Retry-After"] = str(throttled.retry_after)
        else:
            response.status_code = 400
    return response
