"""Writes of the insights app: its own summary tables only."""

from .summaries import summaries_rebuild, summaries_refresh
from .views import listing_view_count, listing_views_flush

__all__ = ["listing_view_count", "listing_views_flush", "summaries_rebuild",
           "summaries_refresh"]
