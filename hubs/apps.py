from django.apps import AppConfig


class HubsConfig(AppConfig):
    name = "hubs"
    verbose_name = "Village hubs"

    def ready(self):
        from hubs.services.parcels import hub_point_lookup, hub_points_open
        from orders.services.hub_points import hub_points_register

        # Orders know no hubs: a buyer's choice of hub at checkout is looked up through this.
        hub_points_register(lookup=hub_point_lookup, listing=hub_points_open)

        from hubs.services.managed import managed_buyer_refusal
        from orders.services.checkout import checkout_buyer_check_register

        # An agent may not buy from a shop they run for its owner: checkout asks hubs.
        checkout_buyer_check_register(managed_buyer_refusal)
