# REST routes of village hubs (agents), included by marketplace/urls.py under /api/v1/.
from django.urls import path  # noqa: F401

urlpatterns: list = []
