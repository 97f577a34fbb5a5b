from django import forms

from .models import NotificationPreference


class PreferenceForm(forms.Form):
    email_reminders = forms.BooleanField(
        required=False,
        label="Reminders before a deadline",
        help_text="Ship-by and auto-confirm reminders.",
    )
    email_reviews = forms.BooleanField(
        required=False,
        label="New reviews of my shop",
    )

    @classmethod
    def for_preference(cls, preference: NotificationPreference, data=None):
        initial = {
            "email_reminders": preference.email_reminders,
            "email_reviews": preference.email_reviews,
        }
        return cls(data, initial=initial)
