"""Listings: create, edit, archive, and the review decisions that set their status."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..errors import Conflict, InvalidTransition, NoShop, NotAllowed, NotFound
from ..models import MAX_PRICE_CENTS, Category, Listing, Shop
from ..screening import listing_screen
from .fields import text_field, whole_number_field
from .transitions import LISTING_INITIAL, listing_transition

MAX_STOCK = 100_000
MAX_SHIPPING_CENTS = 1_000_000  # $10,000
HAND_CHECKED_LISTINGS = 3
NEW_SHOP_REVIEW_TIME = "This usually takes less than a day."
NEW_SHOP_REVIEW_REASON = (
    "A new shop's first 3 listings are checked by our team before they go live. "
    + NEW_SHOP_REVIEW_TIME
)
DRAFT_REASON = ("A draft: it is published when our team has verified your shop, "
                "usually within a day.")
EDITED_AFTER_REJECTION_REASON = "Changed after it was declined: waiting for our team again."
# Changes to what a buyer reads (or to the price, which a brand's price floor depends on)
# send the listing through screening again.
SCREENED_FIELDS = ("title", "description", "category", "price_cents")
EDITABLE_FIELDS = (*SCREENED_FIELDS, "stock", "shipping_cents", "local_pickup")


def _listing_fields(values: dict) -> dict:
    """Check and tidy listing fields; raise ValidationError with a message per bad field."""
    errors: dict[str, list[str]] = {}
    clean = {
        "title": text_field(values.get("title"), limit=120, errors=errors, field="title",
                            label="a title"),
        "description": text_field(values.get("description"), limit=5000, errors=errors,
                                  field="description", label="the description",
                                  required=False, single_line=False),
        "price_cents": whole_number_field(
            values.get("price_cents"), minimum=1, maximum=MAX_PRICE_CENTS, errors=errors,
            field="price_cents",
            message="Enter the price in whole cents, from 1 ($0.01) to 10000000 ($100,000).",
        ),
        "stock": whole_number_field(
            values.get("stock"), minimum=0, maximum=MAX_STOCK, errors=errors, field="stock",
            message=f"Enter how many you have, a whole number from 0 to {MAX_STOCK:,}.",
        ),
        "shipping_cents": whole_number_field(
            values.get("shipping_cents", 0), minimum=0, maximum=MAX_SHIPPING_CENTS,
            errors=errors, field="shipping_cents",
            message="Enter shipping in whole cents, from 0 (free) to 1000000 ($10,000).",
        ),
        "local_pickup": bool(values.get("local_pickup", False)),
    }
    category = values.get("category")
    if isinstance(category, Category):
        clean["category"] = category
    else:
        slug = str(category or "").strip()
        found = Category.objects.filter(slug=slug).first() if slug else None
        if found is None:
            errors["category"] = ["Choose a category from the list."]
        clean["category"] = found
    if errors:
        raise ValidationError(errors)
    return clean


def _review_state(
    *, shop: Shop, fields: dict, exclude_id: int | None = None,
) -> tuple[str, str, str]:
    """The status, hold reason and review note a new (or resubmitted) listing gets."""
    reasons = listing_screen(title=fields["title"], description=fields["description"],
                             price_cents=fields["price_cents"])
    if reasons:
        return Listing.Status.PENDING_REVIEW, Listing.HoldReason.SCREENING, " ".join(reasons)
    if hand_checks_left(shop=shop, exclude_id=exclude_id):
        return (Listing.Status.PENDING_REVIEW, Listing.HoldReason.NEW_SHOP,
                NEW_SHOP_REVIEW_REASON)
    return Listing.Status.ACTIVE, "", ""


def listing_lock_for_moderation(*, listing_id) -> Listing:
    """Lock a listing (with its shop and owner) until the caller's transaction ends, so a
    staff decision and the seller's edit cannot interleave. A missing one is NotFound."""
    try:
        pk = int(listing_id)
    except (TypeError, ValueError):
        raise NotFound("No listing with that number.") from None
    listing = (
        Listing.objects.select_for_update(of=("self",)).select_related("shop", "shop__owner")
        .filter(pk=pk).first()
    )
    if listing is None:
        raise NotFound("No listing with that number.")
    return listing


def hand_checks_left(*, shop: Shop, exclude_id: int | None = None) -> int:
    """How many more of the shop's listings our team checks by hand before they go live."""
    approved = shop.listings.filter(
        Q(status=Listing.Status.ACTIVE) | Q(approved_at__isnull=False)
    ).exclude(pk=exclude_id).count()
    return max(HAND_CHECKED_LISTINGS - approved, 0)


def _own_shop_locked(user) -> Shop:
    """The user's shop, locked, if it may hold new listings (drafts while it is pending)."""
    shop = Shop.objects.select_for_update().filter(owner_id=user.pk).first()
    if shop is None:
        raise NoShop()
    if shop.status not in {Shop.Status.ACTIVE, Shop.Status.PENDING_VERIFICATION}:
        raise NotAllowed("Your shop is suspended, so it cannot list goods. "
                         f"Reason: {shop.status_reason or 'not given'}")
    return shop


def listing_create(*, user, **values) -> Listing:
    """List goods in `user`'s shop: live at once, held for review and why, or (while the shop
    waits for verification) a draft published when it is verified."""
    fields = _listing_fields(values)
    with transaction.atomic():
        shop = _own_shop_locked(user)
        if shop.status == Shop.Status.PENDING_VERIFICATION:
            status, hold, reason = Listing.Status.DRAFT, "", DRAFT_REASON
        else:
            status, hold, reason = _review_state(shop=shop, fields=fields)
        if status not in LISTING_INITIAL:
            raise InvalidTransition("A new listing is either live or waiting for review.")
        return Listing.objects.create(
            shop=shop, currency="USD", status=status, hold_reason=hold, review_reason=reason,
            approved_at=timezone.now() if status == Listing.Status.ACTIVE else None,
            **fields,
        )


def _owned_locked(*, listing_id: int, user) -> Listing:
    listing = (
        Listing.objects.select_for_update(of=("self",)).select_related("shop", "category")
        .filter(pk=listing_id, shop__owner_id=user.pk).first()
    )
    if listing is None:
        raise NotFound("No listing with that number.")
    return listing


def listing_update(*, user, listing_id: int, changes: dict) -> Listing:
    """Edit the owner's listing; text or price changes are screened again."""
    with transaction.atomic():
        listing = _owned_locked(listing_id=listing_id, user=user)
        if listing.status == Listing.Status.ARCHIVED:
            raise Conflict("This listing is archived and can no longer be changed.")
        current = {name: getattr(listing, name) for name in EDITABLE_FIELDS}
        merged = {**current, **{k: v for k, v in changes.items() if k in EDITABLE_FIELDS}}
        fields = _listing_fields(merged)
        changed = [name for name in EDITABLE_FIELDS if fields[name] != current[name]]
        if not changed:
            return listing
        rescreen = any(name in SCREENED_FIELDS for name in changed)
        values = {name: fields[name] for name in changed}
        move = None  # (status, hold reason, review note) when the status changes
        if rescreen and listing.status == Listing.Status.ACTIVE:
            reasons = listing_screen(title=fields["title"], description=fields["description"],
                                     price_cents=fields["price_cents"])
            if reasons:
                move = (Listing.Status.PENDING_REVIEW, Listing.HoldReason.SCREENING,
                        " ".join(reasons))
        elif (rescreen and listing.status == Listing.Status.PENDING_REVIEW
              and listing.hold_reason != Listing.HoldReason.REPORTED):
            # Held listings are screened again, except those hidden after buyers' reports:
            # they wait for a moderator whatever the seller changes.
            status, hold, reason = _review_state(shop=listing.shop, fields=fields,
                                                 exclude_id=listing.pk)
            if status == Listing.Status.ACTIVE:
                move = (status, "", "")
                values["approved_at"] = listing.approved_at or timezone.now()
            else:
                values.update(hold_reason=hold, review_reason=reason)
        elif listing.status == Listing.Status.REJECTED:
            move = (Listing.Status.PENDING_REVIEW, Listing.HoldReason.RESUBMITTED,
                    EDITED_AFTER_REJECTION_REASON)
        if move is not None:
            status, hold, reason = move
            return listing_transition(listing_id=listing.pk, to=status, hold=hold,
                                      review_reason=reason, **values)
        for name, value in values.items():
            setattr(listing, name, value)
        listing.save(update_fields=[*values, "updated"])
    return listing


def listing_drafts_publish(*, shop_id: int) -> list[Listing]:
    """Publish a newly verified shop's drafts, oldest first, as if each were listed now: live,
    or held for review (screening, the first listings' check). Photos stay with them.

    Runs inside the shop's verification (its transaction and shop row lock).
    """
    shop = Shop.objects.get(pk=shop_id)
    published = []
    drafts = shop.listings.filter(status=Listing.Status.DRAFT).order_by("created", "id")
    for draft in drafts:
        fields = {name: getattr(draft, name) for name in SCREENED_FIELDS}
        status, hold, reason = _review_state(shop=shop, fields=fields, exclude_id=draft.pk)
        extra = {"approved_at": timezone.now()} if status == Listing.Status.ACTIVE else {}
        published.append(listing_transition(listing_id=draft.pk, to=status, hold=hold,
                                            review_reason=reason, **extra))
    return published


def listing_archive(*, user, listing_id: int) -> Listing:
    """Delete a listing for its seller: it leaves every page; past orders keep their copy."""
    with transaction.atomic():
        listing = _owned_locked(listing_id=listing_id, user=user)
        if listing.status != Listing.Status.ARCHIVED:
            listing = listing_transition(listing_id=listing.pk, to=Listing.Status.ARCHIVED)
    return listing


NOT_WAITING = "“{obj.title}” is {status}, not waiting for review."


def listing_approve(*, listing_id: int) -> Listing:
    """Staff: a listing waiting for review goes live."""
    with transaction.atomic():
        first_approved = (Listing.objects.select_for_update(of=("self",)).filter(pk=listing_id)
                          .values_list("approved_at", flat=True).first())
        return listing_transition(
            listing_id=listing_id, to=Listing.Status.ACTIVE,
            expected={Listing.Status.PENDING_REVIEW}, refusal=NOT_WAITING, review_reason="",
            approved_at=first_approved or timezone.now())


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why: the seller sees it."]})
    return reason[:2000]


def listing_reject(*, listing_id: int, reason: str) -> Listing:
    """Staff: decline a listing waiting for review, telling the seller why."""
    return listing_transition(
        listing_id=listing_id, to=Listing.Status.REJECTED,
        expected={Listing.Status.PENDING_REVIEW}, refusal=NOT_WAITING,
        review_reason=_reason(reason))


def listing_take_down(*, listing_id: int, reason: str) -> Listing:
    """Staff: remove a live (or held) listing from sale, telling the seller why."""
    return listing_transition(
        listing_id=listing_id, to=Listing.Status.TAKEN_DOWN,
        refusal="“{obj.title}” is {status}; only live or held listings can be taken down.",
        review_reason=_reason(reason))


def listing_restore(*, listing_id: int) -> Listing:
    """Put a taken-down listing back on sale (a rights notice against it ended)."""
    return listing_transition(
        listing_id=listing_id, to=Listing.Status.ACTIVE, expected={Listing.Status.TAKEN_DOWN},
        refusal="“{obj.title}” is {status}; only a taken-down listing can come back.",
        review_reason="")


def listing_hold_for_review(*, listing_id: int, hold: str, reason: str) -> Listing:
    """Take a live listing off sale until a moderator decides (e.g. after several reports)."""
    return listing_transition(
        listing_id=listing_id, to=Listing.Status.PENDING_REVIEW, hold=hold,
        expected={Listing.Status.ACTIVE}, refusal="“{obj.title}” is {status}, not live.",
        review_reason=reason[:2000])
