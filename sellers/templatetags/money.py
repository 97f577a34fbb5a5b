from django import template

register = template.Library()


@register.filter
def cents(value, currency="USD"):
    """Format integer cents as money: 123456 → $1,234.56 (non-USD: 1,234.56 EUR)."""
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return ""
    sign = "−" if amount < 0 else ""
    whole, part = divmod(abs(amount), 100)
    text = f"{whole:,}.{part:02d}"
    return f"{sign}${text}" if currency == "USD" else f"{sign}{text} {currency}"


@register.filter
def dollars(value):
    """Integer cents as a plain dollar amount for a form field: 20000 → 200.00."""
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return ""
    return f"{amount // 100}.{amount % 100:02d}"
