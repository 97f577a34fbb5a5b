"""Field checks shared by the shop and listing services: plain text in, messages out."""


def text_field(
    value, *, limit: int, errors: dict, field: str, label: str, required: bool = True,
    single_line: bool = True,
) -> str:
    """Tidy a text field and record a message in `errors` when it is missing or too long."""
    raw = "" if value is None else str(value)
    if single_line:
        text = " ".join(raw.split())
    else:
        text = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if required and not text:
        errors[field] = [f"Please enter {label}."]
    elif len(text) > limit:
        errors[field] = [f"Keep {label} to {limit} characters (this has {len(text)})."]
    return text


def whole_number_field(
    value, *, minimum: int, maximum: int, errors: dict, field: str, message: str
) -> int:
    """Accept an int (or a string of digits) within bounds; floats and booleans are refused."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors[field] = [message]
        return 0
    if isinstance(value, str):
        text = value.strip()
        if not text.lstrip("-").isdigit() or len(text) > 15:
            errors[field] = [message]
            return 0
        value = int(text)
    if not minimum <= value <= maximum:
        errors[field] = [message]
    return value
