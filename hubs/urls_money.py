# Pages of village hubs (money), included by marketplace/urls.py at the root.
from django.urls import path

from . import views_money as views
from . import views_private

urlpatterns = [
    path("hub/cash/", views.hub_cash, name="hub-cash"),
    path("hub/shops/<int:shop_id>/cash-out/", views.shop_cash_out, name="hub-shop-cash-out"),
    path("hub/shops/<int:shop_id>/statement/", views.shop_statement, name="hub-shop-statement"),
    path("hub/cash-outs/<int:cash_out_id>/confirm/", views.cash_out_confirm,
         name="hub-cash-out-confirm"),
    path("hub/cash-outs/<int:cash_out_id>/resend/", views.cash_out_resend,
         name="hub-cash-out-resend"),
    path("hub/cash-outs/<int:cash_out_id>/cancel/", views.cash_out_cancel,
         name="hub-cash-out-cancel"),
    path("staff/hubs/cash/", views.staff_hub_cash, name="staff-hub-cash"),
    path("staff/hubs/receipts/<int:cash_out_id>/", views_private.staff_cash_receipt,
         name="staff-hub-cash-receipt"),
    path("staff/hubs/consent/<int:managed_id>/", views_private.staff_consent_photo,
         name="staff-hub-consent-photo"),
    path("staff/hubs/<int:hub_id>/settle/", views.staff_hub_settle, name="staff-hub-settle"),
]
