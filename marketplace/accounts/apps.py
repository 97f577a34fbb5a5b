from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "marketplace.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from . import middleware  # noqa: F401  (staff sign-in times: a user_logged_in receiver)
