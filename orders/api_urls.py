from django.urls import path

from orders.api import cart, checkout, orders

urlpatterns = [
    path("cart", cart.CartApi.as_view(), name="api-cart"),
    path("cart/items/", cart.CartItemsApi.as_view(), name="api-cart-items"),
    path("cart/items/<int:item_id>", cart.CartItemApi.as_view(), name="api-cart-item"),
    path("checkout", checkout.CheckoutApi.as_view(), name="api-checkout"),
    path("checkout/<int:checkout_id>/pay", checkout.CheckoutPayApi.as_view(),
         name="api-checkout-pay"),
    path("checkout/<int:checkout_id>/sync", checkout.CheckoutSyncApi.as_view(),
         name="api-checkout-sync"),
    path("orders/", orders.BuyerOrdersApi.as_view(), name="api-orders"),
    path("seller/orders/", orders.SellerOrdersApi.as_view(), name="api-seller-orders"),
    path("orders/<int:order_id>", orders.OrderApi.as_view(), name="api-order"),
    path("orders/<int:order_id>/ship", orders.OrderShipApi.as_view(), name="api-order-ship"),
    path("orders/<int:order_id>/confirm-receipt", orders.OrderConfirmReceiptApi.as_view(),
         name="api-order-confirm-receipt"),
    path("orders/<int:order_id>/cancel", orders.OrderCancelApi.as_view(), name="api-order-cancel"),
    path("orders/<int:order_id>/dispute", orders.OrderDisputeApi.as_view(),
         name="api-order-dispute"),
    path("orders/<int:order_id>/extend-confirmation", orders.OrderExtendApi.as_view(),
         name="api-order-extend-confirmation"),
    path("orders/<int:order_id>/pickup", orders.OrderPickupApi.as_view(), name="api-order-pickup"),
    path("orders/<int:order_id>/delivered", orders.OrderDeliveredApi.as_view(),
         name="api-order-delivered"),
    path("orders/<int:order_id>/pickup-code", orders.OrderPickupCodeApi.as_view(),
         name="api-order-pickup-code"),
    path("orders/<int:order_id>/review", orders.OrderReviewApi.as_view(), name="api-order-review"),
]
