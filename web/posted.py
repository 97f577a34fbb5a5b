"""One posted text field read safely: PostgreSQL refuses a NUL character in text, so it is read
as nothing (forms do the same through Django's NUL validator)."""


def post_text(request, name: str, default: str = "") -> str:
    value = request.POST.get(name, default)
    return (value if isinstance(value, str) else default).replace("\x00", "")
