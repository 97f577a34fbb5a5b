"""Proof documents: a PDF or an image, recognised from its bytes (never its name or the type
the browser claims), at most DOCUMENT_MAX_BYTES, kept in the database and served only through
`document_response` to people allowed to see it."""

import hashlib
from dataclasses import dataclass

from django.http import HttpResponse

from brands.errors import BrandsError, DocumentTooLarge, DocumentUnsupported

DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
DOCUMENTS_PER_UPLOAD = 5
ACCEPTED = "Please upload a PDF, JPEG, PNG or WebP file."


@dataclass(frozen=True)
class CheckedDocument:
    file_name: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def content_type_detect(head: bytes) -> str:
    """Name the type from the first bytes; raise DocumentUnsupported for anything else."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    raise DocumentUnsupported(f"That file is not a PDF or a photo. {ACCEPTED}")


def _clean_name(name: str, content_type: str) -> str:
    stem = "".join(ch for ch in (name or "") if ch.isalnum() or ch in " ._-()").strip(" .")
    extension = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png",
                 "image/webp": ".webp"}[content_type]
    stem = stem.rsplit(".", 1)[0][:100] or "document"
    return stem + extension


def document_check(upload) -> CheckedDocument:
    """Read an untrusted upload and return its checked bytes, or raise 413/415/400."""
    size = getattr(upload, "size", None)
    if size is not None and size > DOCUMENT_MAX_BYTES:
        raise DocumentTooLarge("That file is over 5 MB. Please upload a smaller one.")
    upload.seek(0)
    content = upload.read(DOCUMENT_MAX_BYTES + 1)
    if len(content) > DOCUMENT_MAX_BYTES:
        raise DocumentTooLarge("That file is over 5 MB. Please upload a smaller one.")
    if not content:
        raise BrandsError(f"That file is empty. {ACCEPTED}")
    content_type = content_type_detect(content[:16])
    return CheckedDocument(file_name=_clean_name(getattr(upload, "name", ""), content_type),
                           content_type=content_type, content=content)


def documents_check(uploads) -> list[CheckedDocument]:
    uploads = list(uploads or [])
    if len(uploads) > DOCUMENTS_PER_UPLOAD:
        raise BrandsError(f"Upload at most {DOCUMENTS_PER_UPLOAD} files at a time.")
    return [document_check(upload) for upload in uploads]


def document_response(document) -> HttpResponse:
    """The file as a download that no browser renders inline or caches on a shared machine."""
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.file_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
