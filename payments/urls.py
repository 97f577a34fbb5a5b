# Routes of this app, included by marketplace/urls.py (pages at the root, API under /api/v1/).
urlpatterns: list = []
