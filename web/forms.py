"""A service's ValidationError shown on the form that sent the input."""

from django import forms
from django.core.exceptions import ValidationError


def form_errors_add(form: forms.Form, exc: ValidationError, *, names: dict | None = None) -> None:
    """Put each message of `exc` on its field of `form` (a service's name mapped through
    `names` first); a message for a field the form does not have goes above the form."""
    names = names or {}
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, messages in exc.message_dict.items():
        name = names.get(field, field)
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
