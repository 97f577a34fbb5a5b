from django.contrib import admin, messages

from .models import Notification, NotificationPreference
from .services import notification_resend, notification_sms_resend


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "created", "recipient", "kind", "email_state", "attempts",
                    "emailed_at", "sms_state", "sms_sent_at", "is_read", "last_error")
    list_filter = ("email_state", "sms_state", "kind", "created")
    search_fields = ("recipient__email", "recipient__phone", "dedupe_key", "message")
    list_select_related = ("recipient",)
    date_hierarchy = "created"
    ordering = ("-created", "-id")
    actions = ["resend_email", "resend_text"]
    # The outbox is written by the app only: staff read it and resend, nothing else.
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # what people were told, and when, is kept

    @admin.display(boolean=True, description="read")
    def is_read(self, obj):
        return obj.is_read

    @admin.action(description="Resend the e-mail of the selected failed or skipped notifications")
    def resend_email(self, request, queryset):
        selected = list(queryset.values_list("pk", flat=True))
        count = notification_resend(notification_ids=selected)
        skipped = len(selected) - count
        self.message_user(request, f"{count} e-mail(s) queued again.", messages.SUCCESS)
        if skipped > 0:
            self.message_user(
                request,
                f"{skipped} left alone: only failed or skipped e-mails are resent.",
                messages.WARNING,
            )

    @admin.action(description="Resend the text of the selected failed or skipped notifications")
    def resend_text(self, request, queryset):
        selected = list(queryset.values_list("pk", flat=True))
        count = notification_sms_resend(notification_ids=selected)
        skipped = len(selected) - count
        self.message_user(request, f"{count} text(s) queued again.", messages.SUCCESS)
        if skipped > 0:
            self.message_user(
                request,
                f"{skipped} left alone: only failed or skipped texts are resent.",
                messages.WARNING,
            )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email_reminders", "email_reviews", "updated")
    list_filter = ("email_reminders", "email_reviews")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    raw_id_fields = ("user",)
