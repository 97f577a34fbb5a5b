"""Page forms of the seller dashboard; the services check every rule again."""

from decimal import Decimal

from django import forms

from .images import MAX_UPLOAD_BYTES
from .models import Category
from .us_states import STATE_CHOICES

PHOTO_HELP = "A JPEG, PNG or WebP photo up to 10 MB. The first photo is the cover."


class ShopForm(forms.Form):
    name = forms.CharField(label="Shop name", max_length=80,
                           help_text="What buyers see, such as “Driftless Bee Farm”.")
    description = forms.CharField(
        label="About your shop", max_length=4000, required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Who you are and what you make. Plain text; line breaks are kept.",
    )
    village_name = forms.CharField(label="Your town", max_length=80)
    village_county = forms.CharField(label="County", max_length=80, required=False)
    village_state = forms.ChoiceField(label="State", choices=[("", "Choose…"), *STATE_CHOICES])


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class ListingForm(forms.Form):
    title = forms.CharField(label="Title", max_length=120,
                            help_text="Say what it is, such as “Raw wildflower honey, 1 lb jar”.")
    description = forms.CharField(
        label="Description", max_length=5000, required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Size, materials, how it is made. Plain text; line breaks are kept.",
    )
    category = CategoryChoiceField(
        label="Category", queryset=Category.objects.none(), to_field_name="slug",
        empty_label="Choose…",
    )
    price = forms.DecimalField(
        label="Price (US$)", min_value=Decimal("0.01"), max_value=100_000, decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal",
                                        "aria-describedby": "price-receive"}),
    )
    stock = forms.IntegerField(label="How many you have", min_value=0, max_value=100_000)
    shipping = forms.DecimalField(
        label="Shipping (US$)", min_value=0, max_value=10_000, decimal_places=2, initial=0,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        help_text="0 for free shipping.",
    )
    local_pickup = forms.BooleanField(label="Buyers may pick it up in person", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.select_related("parent").order_by(
            "parent__position", "parent__name", "position", "name"
        )

    def price_cents_shown(self) -> int | None:
        """The price in the form as whole cents (what was typed, else the saved one); None."""
        raw = self.data.get("price") if self.is_bound else self.initial.get("price")
        try:
            cents = (Decimal(str(raw).strip().lstrip("$").replace(",", "")) * 100)
        except (ArithmeticError, ValueError):
            return None
        if not cents.is_finite() or cents <= 0 or cents > 10_000_000:
            return None
        return int(cents.to_integral_value())

    def service_values(self) -> dict:
        """The cleaned form as the listing service's keyword arguments (money in cents)."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "category": data["category"],
            "price_cents": int(data["price"] * 100),
            "stock": data["stock"],
            "shipping_cents": int(data["shipping"] * 100),
            "local_pickup": data["local_pickup"],
        }


class ListingCreateForm(ListingForm):
    photo = forms.FileField(
        label="Cover photo", required=False, help_text=PHOTO_HELP + " You can add more later.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


# Form field names that differ from the service's.
LISTING_FIELD_NAMES = {"price_cents": "price", "shipping_cents": "shipping"}


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label="Add a photo", help_text=PHOTO_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def clean_photo(self):
        photo = self.cleaned_data["photo"]
        if photo.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("That photo is over 10 MB. Please upload a smaller one.")
        return photo


class PreorderForm(forms.Form):
    """A pre-order's promise; the service checks the dates and bounds again."""

    ships_by = forms.DateField(
        label="Promised ship date", widget=forms.DateInput(attrs={"type": "date"}),
        help_text="After today, at most 120 days ahead. Buyers get their money back if it "
                  "has not shipped by then.",
    )
    stock = forms.IntegerField(label="How many you plan to sell", min_value=1,
                               max_value=100_000, help_text="Your planned harvest.")
    deposit_percent = forms.IntegerField(
        label="Share paid at checkout (%)", min_value=20, max_value=100, initial=100,
        help_text="20 to 100. Below 100, buyers pay the rest when you mark the order ready "
                  "to ship.",
    )


PREORDER_FIELD_NAMES = {"deposit_bps": "deposit_percent"}
