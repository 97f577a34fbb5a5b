"""The brands pages' forms: they parse; the services check the rules."""

from django import forms

from brands.documents import DOCUMENTS_PER_UPLOAD
from brands.models import Notice, Right, RightsOwner


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [item for item in data if item]
        return [data] if data else []


class ApplyForm(forms.Form):
    kind = forms.ChoiceField(label="You are", choices=RightsOwner.Kind.choices,
                             widget=forms.RadioSelect)
    name = forms.CharField(label="Company or full name", max_length=120)
    contact_email = forms.EmailField(label="Contact e-mail (optional)", required=False,
                                     help_text="Where we write about your notices; empty: "
                                               "your account's address.")
    right_name = forms.CharField(label="Brand or work", max_length=120,
                                 help_text="As buyers see it, e.g. the brand name.")
    basis = forms.ChoiceField(label="What kind of right", choices=Right.Basis.choices,
                              widget=forms.RadioSelect)
    registration_number = forms.CharField(label="Registration number", max_length=64,
                                          required=False,
                                          help_text="For a registered trademark.")
    registration_office = forms.CharField(label="Registered with", max_length=120,
                                          required=False, help_text="For example USPTO.")
    explanation = forms.CharField(label="Explanation", required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text="For a copyright or an unregistered trademark: "
                                            "what it is and how you hold it.")
    documents = MultipleFileField(
        label="Proof", required=False,
        widget=MultipleFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png,"
                                                  "image/webp"}),
        help_text=f"PDF or photo, up to 5 MB each, at most {DOCUMENTS_PER_UPLOAD}. Only our "
                  "team and your own people can open them.")


class NoticeForm(forms.Form):
    right = forms.ChoiceField(label="Your right that is infringed")
    listings = forms.CharField(
        label="Listing numbers", max_length=400,
        help_text="The number in each listing's address (…/listings/123/), separated by "
                  "commas.")
    reason = forms.ChoiceField(label="What is wrong", choices=Notice.Reason.choices,
                               widget=forms.RadioSelect)
    evidence = forms.CharField(label="Evidence", max_length=4000,
                               widget=forms.Textarea(attrs={"rows": 5}),
                               help_text="What shows the listing infringes: how it differs from "
                                         "the genuine goods, where the photos come from…")
    sworn = forms.BooleanField(label="I confirm the statement above", required=False)
    signature_name = forms.CharField(label="Your full name, as a signature", max_length=120)

    def __init__(self, *args, rights=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["right"].choices = [(right.pk, right.name) for right in rights]

    def listing_ids(self) -> list[str]:
        raw = self.cleaned_data.get("listings", "")
        return [part.strip().lstrip("#") for part in raw.replace(" ", ",").split(",")
                if part.strip()]


class AgentForm(forms.Form):
    email = forms.EmailField(label="Their account's e-mail address")


class DecisionForm(forms.Form):
    note = forms.CharField(label="Note (the rights owner and the seller read it)",
                           max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
