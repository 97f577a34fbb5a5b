from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from .errors import NotificationNotFound
from .forms import PreferenceForm
from .selectors import notification_list, preference_get
from .services import (
    notification_mark_all_read,
    notification_mark_read,
    preference_update,
)

PAGE_SIZE = 20


def _back(request) -> str:
    default = reverse("notifications")
    candidate = request.POST.get("next") or default
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


@login_required
@require_safe
def inbox(request):
    page = Paginator(notification_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def mark_read(request, notification_id: int):
    try:
        notification_mark_read(user=request.user, notification_id=notification_id)
    except NotificationNotFound:
        raise Http404("Notification not found.") from None
    return redirect(_back(request))


@login_required
@require_POST
def mark_all_read(request):
    count = notification_mark_all_read(user=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("notifications")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request):
    preference = preference_get(user=request.user)
    data = request.POST if request.method == "POST" else None
    form = PreferenceForm.for_preference(preference, data)
    if request.method == "POST" and form.is_valid():
        preference_update(user=request.user, **form.cleaned_data)
        messages.success(request, "Your e-mail preferences are saved.")
        return redirect("notifications-preferences")
    return render(request, "notifications/preferences.html", {"form": form})
