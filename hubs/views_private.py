"""Papers with a neighbour's name and signature — the signed consent form, a signed cash
receipt — shown only to staff, never cached, from private storage (hubs/storage.py)."""

from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from moderation.permissions import moderator_required

from .models import CashOut, ManagedShop
from .views_money import settle_staff_required


def _paper(field) -> FileResponse:
    if not field:
        raise Http404("No paper kept for this.")
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404("No paper kept for this.") from None
    response = FileResponse(handle, content_type="image/webp")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _number(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404("No paper kept for this.") from None
    if not 0 < number < 2**31:
        raise Http404("No paper kept for this.")
    return number


@moderator_required
@require_safe
def staff_consent_photo(request, managed_id):
    managed = ManagedShop.objects.filter(pk=_number(managed_id)).first()
    return _paper(managed.consent_photo if managed else None)


@settle_staff_required
@require_safe
def staff_cash_receipt(request, cash_out_id):
    cash_out = CashOut.objects.filter(pk=_number(cash_out_id)).first()
    return _paper(cash_out.receipt if cash_out else None)
