from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = "Marketplace"

    def ready(self):
        from marketplace.catalog import signals  # noqa: F401  (category tree cache invalidation)
