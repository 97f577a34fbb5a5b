from django import forms

from orders.services.lifecycle import DISPUTE_REASONS
from sellers.us_states import STATE_CHOICES


class CheckoutForm(forms.Form):
    fulfillment = forms.ChoiceField(
        label="How do you want your goods?",
        choices=[("ship", "Ship to my address"), ("pickup", "I will pick them up locally")],
        widget=forms.RadioSelect, initial="ship",
    )
    name = forms.CharField(label="Full name", max_length=100, required=False)
    line1 = forms.CharField(label="Street address", max_length=120, required=False)
    line2 = forms.CharField(label="Apartment, suite (optional)", max_length=120, required=False)
    city = forms.CharField(max_length=80, required=False)
    state = forms.ChoiceField(choices=[("", "Choose a state")] + STATE_CHOICES, required=False)
    postal_code = forms.CharField(label="ZIP code", max_length=10, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def address(self) -> dict:
        data = self.cleaned_data
        return {name: data.get(name, "") for name in
                ("name", "line1", "line2", "city", "state", "postal_code")} | {"country": "US"}


class ShipForm(forms.Form):
    carrier = forms.CharField(max_length=40, help_text="USPS, UPS, FedEx…")
    tracking_number = forms.CharField(max_length=64)


class PickupForm(forms.Form):
    code = forms.RegexField(
        label="Hand-over code from the buyer", regex=r"^\d{6}$", max_length=6,
        error_messages={"invalid": "Enter the buyer's 6-digit code."},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class DisputeForm(forms.Form):
    reason = forms.ChoiceField(choices=[(r, r.replace("_", " ").capitalize())
                                        for r in DISPUTE_REASONS])
    details = forms.CharField(widget=forms.Textarea, max_length=2000,
                              help_text="What happened? Staff read this and the seller's side.")


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        coerce=int, choices=[(n, f"{n} ★") for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    text = forms.CharField(widget=forms.Textarea, max_length=2000, required=False,
                           label="Your review (optional)")
