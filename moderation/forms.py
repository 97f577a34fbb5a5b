from decimal import Decimal

from django import forms

from moderation.models import AuditLog, Report
from sellers.models import ScreeningTerm


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label="What is wrong with it?", choices=Report.Reason.choices,
                               widget=forms.RadioSelect)
    details = forms.CharField(label="Details (optional)", required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text="What makes you think so? Staff read every report.")


class StatementForm(forms.Form):
    text = forms.CharField(label="Your side of it", max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 6}),
                           help_text="You can give one statement; it is final.")


class ReplyForm(forms.Form):
    text = forms.CharField(label="Your reply", max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="You can reply once; the reply is public.")


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(choices=[
        ("refund", "Refund the buyer in full"),
        ("release", "Release the payment to the seller"),
        ("partial_refund", "Partial refund (the rest goes to the seller)"),
    ], widget=forms.RadioSelect)
    refund = forms.DecimalField(
        label="Refund (US$, partial only)", required=False, min_value=Decimal("0.01"),
        max_value=1_000_000, decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    note = forms.CharField(label="Note to both sides", required=False, max_length=400)
    override_reason = forms.CharField(
        label="Why decide before the seller's answer?", max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The seller has not answered and 48 hours have not passed. Kept in the "
                  "audit log.",
    )

    def __init__(self, *args, needs_reason: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_reason:
            del self.fields["override_reason"]

    def refund_cents(self) -> int | None:
        """The partial refund in cents (the services speak cents), or None."""
        if self.cleaned_data["outcome"] != "partial_refund":
            return None
        refund = self.cleaned_data.get("refund")
        return None if refund is None else int(refund * 100)


class ScreeningTermForm(forms.Form):
    kind = forms.ChoiceField(choices=ScreeningTerm.Kind.choices)
    term = forms.CharField(max_length=80)
    price_floor = forms.DecimalField(
        label="Price floor (US$, watched brands only)", required=False, min_value=Decimal("0.01"),
        decimal_places=2, widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        help_text="Cheaper listings that name the brand wait for review. Empty: all of them do.",
    )
    note = forms.CharField(required=False, max_length=200)
    is_active = forms.BooleanField(label="Active", required=False, initial=True)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False,
                               choices=[("", "Any action"), *AuditLog.Action.choices])
    object_type = forms.ChoiceField(required=False, label="Object", choices=[
        ("", "Any object"), ("listing", "Listing"), ("shop", "Shop"), ("order", "Order"),
        ("review", "Review"), ("screening_term", "Screening term")])
    object_id = forms.CharField(required=False, max_length=64, label="Object id")
    actor = forms.CharField(required=False, max_length=100, label="Who (e-mail or system)")
    since = forms.DateField(required=False, label="Since",
                            widget=forms.DateInput(attrs={"type": "date"}))
