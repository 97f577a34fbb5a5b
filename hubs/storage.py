"""Where a hub keeps papers with a neighbour's name and signature (consent forms, cash
receipts): on disk outside MEDIA_ROOT, so nothing serves them publicly; staff read them through
an access-checked view (`views_private.py`). `PRIVATE_MEDIA_ROOT` (default: `private-media`
beside `MEDIA_ROOT`) is read at each use, so a test's MEDIA_ROOT moves it too."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible
class PrivateStorage(FileSystemStorage):
    @property
    def base_location(self):
        configured = getattr(settings, "PRIVATE_MEDIA_ROOT", "")
        if configured:
            return str(configured)
        return os.path.join(os.path.dirname(os.path.abspath(settings.MEDIA_ROOT)),
                            "private-media")

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Private papers have no public address.")


private_storage = PrivateStorage()
