from django.apps import AppConfig


class HubsConfig(AppConfig):
    name = "hubs"
    verbose_name = "Village hubs"

    def ready(self):
        from payments.services import hub_commission_provider_register

        from .services.money import hub_commission_for_shop

        # Payments knows no hubs: at each release it asks which hub manages the shop now and
        # at what commission rate.
        hub_commission_provider_register(hub_commission_for_shop)
