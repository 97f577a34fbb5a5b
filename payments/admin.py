"""Staff views of money: read-only records, reconciliation issues, manual payouts and CSV.

Every record is read-only here. The three acts on money (mark a manual payout paid, export
what is owed, resolve a reconciliation issue) call the payments services and need the
`payments.manage_payouts` permission: plain `is_staff` may look, not act.
"""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse

from staffguard import fresh_code_required
from staffguard.admin import PermissionActionsMixin, ReadOnlyAdmin

from .errors import PaymentsError
from .models import (
    Escrow,
    GatewayCall,
    JournalEntry,
    JournalLine,
    PaymentIntent,
    Payout,
    PayoutAccount,
    ReconciliationIssue,
    Refund,
    WebhookEvent,
)
from .permissions import PERMISSION, payouts_manager_required
from .services import issue_resolve, payout_mark_paid, payouts_owed_csv


class JournalLineInline(admin.TabularInline):
    model = JournalLine
    fields = ["account", "amount_cents", "currency"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "reference", "shop", "memo", "created"]
    list_filter = ["kind"]
    search_fields = ["reference", "key", "memo"]
    list_select_related = ["shop"]
    inlines = [JournalLineInline]


@admin.register(PaymentIntent)
class PaymentIntentAdmin(ReadOnlyAdmin):
    list_display = ["reference", "stripe_id", "amount_cents", "currency", "status", "created"]
    list_filter = ["status"]
    search_fields = ["reference", "stripe_id", "idempotency_key"]


@admin.register(Escrow)
class EscrowAdmin(ReadOnlyAdmin):
    list_display = ["reference", "shop", "amount_cents", "currency", "status", "created"]
    list_filter = ["status"]
    search_fields = ["reference", "shop__name"]
    list_select_related = ["shop"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["idempotency_key", "escrow", "amount_cents", "status", "stripe_id", "created"]
    list_filter = ["status"]
    search_fields = ["idempotency_key", "stripe_id", "escrow__reference"]
    list_select_related = ["escrow"]


@admin.register(GatewayCall)
class GatewayCallAdmin(ReadOnlyAdmin):
    list_display = ["operation", "idempotency_key", "status", "attempts", "stripe_object_id",
                    "created"]
    list_filter = ["status", "operation"]
    search_fields = ["idempotency_key", "reference", "stripe_object_id"]


@admin.register(PayoutAccount)
class PayoutAccountAdmin(ReadOnlyAdmin):
    """What Stripe last told us about each shop's Connect account (Stripe owns the truth)."""

    list_display = ["shop", "stripe_account_id", "status", "payouts_enabled", "charges_enabled",
                    "synced_at"]
    list_filter = ["status", "payouts_enabled"]
    search_fields = ["stripe_account_id", "shop__name", "shop__slug", "shop__owner__email"]
    list_select_related = ["shop"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "object_id", "status", "created"]
    list_filter = ["status", "type"]
    search_fields = ["event_id", "object_id"]


class ManagePayoutsMixin(PermissionActionsMixin):
    """Holders of `payments.manage_payouts` see these records and may run their actions."""

    acting_permission = PERMISSION
    refusal = "Only staff who manage payouts may do this."

    def has_manage_payouts_permission(self, request):
        return self.may_act(request)


@admin.register(ReconciliationIssue)
class ReconciliationIssueAdmin(ManagePayoutsMixin, ReadOnlyAdmin):
    list_display = ["kind", "subject", "detail", "is_resolved", "created", "resolved_by"]
    list_filter = ["is_resolved", "kind"]
    search_fields = ["subject", "detail"]
    actions = ["resolve"]

    @admin.action(description="Mark the selected issues resolved", permissions=["manage_payouts"])
    def resolve(self, request, queryset):
        for issue in queryset.filter(is_resolved=False):
            issue_resolve(issue=issue, actor=request.user)
        self.message_user(request, "Resolved.")


class MarkPaidForm(forms.Form):
    bank_reference = forms.CharField(max_length=120, label="Bank transfer reference")


@payouts_manager_required
@fresh_code_required
def payout_mark_paid_view(request, payout_id):
    """Record that a manual payout was paid by bank transfer (staff with manage_payouts)."""
    payout = get_object_or_404(Payout.objects.select_related("shop"), pk=payout_id)
    form = MarkPaidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            payout_mark_paid(payout=payout, actor=request.user,
                             bank_reference=form.cleaned_data["bank_reference"])
        except PaymentsError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Payout {payout.pk} marked paid.")
            return redirect(reverse("admin:payments_payout_changelist"))
    return render(request, "payments/admin_mark_paid.html",
                  {"form": form, "payout": payout, "title": f"Mark payout {payout.pk} paid",
                   **admin.site.each_context(request)})


@admin.register(Payout)
class PayoutAdmin(ManagePayoutsMixin, ReadOnlyAdmin):
    list_display = ["id", "shop", "amount_cents", "currency", "method", "status",
                    "provider_ref", "created", "paid_at"]
    list_filter = ["status", "method"]
    search_fields = ["shop__name", "shop__slug", "provider_ref"]
    list_select_related = ["shop", "shop__owner"]
    actions = ["export_owed_csv"]

    @admin.action(description="Export the selected manual payouts still owed as CSV",
                  permissions=["manage_payouts"])
    def export_owed_csv(self, request, queryset):
        owed = queryset.filter(method=Payout.Method.MANUAL, status=Payout.Status.PENDING)
        response = HttpResponse(
            payouts_owed_csv(payouts=owed.select_related("shop", "shop__owner").order_by("pk")),
            content_type="text/csv",
        )
        response["Content-Disposition"] = 'attachment; filename="payouts-owed.csv"'
        return response

    def get_urls(self):
        return [
            path("<int:payout_id>/mark-paid/", self.admin_site.admin_view(payout_mark_paid_view),
                 name="payments_payout_mark_paid"),
            *super().get_urls(),
        ]
