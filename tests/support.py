"""Small helpers every test folder may use (import them from here, never from a conftest)."""

import io

from PIL import Image
from rest_framework.test import APIClient


def client_for(user) -> APIClient:
    """An API client signed in with the user's token, as outside clients are."""
    from rest_framework.authtoken.models import Token

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def jpeg_bytes(size=(64, 48), color=(200, 120, 30), exif=None) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(buffer, format="JPEG", quality=90, **kwargs)
    return buffer.getvalue()


def png_bytes(size=(40, 30), color=(10, 160, 90, 255)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, color).save(buffer, format="PNG")
    return buffer.getvalue()
