"""Every write of the sellers app; pages, the API and the admin all call these."""

from .listings import (
    NEW_SHOP_REVIEW_REASON,
    NEW_SHOP_REVIEW_TIME,
    hand_checks_left,
    listing_approve,
    listing_archive,
    listing_create,
    listing_drafts_publish,
    listing_hold_for_review,
    listing_lock_for_moderation,
    listing_reject,
    listing_restore,
    listing_take_down,
    listing_update,
)
from .photos import listing_image_add, listing_image_delete, listing_images_reorder
from .preorder_moves import MOVE_MAX_DAYS, listing_preorder_move, listing_preorder_sold_out
from .preorders import (
    PREORDER_MAX_DAYS,
    listing_preorder_end,
    listing_preorder_set,
    preorder_open_orders_counter_register,
)
from .screening_terms import screening_term_describe, screening_term_save
from .search_vocabulary import search_vocabulary_rebuild
from .shops import (
    owner_may_sell,
    shop_close,
    shop_lock,
    shop_open,
    shop_rating_record,
    shop_reinstate,
    shop_suspend,
    shop_update,
    shop_verify,
)
from .stock import listing_stock_return, listing_stock_take, listings_lock

__all__ = [
    "MOVE_MAX_DAYS",
    "listing_preorder_move",
    "listing_preorder_sold_out",
    "PREORDER_MAX_DAYS",
    "listing_preorder_end",
    "listing_preorder_set",
    "preorder_open_orders_counter_register",
    "NEW_SHOP_REVIEW_REASON",
    "NEW_SHOP_REVIEW_TIME",
    "hand_checks_left",
    "listing_approve",
    "listing_archive",
    "listing_create",
    "listing_drafts_publish",
    "listing_hold_for_review",
    "listing_lock_for_moderation",
    "listing_image_add",
    "listing_image_delete",
    "listing_images_reorder",
    "listing_reject",
    "listing_restore",
    "listing_stock_return",
    "listing_stock_take",
    "listings_lock",
    "screening_term_describe",
    "screening_term_save",
    "listing_take_down",
    "listing_update",
    "owner_may_sell",
    "shop_close",
    "shop_lock",
    "search_vocabulary_rebuild",
    "shop_open",
    "shop_rating_record",
    "shop_reinstate",
    "shop_suspend",
    "shop_update",
    "shop_verify",
]
