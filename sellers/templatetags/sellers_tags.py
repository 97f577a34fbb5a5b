"""Template filters for seller pages."""

from django import template

register = template.Library()


@register.filter
def dollars(cents) -> str:
    """Show integer cents as US dollars: 123456 → $1,234.56."""
    if cents is None or cents == "":
        return ""
    whole, part = divmod(int(cents), 100)
    return f"${whole:,}.{part:02d}"
