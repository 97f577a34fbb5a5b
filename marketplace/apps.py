from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = "Marketplace"

    def ready(self):
        from marketplace import checks  # noqa: F401  (registers the system checks)
        from marketplace.catalog import signals  # noqa: F401  (category tree cache invalidation)
