"""Paths that every page's frame repeats, looked up once per process.

The header and footer link to a dozen named routes and four static files. `{% url %}` resolves
a name on every render and `{% static %}` asks the storage for the hashed name every time:
together about a tenth of a search page's time. A route without arguments, or a static
file, has one path for a given URL configuration, script prefix and storage, so `{% route %}`
and `{% static_file %}` remember it under exactly those.
"""

from functools import lru_cache

from django import template
from django.conf import settings
from django.core.files.storage import storages
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()


@lru_cache(maxsize=512)
def _route(name: str, urlconf, script_prefix: str) -> str:
    return reverse(name, urlconf=urlconf)


@register.simple_tag
def route(name: str) -> str:
    """The path of a named route that takes no arguments, like `{% url name %}`."""
    # The URL configuration in force: the request's own, else the settings' (tests change it).
    return _route(name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@lru_cache(maxsize=512)
def _static(path: str, storage) -> str:
    return storage.url(path)


@register.simple_tag
def static_file(path: str) -> str:
    """The URL of a static file, like `{% static path %}`."""
    return _static(path, storages["staticfiles"])
