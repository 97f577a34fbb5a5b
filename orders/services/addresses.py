"""Saved shipping addresses: kept from a paid checkout (when the buyer asked) or added
through the API, offered as choices at the next checkout, removable by their owner only."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.errors import SavedAddressesFull, SavedAddressNotFound
from orders.models import SavedAddress
from orders.services.checkout import shipping_address_clean

MAX_SAVED_ADDRESSES = 10


def _fields(address: dict) -> dict:
    return {name: address.get(name, "") or "" for name in SavedAddress.FIELDS}


def saved_address_keep(*, user, address: dict) -> SavedAddress:
    """Keep a cleaned shipping address (or mark the same one used now); at the limit the
    least recently used one makes room. Runs in the caller's transaction (a payment's)."""
    fields = _fields(address)
    with transaction.atomic():
        saved = SavedAddress.objects.filter(user=user, **fields).first()
        if saved is not None:
            SavedAddress.objects.filter(pk=saved.pk).update(last_used=timezone.now())
            return saved
        saved = SavedAddress.objects.create(user=user, **fields)
        stale = SavedAddress.objects.filter(user=user).order_by("-last_used", "-id")[
            MAX_SAVED_ADDRESSES:
        ]
        SavedAddress.objects.filter(pk__in=[row.pk for row in stale]).delete()
    return saved


def saved_address_add(*, user, raw) -> SavedAddress:
    """Check and save an address the buyer typed (the API's POST); 409 at the limit."""
    try:
        address = shipping_address_clean(raw)
    except ValidationError as exc:
        raise ValidationError({
            field.removeprefix("shipping_address."): messages
            for field, messages in exc.message_dict.items()
        }) from None
    fields = _fields(address)
    with transaction.atomic():
        # The user's row locked first: two requests at once count and create one after the
        # other, so the limit holds.
        person = get_user_model().objects.select_for_update().filter(pk=user.pk)
        list(person.values_list("pk", flat=True))
        existing = SavedAddress.objects.filter(user=user, **fields).first()
        if existing is not None:
            return existing
        if SavedAddress.objects.filter(user=user).count() >= MAX_SAVED_ADDRESSES:
            raise SavedAddressesFull(MAX_SAVED_ADDRESSES)
        try:
            with transaction.atomic():
                return SavedAddress.objects.create(user=user, **fields)
        except IntegrityError:  # the same address saved by a second request a moment ago
            return SavedAddress.objects.get(user=user, **fields)


def saved_address_remove(*, user, address_id) -> None:
    """Forget one of the buyer's saved addresses; another person's (or none) is 404."""
    try:
        deleted, _ = SavedAddress.objects.filter(pk=int(address_id), user=user).delete()
    except (TypeError, ValueError):
        raise SavedAddressNotFound() from None
    if not deleted:
        raise SavedAddressNotFound()
