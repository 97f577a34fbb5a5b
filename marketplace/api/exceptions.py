"""One exception handler for the whole API: API.md's error shapes, never a 500 for bad input.

Domain errors are plain exceptions that carry `http_status` (400, 403, 404, 409, 429…) and a
message; each app defines its own, so no app needs to import a shared base class.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def domain_error_status(exc: Exception) -> int | None:
    code = getattr(exc, "http_status", None)
    return code if isinstance(code, int) else None


def exception_handler(exc, context):
    code = domain_error_status(exc)
    if code is not None:
        response = Response({"detail": str(exc)}, status=code)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            response["Retry-After"] = str(int(retry_after))
        return response
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data = {field: [str(m) for e in errors for m in e.messages]
                    for field, errors in exc.error_dict.items()}
            if "__all__" in data:
                data["non_field_errors"] = data.pop("__all__")
            return Response(data, status=status.HTTP_400_BAD_REQUEST)
        return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)
