"""Paths that every page's frame repeats, looked up once per process, and the frame itself.

The header and footer link to a dozen named routes and four static files. `{% url %}` resolves
a name on every render and `{% static %}` asks the storage for the hashed name every time:
together about a tenth of a search page's time. A route without arguments, or a static
file, has one path for a given URL configuration, script prefix and storage, so `{% route %}`
and `{% static_file %}` remember it under exactly those.

`{% frame %}…{% endframe %}` goes one step further for the parts of the frame that are the same
for every visitor who is not signed in and has nothing in a session (most catalog traffic):
their HTML is rendered once per process under those same three keys, then copied. Everyone
else (signed in, or with a cart or a message in the session) gets them rendered afresh.
Rendering the frame's tags and lookups was 45 % of the search page's template time
(bench/RESULTS.md). What goes between the tags may read only the viewer's being signed in
and their session, routes and static files; anything else (the words searched, messages)
stays outside.
"""

from functools import lru_cache

from django import template
from django.conf import settings
from django.core.files.storage import storages
from django.template.loader_tags import BlockNode
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()
# Copies a frame part keeps, at most: one per URL configuration, script prefix and storage in
# use (tests switch them; a site has one of each).
FRAME_COPIES = 8


@lru_cache(maxsize=512)
def _route(name: str, urlconf, script_prefix: str) -> str:
    return reverse(name, urlconf=urlconf)


def _urlconf():
    """The URL configuration in force: the request's own, else the settings' (tests change it)."""
    return get_urlconf() or settings.ROOT_URLCONF


@register.simple_tag
def route(name: str) -> str:
    """The path of a named route that takes no arguments, like `{% url name %}`."""
    return _route(name, _urlconf(), get_script_prefix())


@lru_cache(maxsize=512)
def _static(path: str, storage) -> str:
    return storage.url(path)


@register.simple_tag
def static_file(path: str) -> str:
    """The URL of a static file, like `{% static path %}`."""
    return _static(path, storages["staticfiles"])


_NOT_SAME = object()  # this visitor's frame is their own


def _frame_key(context):
    """What the frame of this render depends on, or _NOT_SAME: the inputs of `route` and
    `static_file` for a visitor who is not signed in and has an empty session. Worked out once
    per request (every part of the frame asks)."""
    request = getattr(context, "request", None)
    if request is None:
        return _NOT_SAME  # rendered outside a request (an e-mail): no visitor to judge by
    key = request.__dict__.get("_site_frame_key")
    if key is None:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if (user is not None and not user.is_authenticated
                and session is not None and session.is_empty()):
            key = (_urlconf(), get_script_prefix(), storages["staticfiles"])
        else:
            key = _NOT_SAME
        request._site_frame_key = key
    return key


class FrameNode(template.Node):
    # Hidden from walks of the node tree: a page extending base.html has Django look for
    # {% block %}s through its whole tree on every render, and the header is most of it.
    # `frame` refuses a block inside, so there is none to find here.
    child_nodelists = ()

    def __init__(self, nodelist):
        self.nodelist = nodelist
        self.copies: dict = {}

    def render(self, context):
        key = _frame_key(context)
        if key is _NOT_SAME:
            return self.nodelist.render(context)
        html = self.copies.get(key)
        if html is None:
            html = self.nodelist.render(context)
            if len(self.copies) >= FRAME_COPIES:
                self.copies.clear()
            self.copies[key] = html
        return html


@register.tag
def frame(parser, token):
    """`{% frame %}…{% endframe %}`: a part of the page frame, rendered once per process for
    every visitor who is not signed in and has an empty session (see the module docstring)."""
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("{% frame %} takes no arguments.")
    nodelist = parser.parse(("endframe",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):
        raise template.TemplateSyntaxError(
            "{% block %} cannot be inside {% frame %}: a page's own content is never kept.")
    return FrameNode(nodelist)
