# Pages of village hubs (parcels), included by marketplace/urls.py at the root.
from django.urls import path  # noqa: F401

urlpatterns: list = []
