from django import forms


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
