"""Listing decisions (approve, reject, take down) and buyers' reports, each audited and told."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from moderation.errors import Conflict, ModerationError, NotFound
from moderation.models import AuditLog, Report
from moderation.services.audit import audit_record
from notifications.services import notify, notify_staff
from sellers import services as sellers_services
from sellers.errors import SellersError
from sellers.models import Listing, Shop

Action = AuditLog.Action
AUTO_HIDE_REPORTERS = 3
AUTO_HIDE_NOTE = "Hidden automatically after reports from {count} different people"
REASON_VALUES = [value for value, _ in Report.Reason.choices]


def call_sellers(service, **kwargs):
    """Run a sellers service, turning its domain errors into ours (same status and text)."""
    try:
        return service(**kwargs)
    except SellersError as exc:
        error = ModerationError(str(exc))
        error.http_status = exc.http_status
        raise error from None


def _listing_locked(listing_id) -> Listing:
    """The listing, locked by sellers until this decision commits."""
    return call_sellers(sellers_services.listing_lock_for_moderation, listing_id=listing_id)


def _seller_told(listing: Listing, kind: str, audit: AuditLog, reason: str = "") -> None:
    context = {"listing_id": listing.pk, "listing_title": listing.title}
    if reason:
        context["reason"] = reason
    notify(recipient=listing.shop.owner, kind=kind, context=context,
           dedupe_key=f"moderation:{audit.pk}", url=reverse("sell-listing-edit", args=[listing.pk]))


def listing_approve(*, listing_id, actor) -> Listing:
    """A held listing goes live; the audit row keeps why it was held."""
    with transaction.atomic():
        listing = _listing_locked(listing_id)
        before, held_for = listing.status, listing.review_reason
        call_sellers(sellers_services.listing_approve, listing_id=listing.pk)
        listing.refresh_from_db(fields=["status", "review_reason", "approved_at"])
        audit = audit_record(actor=actor, action=Action.LISTING_APPROVED, object_type="listing",
                             object_id=listing.pk, object_repr=listing.title,
                             reason=f"Approved. It was held because: {held_for}" if held_for
                             else "Approved.", status_before=before, status_after=listing.status)
        _seller_told(listing, "listing_approved", audit)
    return listing


def listings_approve_many(*, listing_ids, actor) -> tuple[list[Listing], list[str]]:
    """Approve each listing on its own; return those approved and a message per failure."""
    approved, problems = [], []
    for listing_id in sorted({int(pk) for pk in listing_ids}):
        try:
            approved.append(listing_approve(listing_id=listing_id, actor=actor))
        except ModerationError as exc:
            problems.append(f"#{listing_id}: {exc}")
    return approved, problems


def listing_reject(*, listing_id, actor, reason: str) -> Listing:
    """Decline a held listing, telling the seller why."""
    with transaction.atomic():
        listing = _listing_locked(listing_id)
        before = listing.status
        call_sellers(sellers_services.listing_reject, listing_id=listing.pk, reason=reason)
        listing.refresh_from_db(fields=["status", "review_reason"])
        audit = audit_record(actor=actor, action=Action.LISTING_REJECTED, object_type="listing",
                             object_id=listing.pk, object_repr=listing.title,
                             reason=listing.review_reason, status_before=before,
                             status_after=listing.status)
        _seller_told(listing, "listing_rejected", audit, listing.review_reason)
    return listing


def _take_down(listing: Listing, *, actor, reason: str) -> AuditLog:
    before = listing.status
    call_sellers(sellers_services.listing_take_down, listing_id=listing.pk, reason=reason)
    listing.refresh_from_db(fields=["status", "review_reason"])
    audit = audit_record(actor=actor, action=Action.LISTING_TAKEN_DOWN, object_type="listing",
                         object_id=listing.pk, object_repr=listing.title,
                         reason=listing.review_reason, status_before=before,
                         status_after=listing.status)
    _seller_told(listing, "listing_taken_down", audit, listing.review_reason)
    return audit


def listing_take_down(*, listing_id, actor, reason: str) -> Listing:
    """Remove a live or held listing from sale; its open reports count as acted on."""
    with transaction.atomic():
        listing = _listing_locked(listing_id)
        _take_down(listing, actor=actor, reason=reason)
        _reports_close(listing, actor=actor, status=Report.Status.ACTIONED,
                       note=listing.review_reason)
    return listing


def _reports_close(listing: Listing, *, actor, status: str, note: str) -> int:
    """Close the listing's open reports and tell each reporter what was decided."""
    reports = list(
        Report.objects.filter(listing=listing, status=Report.Status.OPEN).select_related(
            "reporter")
    )
    Report.objects.filter(pk__in=[report.pk for report in reports]).update(
        status=status, resolved_by=actor, resolved_at=timezone.now(),
        resolution_note=note[:2000],
    )
    outcome = ("took the listing down" if status == Report.Status.ACTIONED
               else "found nothing against our rules, so it stays up")
    for report in reports:
        notify(recipient=report.reporter, kind="report_resolved", url=reverse("notifications"),
               dedupe_key=f"report_resolved:{report.pk}",
               context={"listing_title": listing.title, "outcome": outcome})
    return len(reports)


def report_create(*, listing_id, reporter, reason: str, details: str = "") -> Report:
    """Report a public listing, once per person; the third distinct reporter hides it."""
    reason = str(reason or "").strip()
    details = str(details or "").strip()
    errors = {}
    if reason not in REASON_VALUES:
        errors["reason"] = [f"Choose one of: {', '.join(REASON_VALUES)}."]
    if len(details) > 2000:
        errors["details"] = [f"Keep the details to 2,000 characters (this has {len(details)})."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        listing = _listing_locked(listing_id)
        if listing.status != Listing.Status.ACTIVE or listing.shop.status != Shop.Status.ACTIVE:
            raise NotFound("No listing with that number.")
        if listing.shop.owner_id == reporter.pk:
            raise ModerationError("You cannot report your own listing.")
        if Report.objects.filter(listing=listing, reporter_id=reporter.pk).exists():
            raise Conflict("You have already reported this listing. Thank you: our team "
                           "will look at it.")
        try:
            with transaction.atomic():
                report = Report.objects.create(listing=listing, reporter=reporter,
                                               reason=reason, details=details)
        except IntegrityError:
            raise Conflict("You have already reported this listing.") from None
        _hide_if_reported_enough(listing)
        notify_staff(kind="staff_new_report", permission="moderation.moderate",
                     context={"listing_id": listing.pk, "listing_title": listing.title,
                              "reason": report.get_reason_display()},
                     dedupe_key=f"report:{report.pk}", url=reverse("staff-reports"))
    return report


def _hide_if_reported_enough(listing: Listing) -> None:
    """Called under the listing's lock, so two last reports cannot both hide it."""
    reports = Report.objects.filter(listing=listing, status=Report.Status.OPEN)
    reporters = reports.values("reporter_id").distinct().count()
    if reporters < AUTO_HIDE_REPORTERS or listing.status != Listing.Status.ACTIVE:
        return
    reasons = sorted(set(reports.values_list("reason", flat=True)))
    note = f"{AUTO_HIDE_NOTE.format(count=reporters)} ({', '.join(reasons)})."
    call_sellers(sellers_services.listing_hold_for_review, listing_id=listing.pk,
                 hold=Listing.HoldReason.REPORTED, reason=note)
    audit_record(actor=None, action=Action.AUTOMATIC_HIDE, object_type="listing",
                 object_id=listing.pk, object_repr=listing.title, reason=note,
                 status_before=Listing.Status.ACTIVE, status_after=Listing.Status.PENDING_REVIEW)


def report_resolve(*, report_id, actor, action: str, note: str = "") -> Report:
    """Decide on a reported listing: dismiss (back on sale if it was hidden) or take it down.

    The decision is about the listing, so it closes every open report on it.
    """
    if action not in ("dismiss", "take_down"):
        raise ValidationError({"action": ['Choose "dismiss" or "take_down".']})
    note = str(note or "").strip()
    try:
        found = Report.objects.filter(pk=int(report_id)).values_list("listing_id", flat=True)
    except (TypeError, ValueError):
        raise NotFound("No report with that number.") from None
    if not found:
        raise NotFound("No report with that number.")
    with transaction.atomic():
        listing = _listing_locked(found[0])
        report = Report.objects.select_for_update().get(pk=int(report_id))
        if report.status != Report.Status.OPEN:
            raise Conflict(f"This report was already resolved ({report.status}).")
        open_reasons = sorted(set(
            Report.objects.filter(listing=listing, status=Report.Status.OPEN)
            .values_list("reason", flat=True)
        ))
        if action == "take_down":
            reason = note or f"Taken down after reports ({', '.join(open_reasons)})."
            _take_down(listing, actor=actor, reason=reason)
            _reports_close(listing, actor=actor, status=Report.Status.ACTIONED, note=reason)
        else:
            before = listing.status
            if (listing.status == Listing.Status.PENDING_REVIEW
                    and listing.hold_reason == Listing.HoldReason.REPORTED):
                call_sellers(sellers_services.listing_approve, listing_id=listing.pk)
                listing.refresh_from_db(fields=["status"])
            count = _reports_close(listing, actor=actor, status=Report.Status.DISMISSED,
                                   note=note)
            audit_record(actor=actor, action=Action.REPORT_DISMISSED, object_type="listing",
                         object_id=listing.pk, object_repr=listing.title,
                         reason=note or f"{count} report(s) dismissed ({', '.join(open_reasons)}).",
                         status_before=before, status_after=listing.status)
        report.refresh_from_db()
    return report
