from django.urls import path

from orders.views import cart, checkout, orders

urlpatterns = [
    path("cart/", cart.cart_page, name="cart"),
    path("cart/add/", cart.cart_add, name="cart-add"),
    path("cart/items/<int:listing_id>/", cart.cart_update, name="cart-update"),
    path("checkout/", checkout.checkout_page, name="checkout"),
    path("checkout/<int:checkout_id>/pay/", checkout.checkout_pay_page, name="checkout-pay"),
    path("checkout/<int:checkout_id>/sync/", checkout.checkout_sync_page, name="checkout-sync"),
    path("checkout/<int:checkout_id>/change/", checkout.checkout_change_page,
         name="checkout-change"),
    path("checkout/addresses/<int:address_id>/remove/", checkout.saved_address_remove_page,
         name="checkout-address-remove"),
    path("checkout/<int:checkout_id>/done/", checkout.checkout_done_page, name="checkout-done"),
    path("orders/", orders.buyer_orders_page, name="orders"),
    path("orders/<int:order_id>/", orders.buyer_order_page, name="order"),
    path("orders/<int:order_id>/balance/", orders.order_balance_pay_page,
         name="order-balance-pay"),
    path("orders/<int:order_id>/<slug:action>/", orders.buyer_order_action, name="order-action"),
    path("sell/orders/", orders.seller_orders_page, name="seller-orders"),
    path("sell/orders/<int:order_id>/", orders.seller_order_page, name="seller-order"),
    path("sell/orders/<int:order_id>/packing-slip/", orders.seller_packing_slip,
         name="seller-order-packing-slip"),
    path("sell/orders/<int:order_id>/<slug:action>/", orders.seller_order_action,
         name="seller-order-action"),
]
