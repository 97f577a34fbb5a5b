from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from .models import User


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
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "display_name"]
    readonly_fields = ["date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name"]}),
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


admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class ApiKeyAdmin(TokenAdmin):
    """API keys: staff may see who has one and revoke it, never read or hand one out."""

    list_display = ("user", "created")  # the key is a password: never shown

    def has_add_permission(self, request):
        return False  # a key made here would let staff act as that person

    def has_change_permission(self, request, obj=None):
        return False
