from django.core.management.base import BaseCommand

from insights.services import staff_days_rebuild, summaries_rebuild


class Command(BaseCommand):
    help = ("Recompute the daily summaries behind the charts from the orders and the ledger, "
            "from the first sale to today (counted views are kept), and the staff desk's days.")

    def handle(self, *args, **options):
        totals = summaries_rebuild()
        staff_days = staff_days_rebuild()
        self.stdout.write(
            f"Rebuilt {totals['shop_days']} shop days, {totals['listing_days']} listing days "
            f"and {totals['village_days']} village days, and {staff_days} staff desk days.")
