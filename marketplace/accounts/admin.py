from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from moderation.models import AuditLog
from moderation.services.audit import audit_record

from .models import User


def _access(user: User) -> dict:
    """What a person may do as staff: the flags, groups and named permissions."""
    return {
        "is_active": user.is_active, "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(
            f"{app}.{codename}" for app, codename in user.user_permissions.values_list(
                "content_type__app_label", "codename")),
    }


def _describe(before: dict, after: dict) -> str:
    changes = []
    for name in ("is_active", "is_staff", "is_superuser"):
        if before[name] != after[name]:
            changes.append(f"{name}: {before[name]} → {after[name]}")
    for name in ("groups", "permissions"):
        added = sorted(set(after[name]) - set(before[name]))
        removed = sorted(set(before[name]) - set(after[name]))
        changes += [f"{name} + {item}" for item in added]
        changes += [f"{name} − {item}" for item in removed]
    return "; ".join(changes)


def _role(access: dict) -> str:
    if not access["is_active"]:
        return "inactive"
    return "superuser" if access["is_superuser"] else "staff" if access["is_staff"] else "member"


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "display_name"]


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "email_confirmed_at",
                    "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "display_name"]
    # The person chooses their zone, confirms their address by its link and closes their
    # account themselves: read-only here.
    readonly_fields = ["date_joined", "last_login", "time_zone", "email_confirmed_at",
                       "closed_at"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "time_zone", "email_confirmed_at",
                                "closed_at"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups",
                                    "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "display_name", "password1",
                                                 "password2"]}),
    ]

    def has_delete_permission(self, request, obj=None):
        # Orders, ledger entries and audit rows name people: deactivate instead.
        return False

    def save_model(self, request, obj, form, change):
        before = _access(User.objects.get(pk=obj.pk)) if change else None
        request.access_before = before
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """Granting or taking away staff access is audited, in the same transaction."""
        super().save_related(request, form, formsets, change)
        user = form.instance
        after = _access(user)
        before = getattr(request, "access_before", None) or {
            "is_active": True, "is_staff": False, "is_superuser": False, "groups": [],
            "permissions": []}
        described = _describe(before, after)
        if described:
            audit_record(actor=request.user, action=AuditLog.Action.STAFF_ACCESS_CHANGED,
                         object_type="user", object_id=user.pk, object_repr=user.email,
                         reason=described, status_before=_role(before),
                         status_after=_role(after))


admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class ApiKeyAdmin(TokenAdmin):
    """API keys: staff may see who has one and revoke it, never read or hand one out."""

    list_display = ("user", "created")  # the key is a password: never shown

    def has_add_permission(self, request):
        return False  # a key made here would let staff act as that person

    def has_change_permission(self, request, obj=None):
        return False


# Authenticators and recovery codes are not edited in the admin: a person sets up their own
# (/accounts/second-factor/setup/), and a lost one is removed through the audited reset
# (/staff/second-factor/reset/, accounts.reset_second_factor). The admin never shows keys.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)
