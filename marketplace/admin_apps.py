from django.contrib.admin.apps import AdminConfig


class MarketplaceAdminConfig(AdminConfig):
    """django.contrib.admin with our site (marketplace/admin_site.py) as admin.site."""

    default_site = "marketplace.admin_site.MarketplaceAdminSite"
