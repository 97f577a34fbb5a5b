# The staff trends' CSV downloads, included by marketplace/urls.py.
from django.urls import path

from insights import views_staff

urlpatterns = [
    path("staff/trends/<slug:chart>.csv", views_staff.staff_trends_csv, name="staff-trends-csv"),
]
