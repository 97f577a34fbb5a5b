"""The screening terms (prohibited words, watched brands and their price floors): the list that
`sellers.screening.listing_screen` reads. Staff edit it through moderation, which audits."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ..errors import Conflict, NotFound
from ..models import MAX_PRICE_CENTS, ScreeningTerm
from ..templatetags.money import cents

KINDS = [value for value, _ in ScreeningTerm.Kind.choices]


def _clean(values: dict) -> dict:
    errors: dict[str, list[str]] = {}
    kind = str(values.get("kind") or "").strip()
    if kind not in KINDS:
        errors["kind"] = [f"Choose one of: {', '.join(KINDS)}."]
    term = " ".join(str(values.get("term") or "").split())
    if not term or len(term) > 80:
        errors["term"] = ["Enter the word or phrase (up to 80 characters)."]
    floor = values.get("price_floor_cents")
    if floor in ("", None):
        floor = None
    else:
        try:
            floor = int(str(floor).strip()) if not isinstance(floor, bool) else -1
        except ValueError:
            floor = -1
        if not 0 < floor <= MAX_PRICE_CENTS:
            errors["price_floor_cents"] = ["Enter the floor in whole cents (e.g. 20000), "
                                           "or leave it empty."]
        elif kind == ScreeningTerm.Kind.PROHIBITED:
            errors["price_floor_cents"] = ["Only watched brands have a price floor."]
    note = str(values.get("note") or "").strip()
    if len(note) > 200:
        errors["note"] = ["Keep the note to 200 characters."]
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "term": term, "price_floor_cents": floor, "note": note,
            "is_active": bool(values.get("is_active", True))}


def screening_term_describe(term: ScreeningTerm) -> str:
    """One line saying what a term is, for an audit row ("Watched brand “Rolex”, floor $200.00")."""
    floor = f", floor {cents(term.price_floor_cents)}" if term.price_floor_cents else ""
    return f"{term.get_kind_display()} “{term.term}”{floor}{'' if term.is_active else ' (off)'}"


def screening_term_save(*, values: dict, term_id=None) -> tuple[ScreeningTerm, str]:
    """Add a term, or change one (including switching it off); return it with how it read
    before ("" when new). Runs inside the caller's transaction, which keeps its audit row."""
    fields = _clean(values)
    try:
        with transaction.atomic():
            if term_id is None:
                return ScreeningTerm.objects.create(**fields), ""
            term = ScreeningTerm.objects.select_for_update().filter(pk=term_id).first()
            if term is None:
                raise NotFound("No screening term with that number.")
            before = screening_term_describe(term)
            for name, value in fields.items():
                setattr(term, name, value)
            term.save()
            return term, before
    except IntegrityError:
        raise Conflict("That term is already on the list for this kind.") from None
