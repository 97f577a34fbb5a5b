from django import forms

from orders.models import Order
from sellers.us_states import STATE_CHOICES

ZIP_PATTERN = r"\d{5}(-\d{4})?"


class CheckoutForm(forms.Form):
    """Pickup or shipping, and where to: a saved address or a new one (kept if asked)."""

    NEW_ADDRESS = "new"

    HUB = "hub"

    fulfillment = forms.ChoiceField(
        label="How do you want your goods?",
        choices=[("ship", "Ship to my address"), ("pickup", "I will pick them up locally"),
                 (HUB, "Deliver to a village hub")],
        widget=forms.RadioSelect, initial="ship",
    )
    # The village hub to ship to (its slug); the choices are the open hubs listed.
    hub = forms.ChoiceField(
        label="Village hub", widget=forms.RadioSelect, required=False,
        error_messages={"invalid_choice": "Choose one of the hubs in the list."},
    )
    saved_address = forms.ChoiceField(
        label="Ship to", widget=forms.RadioSelect, required=False,
        error_messages={"invalid_choice": "Choose one of your saved addresses, or a new one."},
    )
    name = forms.CharField(
        label="Full name", max_length=100, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "shipping name"}),
    )
    line1 = forms.CharField(
        label="Street address", max_length=120, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "shipping address-line1"}),
    )
    line2 = forms.CharField(
        label="Apartment, suite (optional)", max_length=120, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "shipping address-line2"}),
    )
    city = forms.CharField(
        max_length=80, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "shipping address-level2"}),
    )
    state = forms.ChoiceField(
        choices=[("", "Choose a state")] + STATE_CHOICES, required=False,
        widget=forms.Select(attrs={"autocomplete": "shipping address-level1"}),
        error_messages={"invalid_choice": "Choose a US state from the list, such as Iowa."},
    )
    postal_code = forms.CharField(
        label="ZIP code", max_length=10, required=False,
        widget=forms.TextInput(attrs={
            "autocomplete": "shipping postal-code", "inputmode": "numeric",
            "pattern": ZIP_PATTERN, "maxlength": "10",
        }),
    )
    phone = forms.CharField(
        label="Phone (optional, for the carrier)", max_length=20, required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "shipping tel",
                                      "inputmode": "tel"}),
    )
    save_address = forms.BooleanField(
        label="Save this address for my next checkout", required=False, initial=True,
    )
    idempotency_key = forms.CharField(
        widget=forms.HiddenInput(attrs={"autocomplete": "off"}), max_length=64
    )

    ADDRESS_FIELDS = ("name", "line1", "line2", "city", "state", "postal_code", "phone")

    def __init__(self, *args, saved_addresses=(), hub_points=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.hub_points = {point.slug: point for point in hub_points}
        self.fields["hub"].choices = [(slug, point.name)
                                      for slug, point in self.hub_points.items()]
        self.saved = {str(address.pk): address for address in saved_addresses}
        self.fields["saved_address"].choices = [
            (key, address.one_line) for key, address in self.saved.items()
        ] + [(self.NEW_ADDRESS, "A new address")]

    def clean(self):
        data = super().clean()
        if data.get("fulfillment") == self.HUB and not data.get("hub"):
            self.add_error("hub", "Choose the hub where you will collect your order.")
        typed = any(data.get(name) for name in ("name", "line1", "city", "postal_code"))
        if data.get("fulfillment") == "ship" and data.get("saved_address") in self.saved and typed:
            self.add_error("saved_address", "You chose a saved address and also typed one: "
                                            "choose “A new address” to ship to what you typed.")
        return data

    def uses_saved_address(self) -> bool:
        return self.cleaned_data.get("saved_address") in self.saved

    def address(self) -> dict:
        """The address to ship to: the chosen saved one, or what was typed."""
        if self.uses_saved_address():
            return self.saved[self.cleaned_data["saved_address"]].as_address()
        data = self.cleaned_data
        address = {name: data.get(name, "") for name in self.ADDRESS_FIELDS}
        if not address["phone"]:
            del address["phone"]
        return address | {"country": "US"}

    def keeps_address(self) -> bool:
        """Saved addresses are kept (marked used); a new one only when the box is ticked."""
        return self.uses_saved_address() or bool(self.cleaned_data.get("save_address"))


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
    reason = forms.ChoiceField(label="What went wrong?", choices=Order.DisputeReason.choices,
                               widget=forms.RadioSelect)
    details = forms.CharField(widget=forms.Textarea, max_length=2000,
                              help_text="What happened? Staff read this and the seller's side.")


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        coerce=int, choices=[(n, f"{n} ★") for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    text = forms.CharField(widget=forms.Textarea, max_length=2000, required=False,
                           label="Your review (optional)")
