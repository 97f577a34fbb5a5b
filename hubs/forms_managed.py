"""Page forms of managed shops; the services check every rule again (and say it the same way)."""

from django import forms
from django.utils import timezone

from sellers.images import MAX_UPLOAD_BYTES
from sellers.us_states import STATE_CHOICES

from .services.managed import CONSENT_MAX_AGE_DAYS

# A service's field name → the form's.
OPEN_FIELD_NAMES = {f"owner_address.{name}": f"address_{name}"
                    for name in ("name", "line1", "line2", "city", "state", "postal_code")}
OPEN_FIELD_NAMES["owner_address"] = "address_line1"


class ManagedShopOpenForm(forms.Form):
    owner_name = forms.CharField(label="Neighbour's name", max_length=60)
    owner_phone = forms.CharField(
        label="Neighbour's phone", max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text="A US number with its area code. Texts about orders and money go here.")
    owner_email = forms.EmailField(label="Neighbour's e-mail (optional)", required=False,
                                   max_length=254)
    address_name = forms.CharField(label="Name on the postal address", max_length=100)
    address_line1 = forms.CharField(label="Street address", max_length=120)
    address_line2 = forms.CharField(label="Apartment, suite (optional)", max_length=120,
                                    required=False)
    address_city = forms.CharField(label="City", max_length=80)
    address_state = forms.ChoiceField(label="State", choices=[("", "Choose…"), *STATE_CHOICES])
    address_postal_code = forms.CharField(label="ZIP code", max_length=10)
    shop_name = forms.CharField(label="Shop name", max_length=80,
                                help_text="What buyers see, such as “Miller Family Quilts”.")
    shop_description = forms.CharField(
        label="About the shop", max_length=4000, required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Who the neighbour is and what they make, in their words.")
    consent_on = forms.DateField(
        label="Day the neighbour agreed", widget=forms.DateInput(attrs={"type": "date"}),
        help_text=f"Today or within the last {CONSENT_MAX_AGE_DAYS} days.")
    consent_statement = forms.CharField(
        label="How they agreed", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="In your words, such as “He signed the paper form at the hub on Monday.”")
    consent_photo = forms.FileField(
        label="Photo of the signed form (optional)", required=False,
        help_text="A JPEG, PNG or WebP photo up to 10 MB, kept with the shop's record for "
                  "our team.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"consent_on": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def clean_consent_photo(self):
        photo = self.cleaned_data["consent_photo"]
        if photo and photo.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("That photo is over 10 MB. Please upload a smaller one.")
        return photo

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "owner_name": data["owner_name"], "owner_phone": data["owner_phone"],
            "owner_email": data["owner_email"],
            "owner_address": {name: data[f"address_{name}"] for name in
                              ("name", "line1", "line2", "city", "state", "postal_code")},
            "shop_name": data["shop_name"], "shop_description": data["shop_description"],
            "consent_on": data["consent_on"], "consent_statement": data["consent_statement"],
            "consent_photo": data["consent_photo"] or None,
        }


class StockForm(forms.Form):
    stock = forms.IntegerField(label="How many there are", min_value=0, max_value=100_000)


class TakeoverForm(forms.Form):
    email = forms.EmailField(
        label="Your e-mail address", max_length=254,
        help_text="You log in with it. Confirm it afterwards from your account page to be "
                  "paid out.")
    password = forms.CharField(label="Choose a password", widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}), max_length=128)


class RevokeForm(forms.Form):
    """Nothing to fill in: the confirmation page's button."""
