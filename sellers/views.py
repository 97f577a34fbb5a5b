"""Seller pages: open a shop, shop details and listing forms (the storefront is a catalog
page: marketplace/catalog/views.py)."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from web.actions import act
from web.forms import form_errors_add

from . import services
from .decorators import shop_required
from .errors import ImageInvalid, ImageTooLarge, ImageUnsupported, NotFound, SellersError
from .forms import (
    LISTING_FIELD_NAMES,
    PREORDER_FIELD_NAMES,
    ListingCreateForm,
    ListingForm,
    PhotoForm,
    PreorderForm,
    ShopForm,
)
from .images import MAX_IMAGES_PER_LISTING, image_decode_upload, listing_image_store
from .selectors import (
    SHOP_VERIFICATION_TIME,
    listing_of_owner,
    shop_of_user_or_none,
    shop_onboarding_notes,
)


def _owned_or_404(listing_id: int, user):
    try:
        return listing_of_owner(listing_id=listing_id, user=user)
    except NotFound as exc:
        raise Http404(str(exc)) from None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def shop_open(request):
    if shop_of_user_or_none(user=request.user) is not None:
        messages.info(request, "You already have a shop. Each account can run one shop.")
        return redirect("sell-dashboard")
    form = ShopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.shop_open(owner=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form, exc)
        except SellersError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your shop is saved and waiting for verification by our "
                                      f"team, {SHOP_VERIFICATION_TIME}. Meanwhile you can "
                                      "prepare listings: they are kept as drafts, with their "
                                      "photos, and published when your shop is verified.")
            return redirect("sell-dashboard")
    status = 400 if request.method == "POST" else 200
    return render(request, "sellers/shop_form.html", {"form": form, "opening": True},
                  status=status)


@shop_required
@require_http_methods(["GET", "HEAD", "POST"])
def shop_edit(request, shop):
    initial = {"name": shop.name, "description": shop.description,
               "village_name": shop.village.name, "village_county": shop.village.county,
               "village_state": shop.village.state}
    form = ShopForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.shop_update(
                shop_id=shop.pk, user=request.user, name=data["name"],
                description=data["description"],
                village={"name": data["village_name"], "county": data["village_county"],
                         "state": data["village_state"]},
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
        except SellersError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your shop details are saved.")
            return redirect("sell-dashboard")
    status = 400 if request.method == "POST" else 200
    return render(request, "sellers/shop_form.html", {"form": form, "shop": shop},
                  status=status)


@shop_required
@require_http_methods(["GET", "HEAD", "POST"])
def listing_new(request, shop):
    form = ListingCreateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            # Check the photo before anything is written: a bad photo saves nothing.
            photo = form.cleaned_data["photo"]
            image = image_decode_upload(photo) if photo else None
            with transaction.atomic():
                listing = services.listing_create(user=request.user, **form.service_values())
                if image is not None:
                    listing_image_store(listing=listing, image=image, position=0)
        except ValidationError as exc:
            form_errors_add(form, exc, names=LISTING_FIELD_NAMES)
        except SellersError as exc:
            is_photo = isinstance(exc, ImageInvalid | ImageTooLarge | ImageUnsupported)
            form.add_error("photo" if is_photo else None, str(exc))
        else:
            if listing.status == listing.Status.ACTIVE:
                messages.success(request, f"“{listing.title}” is live in your shop.")
            elif listing.status == listing.Status.DRAFT:
                messages.info(request, f"“{listing.title}” is saved as a draft"
                                       f"{' with its photo' if image is not None else ''}. "
                                       "It is published when our team has verified your shop, "
                                       f"{SHOP_VERIFICATION_TIME}.")
            else:
                messages.info(request, f"“{listing.title}” is saved and waiting for review: "
                                       f"{listing.review_reason}")
            return redirect("sell-listing-edit", listing_id=listing.pk)
    if request.method == "POST" and request.FILES.get("photo") and form.errors and (
            "photo" not in form.errors):
        # A browser cannot refill a file field: say so, rather than drop the photo silently.
        form.add_error("photo", "Your photo was not saved because of the problems above: "
                                "please choose it again.")
    status = 400 if request.method == "POST" else 200
    return render(request, "sellers/listing_form.html", {
        "form": form, "shop": shop, "price_cents_shown": form.price_cents_shown(),
        **shop_onboarding_notes(shop=shop),
    }, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def listing_edit(request, listing_id):
    listing = _owned_or_404(listing_id, request.user)
    initial = {"title": listing.title, "description": listing.description,
               "category": listing.category, "price": Decimal(listing.price_cents).scaleb(-2),
               "stock": listing.stock, "shipping": Decimal(listing.shipping_cents).scaleb(-2),
               "local_pickup": listing.local_pickup}
    form = ListingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.listing_update(user=request.user, listing_id=listing.pk,
                                              changes=form.service_values())
        except ValidationError as exc:
            form_errors_add(form, exc, names=LISTING_FIELD_NAMES)
        except SellersError as exc:
            form.add_error(None, str(exc))
        else:
            if updated.status == updated.Status.PENDING_REVIEW:
                messages.info(request, f"Saved. It is waiting for review: "
                                       f"{updated.review_reason}")
            else:
                messages.success(request, "Your changes are saved.")
            return redirect("sell-listing-edit", listing_id=listing.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "sellers/listing_form.html", {
        "form": form, "listing": listing, "shop": listing.shop, "photos": listing.images.all(),
        "photo_form": PhotoForm(), "max_photos": MAX_IMAGES_PER_LISTING,
        "price_cents_shown": form.price_cents_shown(), **shop_onboarding_notes(shop=listing.shop),
    }, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def listing_preorder(request, listing_id):
    """Sell the listing as a pre-order: promised ship date, quantity, deposit share."""
    listing = _owned_or_404(listing_id, request.user)
    initial = {"stock": listing.stock, "deposit_percent": listing.preorder_deposit_bps // 100}
    if listing.preorder_ships_by:
        initial["ships_by"] = listing.preorder_ships_by
    form = PreorderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            services.listing_preorder_set(
                user=request.user, listing_id=listing.pk, ships_by=values["ships_by"],
                stock=values["stock"], deposit_bps=values["deposit_percent"] * 100,
            )
        except ValidationError as exc:
            form_errors_add(form, exc, names=PREORDER_FIELD_NAMES)
        except NotFound as exc:
            raise Http404(str(exc)) from None
        except SellersError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Saved: it is sold as a pre-order.")
            return redirect("sell-listing-preorder", listing_id=listing.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "sellers/preorder_form.html", {
        "form": form, "listing": listing, "shop": listing.shop,
    }, status=status)


@login_required
@require_POST
def listing_preorder_end(request, listing_id):
    return act(request, lambda: services.listing_preorder_end(user=request.user,
                                                              listing_id=listing_id),
               "Saved: it is sold from stock again.",
               reverse("sell-listing-preorder", args=[listing_id]))


@login_required
@require_POST
def listing_archive(request, listing_id):
    try:
        listing = services.listing_archive(user=request.user, listing_id=listing_id)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    messages.success(request, f"“{listing.title}” is deleted from your shop.")
    return redirect("sell-dashboard")


@login_required
@require_POST
def photo_add(request, listing_id):
    listing = _owned_or_404(listing_id, request.user)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.listing_image_add(user=request.user, listing_id=listing.pk,
                                       upload=form.cleaned_data["photo"])
        except SellersError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Photo added.")
    else:
        for error in form.errors.get("photo", []):
            messages.error(request, error)
    return redirect("sell-listing-edit", listing_id=listing.pk)


@login_required
@require_POST
def photo_delete(request, listing_id, photo_id):
    try:
        services.listing_image_delete(user=request.user, listing_id=listing_id,
                                      image_id=photo_id)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    except SellersError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Photo deleted.")
    return redirect("sell-listing-edit", listing_id=listing_id)


@login_required
@require_POST
def photo_move(request, listing_id, photo_id):
    listing = _owned_or_404(listing_id, request.user)
    ids = [photo.pk for photo in listing.images.all()]
    if photo_id not in ids:
        raise Http404("No photo with that number on this listing.")
    old = ids.index(photo_id)
    ids.remove(photo_id)
    where = request.POST.get("to")
    if where == "first":
        index = 0
    elif where == "earlier":
        index = max(old - 1, 0)
    elif where == "later":
        index = min(old + 1, len(ids))
    else:
        messages.error(request, "Choose where to move the photo.")
        return redirect("sell-listing-edit", listing_id=listing.pk)
    ids.insert(index, photo_id)
    try:
        services.listing_images_reorder(user=request.user, listing_id=listing.pk, image_ids=ids)
    except (SellersError, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("sell-listing-edit", listing_id=listing.pk)
