"""Our internal references ("order:3") as people read them ("Order #3")."""

from django import template

from jobs.labels import item_label

register = template.Library()


@register.filter
def reference(value) -> str:
    return item_label(str(value or ""))
