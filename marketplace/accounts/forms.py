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
