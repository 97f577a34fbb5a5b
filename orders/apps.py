from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self):
        from orders.selectors import preorder_open_orders_count
        from orders.services.payment_outcomes import checkout_outcome_apply
        from orders.services.preorders import BALANCE_KIND, balance_outcome_apply
        from payments.services import payment_outcome_handler_register
        from sellers.services import preorder_open_orders_counter_register

        # Payments knows money, not orders: it hands verified outcomes of "checkout:<id>"
        # references to this handler, from the webhook and from sync alike.
        payment_outcome_handler_register(kind="checkout", handler=checkout_outcome_apply)
        # A pre-order's balance is paid through its own PaymentIntent, "balance:<order id>".
        payment_outcome_handler_register(kind=BALANCE_KIND, handler=balance_outcome_apply)
        # Sellers refuses to end a pre-order with open orders: orders counts them.
        preorder_open_orders_counter_register(preorder_open_orders_count)
