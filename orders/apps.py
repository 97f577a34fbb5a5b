from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self):
        from orders.services.payment_outcomes import checkout_outcome_apply
        from payments.services import payment_outcome_handler_register

        # Payments knows money, not orders: it hands verified outcomes of "checkout:<id>"
        # references to this handler, from the webhook and from sync alike.
        payment_outcome_handler_register(kind="checkout", handler=checkout_outcome_apply)
