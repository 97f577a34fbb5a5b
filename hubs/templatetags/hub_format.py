"""How a hub's stored facts read on a page."""

import re

from django import template

register = template.Library()


@register.filter
def phone_number(value) -> str:
    """A US number in E.164 as people write it: "+16085550100" → "(608) 555-0100"; any other
    number unchanged."""
    match = re.fullmatch(r"\+1(\d{3})(\d{3})(\d{4})", str(value or ""))
    return f"({match[1]}) {match[2]}-{match[3]}" if match else str(value or "")
