"""Automatic screening of listing text against the staff-edited list of terms.

`listing_screen` is the one rule function: listing services call it on create and on edits
that change what a buyer reads; the moderation app builds its flags on it.
"""

import re
import unicodedata

from .models import ScreeningTerm


def _normalized(text: str) -> str:
    # NFKC folds look-alike forms (full-width letters, ligatures) before matching.
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _mentions(text: str, term: str) -> bool:
    words = [re.escape(word) for word in _normalized(term).split()]
    if not words:
        return False
    return re.search(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", text) is not None


def listing_screen(*, title: str, description: str, price_cents: int) -> list[str]:
    """Return the reasons (empty when clean) to hold a listing for a moderator."""
    text = _normalized(f"{title}\n{description}")
    reasons: list[str] = []
    for term in ScreeningTerm.objects.filter(is_active=True).order_by("kind", "term", "id"):
        if not _mentions(text, term.term):
            continue
        if term.kind == ScreeningTerm.Kind.PROHIBITED:
            reasons.append(f"Mentions “{term.term}”, which may not be sold here.")
        elif term.price_floor_cents is None:
            reasons.append(f"Mentions the brand “{term.term}”: we check brand goods by hand.")
        elif price_cents < term.price_floor_cents:
            dollars, cents = divmod(term.price_floor_cents, 100)
            floor = f"${dollars:,}.{cents:02d}"
            reasons.append(
                f"Mentions the brand “{term.term}” at a price below {floor}, "
                "which is unusual for genuine goods."
            )
    return reasons
