from django.apps import AppConfig


class HubsConfig(AppConfig):
    name = "hubs"
    verbose_name = "Village hubs"

    def ready(self):
        from hubs.services.managed import managed_buyer_refusal
        from hubs.services.money import hub_commission_for_shop
        from hubs.services.parcels import hub_point_lookup, hub_points_open
        from orders.services.checkout import checkout_buyer_check_register
        from orders.services.hub_points import hub_points_register
        from payments.services import hub_commission_provider_register

        # Orders know no hubs: a buyer's choice of hub at checkout is looked up through this.
        hub_points_register(lookup=hub_point_lookup, listing=hub_points_open)
        # Payments knows no hubs: at each release it asks which hub manages the shop now and
        # at what commission rate.
        hub_commission_provider_register(hub_commission_for_shop)
        # An agent may not buy from a shop they run for its owner: checkout asks hubs.
        checkout_buyer_check_register(managed_buyer_refusal)
