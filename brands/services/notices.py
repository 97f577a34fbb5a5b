"""Notices: filed by a verified owner's people, taking listings down at once; decided by staff
(upheld → a strike on the shop; 3 active strikes suspend it), or withdrawn by the owner.

Order of locks in every action here: the notice, then its listings by id (sellers locks them),
then the shop (moderation's suspension). Each action is one transaction with its audit rows
and notifications.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from brands.errors import BrandsError, Conflict, NotAllowed, NotFound
from brands.models import STRIKE_LIFETIME, Notice, NoticeListing, RightsOwner, Strike
from brands.selectors import owner_acting_for
from marketplace.ratelimit import rate_limit_take
from moderation.models import AuditLog
from moderation.permissions import PERMISSION as MODERATE
from moderation.services.audit import audit_record
from moderation.services.shops import shop_suspend
from notifications.services import notify, notify_staff
from sellers import services as sellers_services
from sellers.errors import SellersError
from sellers.models import Listing, Shop

Action = AuditLog.Action
MAX_LISTINGS_PER_NOTICE = 20
STRIKES_TO_SUSPEND = 3
MAX_ID = 2**31 - 1
SWORN_STATEMENT = (
    "I have a good-faith belief that the use of the material described above is not "
    "authorised by the rights owner, its agent or the law. The information in this notice is "
    "accurate, and I am the rights owner or authorised to act for them."
)
# What the seller and the owner read when a notice ends, by its final status.
OUTCOME_WORDS = {
    Notice.Status.UPHELD: "upheld by our team: the listings stay down and the shop has a strike",
    Notice.Status.REVERSED: "reversed by our team: the listings are back on sale",
    Notice.Status.WITHDRAWN: "withdrawn by the rights owner: the listings are back on sale",
    Notice.Status.RESTORED: "closed after the seller's answer: the rights owner reported no "
                            "court action in time, so the listings are back on sale",
}
# How a suspension for repeat infringement starts in the shop's reason and its audit row: the
# transparency figures count these.
REPEAT_INFRINGEMENT = "Repeat infringement:"


def _sellers(service, **kwargs):
    try:
        return service(**kwargs)
    except SellersError as exc:
        error = Conflict(str(exc)) if exc.http_status == 409 else BrandsError(str(exc))
        error.http_status = exc.http_status
        raise error from None


def _listing_ids(raw) -> list[int]:
    if isinstance(raw, (str, int)):
        raw = [raw]
    try:
        ids = sorted({int(value) for value in raw or []})
    except (TypeError, ValueError):
        raise ValidationError({"listings": ["Give listing numbers."]}) from None
    if not ids:
        raise ValidationError({"listings": ["Name at least one listing."]})
    if any(pk < 1 or pk > MAX_ID for pk in ids):
        raise NotFound("No listing with that number.")
    if len(ids) > MAX_LISTINGS_PER_NOTICE:
        raise ValidationError({"listings": [
            f"A notice covers at most {MAX_LISTINGS_PER_NOTICE} listings; file another one."]})
    return ids


def _filer_owner(actor) -> RightsOwner:
    owner = owner_acting_for(user=actor)
    if owner is None or not owner.is_verified:
        raise NotAllowed("Only verified rights owners and the people acting for them file "
                         "notices.")
    if owner.filing_suspended:
        raise NotAllowed("This rights owner may not file notices at the moment. Contact us.")
    return owner


def notice_file(*, actor, right_id, listing_ids, reason, evidence, sworn, signature_name
                ) -> Notice:
    """File a sworn notice: its listings are taken down at once, the sellers and staff told."""
    owner = _filer_owner(actor)
    ids = _listing_ids(listing_ids)
    errors = {}
    right = (owner.rights.filter(pk=int(right_id)).first()
             if str(right_id).isdigit() and 0 < int(right_id) <= MAX_ID else None)
    if right is None:
        errors["right"] = ["Choose one of your rights."]
    reason = str(reason or "").strip()
    if reason not in Notice.Reason.values:
        errors["reason"] = ["Choose what is wrong: counterfeit, trademark misuse, copied photos "
                            "or copied design."]
    evidence = str(evidence or "").strip()
    if not evidence:
        errors["evidence"] = ["Describe the evidence: what shows the listing infringes."]
    elif len(evidence) > 4000:
        errors["evidence"] = [f"Keep the evidence to 4,000 characters (this has "
                              f"{len(evidence)})."]
    if sworn is not True:
        errors["sworn"] = ["Confirm the statement: a notice is filed under it."]
    signature_name = str(signature_name or "").strip()[:120]
    if len(signature_name) < 3:
        errors["signature_name"] = ["Type your full name as your signature."]
    if errors:
        raise ValidationError(errors)
    rate_limit_take(scope="notice", who=f"rights_owner:{owner.pk}")
    now = timezone.now()
    with transaction.atomic():
        listings = [_sellers(sellers_services.listing_lock_for_moderation, listing_id=pk)
                    for pk in ids]
        for listing in listings:
            if listing.status == Listing.Status.TAKEN_DOWN:
                raise Conflict(f"“{listing.title}” (#{listing.pk}) is already taken down.")
            if listing.status != Listing.Status.ACTIVE:
                raise Conflict(f"“{listing.title}” (#{listing.pk}) is not on sale.")
            if listing.shop.owner_id == actor.pk:
                raise ValidationError({"listings": ["You cannot file a notice against your own "
                                                    "shop."]})
        notice = Notice.objects.create(
            owner=owner, filed_by=actor, right=right, reason=reason, evidence=evidence,
            sworn_statement=SWORN_STATEMENT, signature_name=signature_name, sworn_at=now)
        reason_words = notice.get_reason_display()
        for listing in listings:
            why = (f"Rights notice #{notice.pk} from {owner.name}: {reason_words.lower()} of "
                   f"“{right.name}”.")
            _sellers(sellers_services.listing_take_down, listing_id=listing.pk, reason=why)
            NoticeListing.objects.create(notice=notice, listing=listing, shop=listing.shop,
                                         listing_title=listing.title, taken_down_at=now)
            audit_record(actor=actor, action=Action.NOTICE_TAKEDOWN, object_type="listing",
                         object_id=listing.pk, object_repr=listing.title, reason=why,
                         status_before=Listing.Status.ACTIVE,
                         status_after=Listing.Status.TAKEN_DOWN)
            notify(recipient=listing.shop.owner, kind="notice_takedown",
                   context={"notice_id": notice.pk, "listing_title": listing.title,
                            "owner_name": owner.name, "right_name": right.name,
                            "reason": reason_words},
                   dedupe_key=f"notice:{notice.pk}:takedown:{listing.pk}",
                   url=reverse("seller-notices"))
        notify_staff(kind="staff_new_notice",
                     context={"notice_id": notice.pk, "owner_name": owner.name,
                              "right_name": right.name, "reason": reason_words},
                     dedupe_key=f"notice:{notice.pk}:filed",
                     url=reverse("staff-brand-notice", args=[notice.pk]), permission=MODERATE)
    return notice


def _notice_locked(notice_id) -> Notice:
    try:
        pk = int(notice_id)
    except (TypeError, ValueError):
        raise NotFound("No notice with that number.") from None
    notice = (Notice.objects.select_for_update(of=("self",))
              .select_related("owner", "owner__applicant", "right").filter(pk=pk).first())
    if notice is None:
        raise NotFound("No notice with that number.")
    return notice


def notice_listings_restore(*, notice: Notice, now) -> list[NoticeListing]:
    """Put back on sale the notice's listings still down because of it (none held down by
    another open or upheld notice); return the rows restored. Call inside the caller's
    transaction, with the notice locked."""
    restored = []
    items = list(notice.items.filter(restored_at__isnull=True).order_by("listing_id"))
    for item in items:
        held_elsewhere = NoticeListing.objects.filter(
            listing_id=item.listing_id, restored_at__isnull=True,
            notice__status__in=[Notice.Status.OPEN, Notice.Status.UPHELD],
        ).exclude(notice_id=notice.pk).exists()
        listing = _sellers(sellers_services.listing_lock_for_moderation,
                           listing_id=item.listing_id)
        if held_elsewhere or listing.status != Listing.Status.TAKEN_DOWN:
            continue  # archived by its seller meanwhile, or still covered by another notice
        _sellers(sellers_services.listing_restore, listing_id=listing.pk)
        item.restored_at = now
        item.save(update_fields=["restored_at"])
        restored.append(item)
    return restored


def strikes_remove(*, notice: Notice, now) -> int:
    """Cancel the notice's strikes (withdrawn or reversed)."""
    return Strike.objects.filter(notice=notice, removed_at__isnull=True).update(removed_at=now)


def shop_active_strikes(*, shop_id, now=None) -> int:
    now = now or timezone.now()
    return Strike.objects.filter(shop_id=shop_id, removed_at__isnull=True,
                                 expires_at__gt=now).count()


def _tell_both(notice: Notice, *, audit, note: str, sellers_only: bool = False) -> None:
    context = {"notice_id": notice.pk, "right_name": notice.right.name,
               "outcome": OUTCOME_WORDS[notice.status]}
    if note:
        context["note"] = note
    shop_owners = {item.shop.owner for item in notice.items.select_related("shop__owner")}
    for person in sorted(shop_owners, key=lambda user: user.pk):
        notify(recipient=person, kind="notice_decided", context=context,
               dedupe_key=f"moderation:{audit.pk}:seller:{person.pk}",
               url=reverse("seller-notices"))
    if not sellers_only:
        notify(recipient=notice.owner.applicant, kind="notice_decided", context=context,
               dedupe_key=f"moderation:{audit.pk}:owner",
               url=reverse("brands-notice", args=[notice.pk]))


def _suspend_repeat_infringers(notice: Notice, *, actor, now) -> list[Shop]:
    suspended = []
    shop_ids = sorted(set(notice.items.values_list("shop_id", flat=True)))
    for shop_id in shop_ids:
        active = list(Strike.objects.filter(shop_id=shop_id, removed_at__isnull=True,
                                            expires_at__gt=now)
                      .order_by("created").values_list("notice_id", flat=True))
        shop = Shop.objects.filter(pk=shop_id).only("slug", "status").first()
        if len(active) >= STRIKES_TO_SUSPEND and shop.status == Shop.Status.ACTIVE:
            numbers = ", ".join(f"#{pk}" for pk in active)
            suspended.append(shop_suspend(
                slug=shop.slug, actor=actor,
                reason=(f"{REPEAT_INFRINGEMENT} {len(active)} rights notices against this shop "
                        f"were upheld in the last 12 months ({numbers}).")))
    return suspended


def notice_decide(*, notice_id, actor, decision, note) -> Notice:
    """Staff uphold an open notice (a strike per shop; 3 active strikes suspend the shop) or
    reverse an open or upheld one (strikes removed, listings back on sale)."""
    note = str(note or "").strip()[:2000]
    errors = {}
    if decision not in ("uphold", "reverse"):
        errors["decision"] = ["Choose uphold or reverse."]
    if not note:
        errors["note"] = ["Say why: the rights owner and the seller read it."]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        notice = _notice_locked(notice_id)
        before = notice.status
        allowed = ({Notice.Status.OPEN} if decision == "uphold"
                   else {Notice.Status.OPEN, Notice.Status.UPHELD})
        if before not in allowed:
            raise Conflict(f"Notice #{notice.pk} is {notice.get_status_display().lower()}: it "
                           f"cannot be {'upheld' if decision == 'uphold' else 'reversed'} now.")
        notice.status = Notice.Status.UPHELD if decision == "uphold" else Notice.Status.REVERSED
        notice.decided_by, notice.decided_at, notice.decision_note = actor, now, note
        notice.save(update_fields=["status", "decided_by", "decided_at", "decision_note",
                                   "updated"])
        if decision == "uphold":
            shop_ids = sorted(set(notice.items.values_list("shop_id", flat=True)))
            Strike.objects.bulk_create([
                Strike(shop_id=shop_id, notice=notice, created=now,
                       expires_at=now + STRIKE_LIFETIME) for shop_id in shop_ids])
        else:
            strikes_remove(notice=notice, now=now)
            notice_listings_restore(notice=notice, now=now)
        audit = audit_record(
            actor=actor,
            action=Action.NOTICE_UPHELD if decision == "uphold" else Action.NOTICE_REVERSED,
            object_type="notice", object_id=notice.pk,
            object_repr=f"{notice.owner.name}: {notice.right.name}", reason=note,
            status_before=before, status_after=notice.status)
        _tell_both(notice, audit=audit, note=note)
        if decision == "uphold":
            _suspend_repeat_infringers(notice, actor=actor, now=now)
    return notice


def notice_withdraw(*, actor, notice_id, note: str = "") -> Notice:
    """The owner's people withdraw an open or upheld notice: its strikes go, listings return."""
    owner = owner_acting_for(user=actor)
    note = str(note or "").strip()[:2000]
    now = timezone.now()
    with transaction.atomic():
        notice = _notice_locked(notice_id)
        if owner is None or notice.owner_id != owner.pk:
            raise NotFound("No notice with that number.")
        before = notice.status
        if before not in (Notice.Status.OPEN, Notice.Status.UPHELD):
            raise Conflict(f"Notice #{notice.pk} is {notice.get_status_display().lower()}: "
                           "there is nothing to withdraw.")
        notice.status, notice.decided_by, notice.decided_at = Notice.Status.WITHDRAWN, actor, now
        notice.decision_note = note
        notice.save(update_fields=["status", "decided_by", "decided_at", "decision_note",
                                   "updated"])
        strikes_remove(notice=notice, now=now)
        notice_listings_restore(notice=notice, now=now)
        audit = audit_record(actor=actor, action=Action.NOTICE_WITHDRAWN, object_type="notice",
                             object_id=notice.pk,
                             object_repr=f"{notice.owner.name}: {notice.right.name}",
                             reason=note or "Withdrawn by the rights owner.",
                             status_before=before, status_after=notice.status)
        _tell_both(notice, audit=audit, note=note, sellers_only=True)
    return notice
