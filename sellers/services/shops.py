"""Villages and shops: opening, editing, verification and suspension."""

from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from ..errors import Conflict, NotAllowed, NotFound
from ..models import Listing, Shop, Village
from ..us_states import US_STATES
from .fields import text_field
from .listings import listing_drafts_publish
from .stock import listings_lock
from .transitions import SHOP_INITIAL, listing_transition, shop_transition

EMAIL_UNCONFIRMED_MESSAGE = (
    "Please confirm your e-mail address first: open the link we sent you (or ask for a new "
    "one on your account page). Buying works already; opening a shop needs a confirmed address."
)

STATE_MESSAGE = "Use a two-letter US state code, such as IA or KY."


def _unique_slug(model, base: str, *, fallback: str) -> str:
    base = (slugify(base)[:80].strip("-")) or fallback
    slug, number = base, 1
    while model.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def _village_fields(*, name, county, state, errors: dict) -> tuple[str, str, str]:
    name = text_field(name, limit=80, errors=errors, field="village_name",
                      label="your town's name")
    county = text_field(county, limit=80, errors=errors, field="village_county",
                        label="the county", required=False)
    state = str(state or "").strip().upper()
    if state not in US_STATES:
        errors["village_state"] = [STATE_MESSAGE]
    return name, county, state


def _village_get_or_create(*, name: str, county: str, state: str) -> Village:
    existing = Village.objects.filter(name__iexact=name, state=state).first()
    if existing is not None:
        return existing
    for _ in range(5):
        try:
            with transaction.atomic():
                return Village.objects.create(
                    name=name, county=county, state=state,
                    slug=_unique_slug(Village, f"{name}-{state}", fallback="village"),
                )
        except IntegrityError:
            # Another request created this village (or took the slug) a moment ago.
            existing = Village.objects.filter(name__iexact=name, state=state).first()
            if existing is not None:
                return existing
    raise Conflict("We could not save your town just now. Please try again.")


def _shop_fields(*, name, description, errors: dict) -> tuple[str, str]:
    name = text_field(name, limit=80, errors=errors, field="name",
                      label="a name for your shop")
    description = text_field(description, limit=4000, errors=errors, field="description",
                             label="the description", required=False, single_line=False)
    return name, description


def shop_open(
    *, owner, name: str, description: str, village_name: str, village_county: str,
    village_state: str, vouched_by_hub: bool = False,
) -> Shop:
    """Open `owner`'s shop, waiting for verification; a second shop is a Conflict.

    `vouched_by_hub=True` is for a village hub's agent opening the shop of a neighbour who may
    have no e-mail address at all (hubs.services.managed): the agent has met the person and
    recorded their consent, which stands in for the confirmed address. The shop waits for
    staff verification like any other.
    """
    errors: dict[str, list[str]] = {}
    name, description = _shop_fields(name=name, description=description, errors=errors)
    town = _village_fields(name=village_name, county=village_county, state=village_state,
                           errors=errors)
    if errors:
        raise ValidationError(errors)
    already = Conflict("You already have a shop. Each account can run one shop.")
    for _ in range(5):
        with transaction.atomic():
            # The owner's row is the lock: two sign-up clicks at once make one shop, one 409.
            locked = get_user_model().objects.select_for_update().get(pk=owner.pk)
            if not vouched_by_hub and not owner_may_sell(locked):
                raise NotAllowed(EMAIL_UNCONFIRMED_MESSAGE)
            if Shop.objects.filter(owner_id=owner.pk).exists():
                raise already
            village = _village_get_or_create(name=town[0], county=town[1], state=town[2])
            try:
                with transaction.atomic():
                    (status,) = SHOP_INITIAL
                    return Shop.objects.create(
                        owner_id=owner.pk, name=name, description=description, village=village,
                        slug=_unique_slug(Shop, name, fallback="shop"), status=status,
                    )
            except IntegrityError:
                if Shop.objects.filter(owner_id=owner.pk).exists():
                    raise already from None
                # Another shop took the same slug a moment ago: try the next one.
    raise Conflict("We could not save your shop just now. Please try again.")


def owner_may_sell(user) -> bool:
    """A shop is opened, and paid out, only for an account whose e-mail address is confirmed
    (the account's `email_confirmed_at`, set by the confirmation link)."""
    return getattr(user, "email_confirmed_at", None) is not None


def shop_update(
    *, shop_id: int, user, name: str | None = None, description: str | None = None,
    village: dict | None = None,
) -> Shop:
    """Change the owner's shop name, description or village; others' shops are NotFound."""
    with transaction.atomic():
        shop = Shop.objects.select_for_update().filter(pk=shop_id, owner_id=user.pk).first()
        if shop is None:
            raise NotFound("No shop with that address.")
        errors: dict[str, list[str]] = {}
        shop.name, shop.description = _shop_fields(
            name=shop.name if name is None else name,
            description=shop.description if description is None else description,
            errors=errors,
        )
        town = None
        if village is not None:
            town = _village_fields(name=village.get("name"), county=village.get("county"),
                                   state=village.get("state"), errors=errors)
        if errors:
            raise ValidationError(errors)
        if town is not None:
            shop.village = _village_get_or_create(name=town[0], county=town[1], state=town[2])
        shop.save(update_fields=["name", "description", "village"])
    return shop


def shop_verify(*, shop_id: int) -> Shop:
    """Staff: a shop waiting for verification goes live and may list goods; the drafts its
    owner prepared meanwhile are published in the same transaction."""
    with transaction.atomic():
        shop = shop_transition(
            shop_id=shop_id, to=Shop.Status.ACTIVE, expected={Shop.Status.PENDING_VERIFICATION},
            refusal="{obj.name} is {status}, not waiting for verification.",
            verified_at=timezone.now(), status_reason="")
        listing_drafts_publish(shop_id=shop.pk)
    return shop


def shop_suspend(*, shop_id: int, reason: str) -> Shop:
    """Staff: hide a shop and its listings from the public, and stop new listings."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the shop is suspended: its owner sees it."]})
    return shop_transition(shop_id=shop_id, to=Shop.Status.SUSPENDED,
                           refusal="{obj.name} is already suspended.",
                           status_reason=reason[:2000])


def shop_reinstate(*, shop_id: int) -> Shop:
    """Staff: bring a suspended shop back."""
    with transaction.atomic():
        first_verified = (Shop.objects.select_for_update(of=("self",)).filter(pk=shop_id)
                          .values_list("verified_at", flat=True).first())
        shop = shop_transition(
            shop_id=shop_id, to=Shop.Status.ACTIVE, expected={Shop.Status.SUSPENDED},
            refusal="{obj.name} is not suspended.",
            verified_at=first_verified or timezone.now(), status_reason="")
        # Suspended before it was ever verified: its drafts are published now.
        listing_drafts_publish(shop_id=shop.pk)
    return shop


def shop_lock(*, shop_id: int | None = None, slug: str | None = None) -> Shop:
    """Lock a shop row (by id or slug) until the caller's transaction ends, with its owner
    loaded: for another app's action that must not race a change of the shop's status (a
    payout, a staff decision). A missing shop is NotFound."""
    shops = Shop.objects.select_for_update(of=("self",)).select_related("owner")
    shop = shops.filter(pk=shop_id).first() if shop_id is not None else (
        shops.filter(slug=str(slug)).first())
    if shop is None:
        raise NotFound("No shop with that address.")
    return shop


def shop_rating_record(*, shop_id: int, rating: Callable[[], tuple[Decimal | None, int]]) -> None:
    """Store a shop's rating: lock the shop, then ask `rating()` for (average, count).

    The reviews live in orders, which passes the function that counts them: calling it under
    the shop's lock means two reviews posted at once cannot store a stale figure.
    """
    with transaction.atomic():
        Shop.objects.select_for_update().filter(pk=shop_id).first()
        average, count = rating()
        Shop.objects.filter(pk=shop_id).update(rating_avg=average, rating_count=count)


def shop_close(*, shop_id: int) -> Shop:
    """Close a shop for good (its owner closed their account): every listing not already
    gone is deleted, the shop is hidden. Open orders and money are the caller's to check."""
    with transaction.atomic():
        listing_ids = list(
            Listing.objects.filter(shop_id=shop_id).exclude(status=Listing.Status.ARCHIVED)
            .order_by("pk").values_list("pk", flat=True))
        # Listings before the shop, as a checkout takes them: it locks its listings, then
        # its new order's reference to the shop waits for a shop row locked here.
        listings_lock(listing_ids=listing_ids)
        shop = shop_transition(shop_id=shop_id, to=Shop.Status.CLOSED,
                               refusal="{obj.name} is already closed.",
                               status_reason="Closed by its owner.")
        for listing_id in listing_ids:
            listing_transition(listing_id=listing_id, to=Listing.Status.ARCHIVED)
    return shop
