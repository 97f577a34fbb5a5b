from django import template

register = template.Library()


@register.filter
def cents(value) -> str:
    """Format integer cents as dollars: 123456 → $1,234.56."""
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return ""
    sign = "-" if amount < 0 else ""
    dollars, rest = divmod(abs(amount), 100)
    return f"{sign}${dollars:,}.{rest:02d}"
