"""The hub pages' forms: they parse; the services check the rules."""

from django import forms

from sellers.models import Village
from sellers.us_states import STATE_CHOICES

from .models import MAX_HUB_COMMISSION_BPS
from .services.agents import STATEMENT_MAX


class ApplyForm(forms.Form):
    statement = forms.CharField(
        label="About you", max_length=STATEMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Who you are, your tie to the village and the hub, and how you would help "
                  "neighbours sell. Staff read it before they decide.")


class HubForm(forms.Form):
    village = forms.ModelChoiceField(label="Village", queryset=Village.objects.none(),
                                     empty_label="Choose the village")
    name = forms.CharField(label="Name", max_length=100,
                           help_text="As people know the place, e.g. Decorah Feed & Hub.")
    line1 = forms.CharField(label="Street address", max_length=120)
    line2 = forms.CharField(label="Address line 2 (optional)", max_length=120, required=False)
    city = forms.CharField(label="Town", max_length=80)
    state = forms.ChoiceField(label="State", choices=[("", "Choose")] + list(STATE_CHOICES))
    postal_code = forms.CharField(label="ZIP code", max_length=10)
    phone = forms.CharField(label="Phone", max_length=25,
                            widget=forms.TextInput(attrs={"type": "tel",
                                                          "autocomplete": "off"}),
                            help_text="With the area code, e.g. (563) 555-0142.")
    opening_hours = forms.CharField(label="Opening hours", max_length=300,
                                    help_text="As people read them: Mon–Fri 8 am–5:30 pm, "
                                              "Sat 8 am–noon.")
    commission_bps = forms.IntegerField(
        label="Commission (basis points)", min_value=0, max_value=MAX_HUB_COMMISSION_BPS,
        initial=0, help_text="Kept from each sale of a shop the hub runs: 100 basis points "
                             "are 1 %, at most 1,000 (10 %).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = Village.objects.order_by("state", "name")


class HubChangeForm(forms.Form):
    commission_bps = forms.IntegerField(
        label="Commission (basis points)", min_value=0, max_value=MAX_HUB_COMMISSION_BPS,
        help_text="100 basis points are 1 %; at most 1,000 (10 %).")
    note = forms.CharField(label="Note (optional)", max_length=2000, required=False)


class DecisionForm(forms.Form):
    note = forms.CharField(label="Note (the applicant reads it)", max_length=2000,
                           required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RemoveForm(forms.Form):
    note = forms.CharField(label="Why (the agent and the owners they helped read it)",
                           max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
