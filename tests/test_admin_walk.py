"""The Django admin is a read-and-search window, not a second door for staff acts.

Walks `admin.site._registry`, so a model registered later is covered without editing this
file: every registered model needs a row in the `world` below (the walk fails until it has
one), every change form is read-only (or, for the few models listed in EDITABLE, shows no
money or status field), nothing audit-relevant can be added or deleted, and every admin action
either changes nothing that matters or writes an audit row naming the staff member for each
row it changed, and is offered only to staff holding a named permission.
"""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from brands.services import notice_decide
from jobs.services import job_failure_record
from moderation.models import AuditLog, DisputeDecision, DisputeStatement, Report
from moderation.services.audit import audit_record
from notifications.models import NotificationPreference
from notifications.services import notify
from orders.models import Order
from payments.models import JournalEntry, ReconciliationIssue, WebhookEvent
from payments.services import escrow_refund, escrow_release, issue_flag, payouts_run
from sellers.models import Listing, ListingImage, ScreeningTerm, Shop
from tests import builders
from tests.checkout_http import paid_orders
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.staff import staff_login, staff_make
from tests.stripe_support import connect_shop, held_escrow

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("localstripe")]

# Models whose admin may edit fields, and why. Even here no money or status field is editable.
EDITABLE = {
    "accounts.user": "people, their staff flag and named permissions (superusers only)",
    "auth.group": "named groups of permissions",
    "sellers.village": "reference data: towns",
    "sellers.category": "reference data: the category tree",
    "notifications.notificationpreference": "a person's own e-mail choices",
}
# Models whose rows may be deleted in the admin, and why.
DELETABLE = {
    "auth.group": "a group of permissions",
    "authtoken.tokenproxy": "revoking an API key (the person signs in again)",
    "notifications.notificationpreference": "back to the default e-mail choices",
}
MONEY_OR_STATUS = re.compile(r"^(status|.*_cents|amount.*|stock|currency|is_resolved|outcome"
                             r"|email_state|review_reason|status_reason|hold_reason)$")
# Written by the app as the audit trail itself, or a delivery outbox (not a trust state).
NOT_WATCHED = {"moderation.auditlog", "payments.journalentry", "payments.journalline",
               "notifications.notification", "accounts.user", "hubs.hubact"}
WATCHED_APPS = ("sellers", "payments", "orders", "moderation", "notifications", "accounts",
                "hubs")


def registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label_lower)


@pytest.fixture
def world():
    """At least one row of every registered model, made the way the product makes them."""
    shop = ShopFactory(name="Driftless Bee Farm")
    honey = ListingFactory(shop=shop, title="Raw Wildflower Honey", price_cents=1200,
                           shipping_cents=650, stock=5)
    buyer = UserFactory(display_name="Dana Buyer")
    api = APIClient()
    api.force_authenticate(buyer)
    (order,) = paid_orders(api, [honey], [1])
    assert api.post(f"/api/v1/orders/{order.pk}/dispute",
                    {"reason": "damaged", "details": "Cracked jar."},
                    format="json").status_code == 200
    DisputeStatement.objects.create(order=order, author=buyer, role="buyer", text="Cracked.")
    other = Order.objects.exclude(pk=order.pk).first()
    DisputeDecision.objects.create(order=other or order, actor=staff_make(), outcome="release",
                                   note="Seller shipped on time.")
    reference, refunded_shop, _ = held_escrow(amount_cents=3_000)
    escrow_refund(reference=reference, amount_cents=1_000)
    reference, _, _ = held_escrow(amount_cents=5_000)
    escrow_release(reference=reference)
    payouts_run()
    issue_flag(kind=ReconciliationIssue.Kind.UNKNOWN_OBJECT, subject="tr_stray",
               detail="A transfer we never made.")
    WebhookEvent.objects.create(event_id="evt_walk", type="charge.succeeded", object_id="ch_1")
    connect_shop("acct_walk")
    ShopFactory(status=Shop.Status.PENDING_VERIFICATION)
    ShopFactory(status=Shop.Status.SUSPENDED, status_reason="Counterfeits.")
    held = ListingFactory(status=Listing.Status.PENDING_REVIEW, review_reason="Held.")
    ListingImage.objects.create(listing=held, image="walk.webp", thumbnail="walk-t.webp",
                                width=64, height=48, thumbnail_width=32, thumbnail_height=24)
    ScreeningTerm.objects.create(kind="prohibited", term="ivory")
    Report.objects.create(listing=honey, reporter=buyer, reason="counterfeit")
    audit_record(actor=None, action=AuditLog.Action.AUTOMATIC_HIDE, object_type="listing",
                 object_id=held.pk, object_repr=held.title, reason="Walk.")
    notify(recipient=buyer, kind="report_resolved", url="/notifications/",
           dedupe_key="walk", context={"listing_title": "x", "outcome": "y"})
    NotificationPreference.objects.get_or_create(user=buyer)
    Group.objects.create(name="Finance")
    Token.objects.create(user=buyer)
    job_failure_record(job="payouts-daily", item="payout:1", error=RuntimeError("Walk."))
    upheld = builders.rights_notice()
    notice_decide(notice_id=upheld.pk, actor=staff_make(), decision="uphold", note="Fake.")
    builders.hub_world()
    missing = [model._meta.label_lower for model, _ in registered()
               if not model._default_manager.exists()]
    assert missing == [], f"add a row of each newly registered model to the world: {missing}"


@pytest.fixture
def superuser_client():
    user = staff_make(permissions=(), is_superuser=True, email="root@example.com")
    return staff_login(Client(), user), user


def _url(model, name, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{name}", args=args)


def _change_pk(model, obj):
    return obj.user_id if model._meta.label_lower == "authtoken.tokenproxy" else obj.pk


def _editable_names(html: str) -> set[str]:
    form = re.search(r"<form[^>]*id=\"\w+_form\".*?</form>", html, re.S)
    names = re.findall(r"<(?:input|select|textarea)[^>]*\bname=\"([^\"]+)\"", form.group(0))
    hidden = re.findall(r"<input[^>]*type=\"hidden\"[^>]*\bname=\"([^\"]+)\"", form.group(0))
    return {name.rsplit("-", 1)[-1] for name in names if name not in hidden}


def test_every_change_form_is_read_only_for_money_and_status(world, superuser_client):
    client, user = superuser_client
    checked = []
    for model, model_admin in registered():
        label = model._meta.label_lower
        obj = model._default_manager.order_by("pk").first()
        page = client.get(_url(model, "change", _change_pk(model, obj)))
        assert page.status_code == 200, label
        editable = _editable_names(page.content.decode())
        fields = {field.name for field in model._meta.concrete_fields}
        for inline in model_admin.get_inline_instances(page.wsgi_request, obj):
            fields |= {field.name for field in inline.model._meta.concrete_fields}
        if label in EDITABLE:
            assert not {name for name in editable & fields if MONEY_OR_STATUS.match(name)}, label
        else:
            assert editable & fields == set(), f"{label} lets staff edit {editable & fields}"
            assert not model_admin.has_change_permission(page.wsgi_request, obj), label
            before = list(model._default_manager.filter(pk=obj.pk).values())
            changed = {f.name: "1" for f in model._meta.concrete_fields if f.name != "id"}
            answer = client.post(_url(model, "change", _change_pk(model, obj)), changed)
            assert answer.status_code == 403, label
            assert list(model._default_manager.filter(pk=obj.pk).values()) == before, label
            assert client.get(_url(model, "add")).status_code == 403, label
        if label not in DELETABLE:
            answer = client.post(_url(model, "delete", _change_pk(model, obj)), {"post": "yes"})
            assert answer.status_code == 403, label
            assert model._default_manager.filter(pk=obj.pk).exists(), label
        checked.append(label)
    assert {"sellers.shop", "sellers.listing", "sellers.screeningterm", "payments.payout",
            "payments.reconciliationissue", "moderation.report"} <= set(checked)


def _watched_models():
    return [model for app in WATCHED_APPS for model in apps.get_app_config(app).get_models()
            if model._meta.label_lower not in NOT_WATCHED]


# Columns only database triggers write, copied from another row (the listing's copies of its
# shop's status and of its cover photo): the change to that other row is the one an audit row
# must cover.
TRIGGER_COPIES = {
    "sellers.listing": {"shop_active", "cover_thumbnail", "cover_width", "cover_height"},
}


def _snapshot() -> dict:
    snapshot = {}
    for model in _watched_models():
        label = model._meta.label_lower
        copies = TRIGGER_COPIES.get(label, set())
        snapshot[label] = {
            row["id"]: {name: value for name, value in row.items() if name not in copies}
            for row in model._default_manager.values()}
    return snapshot


def _changed(before: dict, after: dict) -> list[tuple[str, int, dict]]:
    rows = []
    for label, old_rows in before.items():
        new_rows = after[label]
        for pk in set(old_rows) | set(new_rows):
            if old_rows.get(pk) != new_rows.get(pk):
                rows.append((label, pk, new_rows.get(pk) or {}))
    return rows


AUDIT_OBJECT = {"sellers.shop": "shop", "sellers.listing": "listing",
                "sellers.screeningterm": "screening_term"}


def _audited(label, pk, row, *, actor, audits, entries) -> bool:
    """Is this changed row covered by an audit row (or a ledger entry) naming `actor`?"""
    if actor.pk in (row.get("resolved_by_id"), row.get("marked_by_id")):
        return True
    if not row and label in DELETABLE:
        return True  # deleted, and deleting these is allowed (see DELETABLE)
    if label in AUDIT_OBJECT:
        return (AUDIT_OBJECT[label], str(pk)) in audits
    if label == "moderation.report":
        return ("listing", str(row.get("listing_id"))) in audits
    return bool(entries)


def _run_actions(client, user):
    """Run every action the user is offered (all rows selected); return what each changed."""
    results = []
    for model, model_admin in registered():
        request = client.get(_url(model, "changelist")).wsgi_request
        for name in model_admin.get_actions(request):
            pks = [_change_pk(model, obj) for obj in model._default_manager.all()[:50]]
            before = _snapshot()
            first_audit = AuditLog.objects.order_by("-id").values_list("id", flat=True).first()
            first_entry = JournalEntry.objects.order_by("-id").values_list(
                "id", flat=True).first()
            answer = client.post(_url(model, "changelist"),
                                 {"action": name, "_selected_action": pks, "post": "yes"})
            assert answer.status_code in (200, 302), (model._meta.label_lower, name)
            audits = set(AuditLog.objects.filter(id__gt=first_audit or 0, actor=user)
                         .values_list("object_type", "object_id"))
            entries = list(JournalEntry.objects.filter(id__gt=first_entry or 0, created_by=user))
            changed = _changed(before, _snapshot())
            results.append((model, model_admin, name, changed, audits, entries))
    return results


def test_every_admin_action_is_audited_or_changes_nothing(world, superuser_client):
    client, user = superuser_client
    results = _run_actions(client, user)
    ran = {(model._meta.label_lower, name) for model, _, name, *_ in results}
    assert {("sellers.shop", "verify"), ("sellers.shop", "suspend"),
            ("sellers.listing", "approve"), ("payments.reconciliationissue", "resolve"),
            ("payments.payout", "export_owed_csv")} <= ran
    moved = set()
    for model, model_admin, name, changed, audits, entries in results:
        where = f"{model._meta.label_lower} action {name}"
        unaudited = [(label, pk) for label, pk, row in changed
                     if not _audited(label, pk, row, actor=user, audits=audits,
                                     entries=entries)]
        assert unaudited == [], f"{where} changed {unaudited} without an audit row"
        if changed:
            moved.add((model._meta.label_lower, name))
            function = model_admin.get_actions(client.get(
                _url(model, "changelist")).wsgi_request)[name][0]
            assert getattr(function, "allowed_permissions", ()), (
                f"{where} changes records: it must need a named permission")
    # The walk really exercised the acts (a world where nothing moved proves nothing).
    assert {("sellers.shop", "verify"), ("sellers.shop", "suspend"),
            ("sellers.listing", "approve"), ("payments.reconciliationissue", "resolve")} <= moved


def test_staff_who_may_only_look_are_offered_no_action_that_changes_anything(world, client):
    looker = staff_make(permissions=())
    looker.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    staff_login(client, looker)
    before = _snapshot()
    for model, model_admin in registered():
        request = client.get(_url(model, "changelist")).wsgi_request
        offered = model_admin.get_actions(request)
        guarded = [name for name, (function, *_) in offered.items()
                   if getattr(function, "allowed_permissions", ())]
        assert guarded == [], (model._meta.label_lower, guarded)
    results = []
    for model, model_admin in registered():
        for name in model_admin.actions or []:
            pks = [_change_pk(model, obj) for obj in model._default_manager.all()[:50]]
            answer = client.post(_url(model, "changelist"),
                                 {"action": name, "_selected_action": pks, "post": "yes"})
            results.append((model._meta.label_lower, name, answer.status_code))
            assert answer.get("Content-Type", "").startswith("text/html"), (model, name)
    guarded_runs = [(label, name, code) for label, name, code in results
                    if label != "notifications.notification"]
    assert guarded_runs and {code for *_, code in guarded_runs} == {403}, guarded_runs
    assert _changed(before, _snapshot()) == []


STANDARD_VIEWS = ("changelist", "add", "history", "delete", "change", "autocomplete")


def _extra_admin_pages():
    """Every admin page a ModelAdmin adds in get_urls (e.g. mark a payout paid)."""
    for model, model_admin in registered():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        for pattern in model_admin.get_urls():
            name = pattern.name or ""
            if name.startswith(prefix) and name[len(prefix):] not in STANDARD_VIEWS:
                obj = model._default_manager.order_by("pk").first()
                kwargs = {key: _change_pk(model, obj) for key in pattern.pattern.converters}
                yield model, name, reverse(f"admin:{name}", kwargs=kwargs)


def test_extra_admin_pages_refuse_staff_without_a_named_permission(world, client):
    looker = staff_make(permissions=())
    looker.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    staff_login(client, looker)
    before = _snapshot()
    pages = list(_extra_admin_pages())
    assert "payments_payout_mark_paid" in {name for _, name, _ in pages}
    for _, name, url in pages:
        assert client.get(url).status_code == 403, name
        assert client.post(url, {"bank_reference": "WIRE-1"}).status_code == 403, name
    assert _changed(before, _snapshot()) == []
