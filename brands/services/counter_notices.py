"""The seller's answer to a notice (a counter-notice) and what follows it.

After a take-down the seller may file one counter-notice within 14 days (COUNTER_NOTICE_DAYS);
the owner is told and has 10 business days (ACTION_BUSINESS_DAYS) to report that they filed a
court action, which keeps the listings down; otherwise the job `brands-restore-answered` puts
the listings back on sale (notice status "restored"), audited in moderation's log, both sides
told. Staff may decide earlier either way with the notice decision (`notice_decide`: uphold
keeps them down with a strike, reverse puts them back).

Locks: the notice first, then its listings (through notice_listings_restore), as in notices.py.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from brands.deadlines import ACTION_BUSINESS_DAYS, business_days_after, counter_notice_deadline
from brands.errors import Conflict, NotFound
from brands.models import CounterNotice, Notice
from brands.selectors import notice_for_owner_people, notice_for_seller
from brands.services.notices import notice_listings_restore
from jobs.services import JobRun
from moderation.models import AuditLog
from moderation.services.audit import audit_record
from notifications.services import notify
from sellers.selectors import shop_of_user_or_none

Action = AuditLog.Action
RESTORE_JOB = "brands-restore-answered"
JURISDICTION_CONSENT = (
    "I consent to the jurisdiction of the federal district court for the district where my "
    "address is (or, if my address is outside the United States, any district where Taobao "
    "Village US may be found), and I will accept service of process from the rights owner who "
    "filed the notice, or their agent."
)


def _day(moment) -> str:
    """A date as people read it, in the reader's time zone: "December 14, 2026"."""
    return date_format(timezone.localtime(moment), "F j, Y")


def notice_answer_deadline(notice: Notice):
    """The last moment the seller may answer: 14 days after its listings went down."""
    times = [item.taken_down_at for item in notice.items.all()]
    return counter_notice_deadline(min(times) if times else notice.created)


def _locked(notice: Notice) -> Notice:
    return (Notice.objects.select_for_update(of=("self",))
            .select_related("owner__applicant", "filed_by").get(pk=notice.pk))


def _owner_people(notice: Notice) -> list:
    """Who hears about a notice on the owner's side: the applicant and whoever filed it."""
    people = {notice.owner.applicant_id: notice.owner.applicant,
              notice.filed_by_id: notice.filed_by}
    return [people[pk] for pk in sorted(people)]


def _shop_owners(notice: Notice) -> list:
    owners = {item.shop.owner_id: item.shop.owner
              for item in notice.items.select_related("shop__owner")}
    return [owners[pk] for pk in sorted(owners)]


def _undecided(notice: Notice) -> None:
    if notice.status != Notice.Status.OPEN:
        raise Conflict(f"Notice #{notice.pk} is already decided "
                       f"({notice.get_status_display().lower()}).")


def _clean_answer(*, statement, evidence, consents_to_jurisdiction, signature_name) -> dict:
    statement, evidence = str(statement or "").strip(), str(evidence or "").strip()
    signature_name = str(signature_name or "").strip()
    errors = {}
    if not statement:
        errors["statement"] = ["Say why the listings do not infringe the owner's right."]
    elif len(statement) > 4000:
        errors["statement"] = [f"Keep it to 4,000 characters (this has {len(statement)})."]
    if len(evidence) > 4000:
        errors["evidence"] = [f"Keep it to 4,000 characters (this has {len(evidence)})."]
    if consents_to_jurisdiction is not True:
        errors["consents_to_jurisdiction"] = [
            "Tick the box: a counter-notice needs your consent to the court's jurisdiction."]
    if not signature_name:
        errors["signature_name"] = ["Type your full name as your signature."]
    elif len(signature_name) > 120:
        errors["signature_name"] = ["Keep your name to 120 characters."]
    if errors:
        raise ValidationError(errors)
    return {"statement": statement, "evidence": evidence, "signature_name": signature_name}


def counter_notice_file(
    *, notice_id, user, statement: str, evidence: str = "", consents_to_jurisdiction,
    signature_name: str,
) -> CounterNotice:
    """The seller's one sworn answer to a notice, within 14 days of the take-down."""
    values = _clean_answer(statement=statement, evidence=evidence,
                           consents_to_jurisdiction=consents_to_jurisdiction,
                           signature_name=signature_name)
    with transaction.atomic():
        notice = _locked(notice_for_seller(notice_id=notice_id,
                                           shop=shop_of_user_or_none(user=user)))
        existing = CounterNotice.objects.filter(notice=notice).first()
        if existing is not None:
            raise Conflict(f"This notice was already answered on {_day(existing.signed_at)}; "
                           "a notice has one answer.")
        _undecided(notice)
        now, deadline = timezone.now(), notice_answer_deadline(notice)
        if now > deadline:
            raise Conflict(f"The time to answer this notice ended on {_day(deadline)}.")
        try:
            with transaction.atomic():
                answer = CounterNotice.objects.create(
                    notice=notice, filed_by=user, consents_to_jurisdiction=True, signed_at=now,
                    action_due_at=business_days_after(now, ACTION_BUSINESS_DAYS), **values)
        except IntegrityError:
            raise Conflict("This notice was already answered; a notice has one answer.") from None
        for person in _owner_people(notice):
            notify(recipient=person, kind="counter_notice_received",
                   context={"notice_id": notice.pk, "action_due_at": answer.action_due_at},
                   dedupe_key=f"counter_notice:{answer.pk}:{person.pk}",
                   url=reverse("brands-notice", args=[notice.pk]))
    return answer


def notice_action_report(*, notice_id, user) -> CounterNotice:
    """The owner says they filed a court action against the seller: the listings stay down."""
    with transaction.atomic():
        notice = _locked(notice_for_owner_people(notice_id=notice_id, user=user))
        answer = CounterNotice.objects.filter(notice=notice).first()
        if answer is None:
            raise Conflict("The seller has not answered this notice: there is nothing to "
                           "report yet.")
        if answer.action_filed_at is not None:
            raise Conflict(f"A court action was already reported on "
                           f"{_day(answer.action_filed_at)}.")
        _undecided(notice)
        if timezone.now() > answer.action_due_at:
            raise Conflict(f"The time to report a court action ended on "
                           f"{_day(answer.action_due_at)}.")
        answer.action_filed_at = timezone.now()
        answer.save(update_fields=["action_filed_at"])
        for seller in _shop_owners(notice):
            notify(recipient=seller, kind="notice_action_reported",
                   context={"notice_id": notice.pk},
                   dedupe_key=f"notice_action:{answer.pk}:{seller.pk}",
                   url=reverse("brands-counter-notice", args=[notice.pk]))
    return answer


def notice_restore_after_answer(*, notice_id) -> Notice | None:
    """The owner reported no court action in time: the listings return (the job's one item).

    Checked again under the notice's lock, so a report, a withdrawal or a staff decision that
    commits first wins and this does nothing (returns None).
    """
    now = timezone.now()
    with transaction.atomic():
        notice = (Notice.objects.select_for_update(of=("self",))
                  .select_related("owner__applicant", "filed_by").filter(pk=notice_id).first())
        if notice is None:
            raise NotFound("No notice with that number.")
        answer = CounterNotice.objects.filter(notice=notice).first()
        if (notice.status != Notice.Status.OPEN or answer is None
                or answer.action_filed_at is not None or answer.action_due_at > now):
            return None
        restored = notice_listings_restore(notice=notice, now=now)
        why = (f"the seller answered the notice and the rights owner did not report a court "
               f"action by {_day(answer.action_due_at)}.")
        before = notice.status
        notice.status, notice.decided_at = Notice.Status.RESTORED, now
        notice.decision_note = why[0].upper() + why[1:]
        notice.save(update_fields=["status", "decided_at", "decision_note", "updated"])
        numbers = ", ".join(f"#{item.listing_id}" for item in restored) or "none"
        audit_record(actor=None, action=Action.NOTICE_RESTORED, object_type="notice",
                     object_id=notice.pk, object_repr=str(notice),
                     reason=f"{notice.decision_note} Listings back on sale: {numbers}.",
                     status_before=before, status_after=notice.status)
        for person in _owner_people(notice):
            notify(recipient=person, kind="notice_listings_restored",
                   context={"notice_id": notice.pk, "why": why},
                   dedupe_key=f"notice_restored:{notice.pk}:{person.pk}",
                   url=reverse("brands-notice", args=[notice.pk]))
        for seller in _shop_owners(notice):
            notify(recipient=seller, kind="notice_listings_restored",
                   context={"notice_id": notice.pk, "why": why},
                   dedupe_key=f"notice_restored:{notice.pk}:{seller.pk}",
                   url=reverse("brands-counter-notice", args=[notice.pk]))
    return notice


def counter_notices_due() -> list[int]:
    """Answered notices still open whose owner reported no court action by the deadline."""
    return list(CounterNotice.objects
                .filter(action_due_at__lte=timezone.now(), action_filed_at__isnull=True,
                        notice__status=Notice.Status.OPEN)
                .order_by("action_due_at", "notice_id").values_list("notice_id", flat=True))


def counter_notices_restore_due() -> int:
    """The periodic job: each due notice on its own (JobRun); return how many were restored."""
    run = JobRun(RESTORE_JOB)
    restored = 0
    for notice_id in counter_notices_due():
        result = run.item(f"notice:{notice_id}",
                          lambda notice_id=notice_id: notice_restore_after_answer(
                              notice_id=notice_id))
        restored += bool(result.ok and result.value is not None)
    run.finish()
    return restored
