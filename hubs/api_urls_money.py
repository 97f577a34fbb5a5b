# REST routes of village hubs (money), included by marketplace/urls.py under /api/v1/.
from django.urls import path  # noqa: F401

urlpatterns: list = []
