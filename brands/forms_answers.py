from django import forms

from brands.services.counter_notices import JURISDICTION_CONSENT


class CounterNoticeForm(forms.Form):
    statement = forms.CharField(
        label="Why the listings do not infringe the owner's right", max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="For example: you made the goods yourself, you bought them from the brand, or "
                  "the photos are your own. The rights owner reads this.")
    evidence = forms.CharField(
        label="Evidence (optional)", required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Receipts, invoices, links to where your photos were first published.")
    consents_to_jurisdiction = forms.BooleanField(label=JURISDICTION_CONSENT, error_messages={
        "required": "Tick the box: a counter-notice needs your consent to the court's "
                    "jurisdiction."})
    signature_name = forms.CharField(
        label="Your full name, as your signature", max_length=120,
        error_messages={"required": "Type your full name as your signature."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text="Typing your name signs this counter-notice under penalty of perjury.")


class NoteForm(forms.Form):
    note = forms.CharField(label="Note", max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))
