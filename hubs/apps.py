from django.apps import AppConfig


class HubsConfig(AppConfig):
    name = "hubs"
    verbose_name = "Village hubs"

    def ready(self):
        from hubs.services.managed import managed_buyer_refusal
        from orders.services.checkout import checkout_buyer_check_register

        # An agent may not buy from a shop they run for its owner: checkout asks hubs.
        checkout_buyer_check_register(managed_buyer_refusal)
