"""Pages of managed shops: the agent opens and runs a neighbour's shop; the owner sees who runs
it and may stop the agent's help; the owner takes the shop over from a signed link.

Every agent page re-reads the agency (hubs.selectors), so a revocation or a removal by staff
takes effect at the next click. Another hub's or another agent's shop is a 404.
"""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from moderation.forms import StatementForm
from orders.errors import OrderError
from orders.forms import PickupForm, ShipForm
from orders.selectors import SELLER, order_detail_queryset, order_for_party
from sellers.errors import ImageInvalid, ImageTooLarge, ImageUnsupported, SellersError
from sellers.forms import LISTING_FIELD_NAMES, ListingCreateForm, ListingForm, PhotoForm
from sellers.images import MAX_IMAGES_PER_LISTING
from sellers.selectors import listing_of_owner
from web.actions import act
from web.forms import form_errors_add

from .errors import HubsError, NotFound
from .forms_managed import OPEN_FIELD_NAMES, ManagedShopOpenForm, StockForm, TakeoverForm
from .selectors import agency_of, managed_shop_for_agent
from .selectors_managed import managed_shop_latest_of_owner, managed_shop_overview, shop_activity
from .services import agent_acts, takeover
from .services.managed import NOT_AN_AGENT, managed_shop_open, managed_shop_revoke

PHOTO_ERRORS = (ImageInvalid, ImageTooLarge, ImageUnsupported)


def _managed_or_404(request, shop_id):
    try:
        return managed_shop_for_agent(user=request.user, shop_id=shop_id)
    except NotFound as exc:
        raise Http404(str(exc)) from None


def _listing_or_404(managed, listing_id):
    try:
        return listing_of_owner(listing_id=listing_id, user=managed.shop.owner)
    except SellersError as exc:
        raise Http404(str(exc)) from None


def _order_or_404(managed, order_id):
    try:
        return order_for_party(user=managed.shop.owner, order_id=order_id, side=SELLER,
                               queryset=order_detail_queryset())
    except OrderError as exc:
        raise Http404(str(exc)) from None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def managed_shop_new(request):
    agency = agency_of(user=request.user)
    if agency is None:
        raise PermissionDenied(NOT_AN_AGENT)
    form = ManagedShopOpenForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                managed = managed_shop_open(agent=request.user, **form.service_values())
            except ValidationError as exc:
                form_errors_add(form, exc, names=OPEN_FIELD_NAMES)
            except PHOTO_ERRORS as exc:
                form.add_error("consent_photo", str(exc))
                status = exc.http_status
            except (HubsError, SellersError) as exc:
                form.add_error(None, str(exc))
                status = exc.http_status
            else:
                messages.success(request, f"{managed.shop.name} is opened for "
                                          f"{managed.shop.owner.display_name}. It waits for our "
                                          "team's verification; meanwhile you can prepare its "
                                          "listings as drafts.")
                return redirect("hub-managed-shop", shop_id=managed.shop_id)
    return render(request, "hubs/managed/shop_new.html", {"form": form, "agency": agency},
                  status=status)


@login_required
def managed_shop_page(request, shop_id):
    managed = _managed_or_404(request, shop_id)
    return render(request, "hubs/managed/shop.html", {
        "managed": managed, "shop": managed.shop, **managed_shop_overview(managed=managed),
    })


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def managed_listing_new(request, shop_id):
    managed = _managed_or_404(request, shop_id)
    form = ListingCreateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            listing = agent_acts.agent_listing_create(
                agent=request.user, shop_id=managed.shop_id, values=form.service_values(),
                photo=form.cleaned_data["photo"] or None)
        except ValidationError as exc:
            form_errors_add(form, exc, names=LISTING_FIELD_NAMES)
        except NotFound as exc:
            raise Http404(str(exc)) from None
        except (HubsError, SellersError) as exc:
            form.add_error("photo" if isinstance(exc, PHOTO_ERRORS) else None, str(exc))
        else:
            messages.success(request, f"Saved “{listing.title}”. Status: "
                                      f"{listing.get_status_display()}.")
            return redirect("hub-managed-listing", shop_id=managed.shop_id,
                            listing_id=listing.pk)
    return render(request, "hubs/managed/listing_form.html", {
        "form": form, "managed": managed, "shop": managed.shop,
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def managed_listing_edit(request, shop_id, listing_id):
    managed = _managed_or_404(request, shop_id)
    listing = _listing_or_404(managed, listing_id)
    initial = {"title": listing.title, "description": listing.description,
               "category": listing.category, "price": Decimal(listing.price_cents).scaleb(-2),
               "stock": listing.stock, "shipping": Decimal(listing.shipping_cents).scaleb(-2),
               "local_pickup": listing.local_pickup}
    form = ListingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            agent_acts.agent_listing_update(agent=request.user, shop_id=managed.shop_id,
                                            listing_id=listing.pk,
                                            changes=form.service_values())
        except ValidationError as exc:
            form_errors_add(form, exc, names=LISTING_FIELD_NAMES)
        except NotFound as exc:
            raise Http404(str(exc)) from None
        except (HubsError, SellersError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "The changes are saved.")
            return redirect("hub-managed-listing", shop_id=managed.shop_id,
                            listing_id=listing.pk)
    return render(request, "hubs/managed/listing_form.html", {
        "form": form, "managed": managed, "shop": managed.shop, "listing": listing,
        "photos": listing.images.all(), "photo_form": PhotoForm(),
        "stock_form": StockForm(initial={"stock": listing.stock}),
        "max_photos": MAX_IMAGES_PER_LISTING,
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def managed_photo_add(request, shop_id, listing_id):
    managed = _managed_or_404(request, shop_id)
    back = reverse("hub-managed-listing", args=[managed.shop_id, listing_id])
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("photo", []):
            messages.error(request, error)
        return redirect(back)
    return act(request, lambda: agent_acts.agent_photo_add(
        agent=request.user, shop_id=managed.shop_id, listing_id=listing_id,
        upload=form.cleaned_data["photo"]), "Photo added.", back)


@login_required
@require_POST
def managed_stock_set(request, shop_id, listing_id):
    managed = _managed_or_404(request, shop_id)
    back = reverse("hub-managed-listing", args=[managed.shop_id, listing_id])
    form = StockForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("stock", []):
            messages.error(request, error)
        return redirect(back)
    return act(request, lambda: agent_acts.agent_stock_set(
        agent=request.user, shop_id=managed.shop_id, listing_id=listing_id,
        stock=form.cleaned_data["stock"]), "Stock saved.", back)


@login_required
def managed_order_page(request, shop_id, order_id):
    managed = _managed_or_404(request, shop_id)
    order = _order_or_404(managed, order_id)
    return render(request, "hubs/managed/order.html", {
        "managed": managed, "shop": managed.shop, "order": order,
        "ship_form": ShipForm(), "pickup_form": PickupForm(),
    })


@login_required
@require_POST
def managed_order_ship(request, shop_id, order_id):
    managed = _managed_or_404(request, shop_id)
    back = reverse("hub-managed-order", args=[managed.shop_id, order_id])
    form = ShipForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Name the carrier and enter the tracking number.")
        return redirect(back)
    return act(request, lambda: agent_acts.agent_order_ship(
        agent=request.user, shop_id=managed.shop_id, order_id=order_id,
        **form.cleaned_data), "Marked as shipped: the buyer is told.", back)


@login_required
@require_POST
def managed_order_hand_over(request, shop_id, order_id):
    managed = _managed_or_404(request, shop_id)
    back = reverse("hub-managed-order", args=[managed.shop_id, order_id])
    form = PickupForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the buyer's 6-digit code.")
        return redirect(back)
    return act(request, lambda: agent_acts.agent_order_hand_over(
        agent=request.user, shop_id=managed.shop_id, order_id=order_id,
        code=form.cleaned_data["code"]), "Handed over: the payment is released to the owner.",
        back)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def managed_dispute_answer(request, shop_id, order_id):
    managed = _managed_or_404(request, shop_id)
    order = _order_or_404(managed, order_id)
    form = StatementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agent_acts.agent_dispute_answer(
                agent=request.user, shop_id=managed.shop_id, order_id=order.pk,
                text=form.cleaned_data["text"], uploads=request.FILES.getlist("photos"))
        except ValidationError as exc:
            form_errors_add(form, exc)
        except NotFound as exc:
            raise Http404(str(exc)) from None
        except Exception as exc:
            if not isinstance(getattr(exc, "http_status", None), int):
                raise
            form.add_error(None, str(exc))
        else:
            messages.success(request, "The shop's answer is sent to our team.")
            return redirect("hub-managed-order", shop_id=managed.shop_id, order_id=order.pk)
    return render(request, "hubs/managed/dispute_answer.html", {
        "managed": managed, "shop": managed.shop, "order": order, "form": form,
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def managed_takeover_link(request, shop_id):
    managed = _managed_or_404(request, shop_id)
    return act(request, lambda: takeover.takeover_link_send(agent=request.user,
                                                            shop_id=managed.shop_id),
               f"A link to run the shop is sent to {managed.shop.owner.display_name}.",
               reverse("hub-managed-shop", args=[managed.shop_id]))


@require_http_methods(["GET", "HEAD", "POST"])
def takeover_page(request, token):
    """Signed out: the signed link is the credential."""
    try:
        claim = takeover.takeover_claim_read(token)
    except HubsError as exc:
        return render(request, "hubs/managed/takeover.html", {"invalid": str(exc)},
                      status=400)
    form = TakeoverForm(request.POST or None,
                        initial={"email": claim.owner.email})
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            takeover.managed_shop_take_over(token=token, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form, exc)
        except HubsError as exc:
            form.add_error(None, str(exc))
            status = exc.http_status
        else:
            messages.success(request, f"{claim.managed.shop.name} is yours to run. Log in with "
                                      "your e-mail address and new password.")
            return redirect("login")
    return render(request, "hubs/managed/takeover.html", {
        "form": form, "managed": claim.managed,
    }, status=status)


@login_required
def owner_hub_help(request):
    """The owner's page: who runs the shop for them (or ran it), and everything they did."""
    managed = managed_shop_latest_of_owner(owner=request.user)
    if managed is None:
        raise Http404("No agent runs your shop.")
    return render(request, "hubs/managed/owner_help.html", {
        "managed": managed, "activity": shop_activity(shop_id=managed.shop_id),
    })


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def owner_hub_help_stop(request):
    managed = managed_shop_latest_of_owner(owner=request.user)
    if managed is None or not managed.is_live:
        raise Http404("No agent runs your shop.")
    if request.method == "POST":
        return act(request, lambda: managed_shop_revoke(owner=request.user,
                                                        shop_id=managed.shop_id),
                   f"{managed.agent.display_name} no longer acts for your shop.",
                   reverse("hub-owner-help"))
    return render(request, "hubs/managed/owner_stop.html", {"managed": managed})

