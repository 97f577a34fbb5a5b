from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self):
        # Register the periodic tasks so `manage.py run_due_jobs` finds them in any process.
        from . import tasks  # noqa: F401
