# REST routes of village hubs (money), included by marketplace/urls.py under /api/v1/.
from django.urls import path

from . import api_money as api

urlpatterns = [
    path("hub/shops/<int:shop_id>/cash-outs", api.ShopCashOutsApi.as_view(),
         name="api-hub-shop-cash-outs"),
    path("hub/shops/<int:shop_id>/statement", api.ShopStatementApi.as_view(),
         name="api-hub-shop-statement"),
    path("hub/cash-outs/<int:cash_out_id>/confirm", api.CashOutConfirmApi.as_view(),
         name="api-hub-cash-out-confirm"),
    path("hub/cash-outs/<int:cash_out_id>/cancel", api.CashOutCancelApi.as_view(),
         name="api-hub-cash-out-cancel"),
    path("staff/hubs/cash", api.StaffHubCashApi.as_view(), name="api-staff-hub-cash"),
    path("staff/hubs/<int:hub_id>/settle", api.StaffHubSettleApi.as_view(),
         name="api-staff-hub-settle"),
]
