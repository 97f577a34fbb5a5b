"""Writes of the insights app: its own summary tables only."""

from .staff_days import staff_days_rebuild, staff_days_refresh
from .summaries import summaries_rebuild, summaries_refresh
from .views import listing_view_count, listing_views_flush

__all__ = ["listing_view_count", "listing_views_flush", "staff_days_rebuild",
           "staff_days_refresh", "summaries_rebuild", "summaries_refresh"]
