"""Every write of the brands app; pages, the API and the admin all call these."""

from .demo import rights_notice_backdate
from .notices import (
    MAX_LISTINGS_PER_NOTICE,
    OUTCOME_WORDS,
    REPEAT_INFRINGEMENT,
    STRIKES_TO_SUSPEND,
    SWORN_STATEMENT,
    notice_decide,
    notice_file,
    notice_listings_restore,
    notice_withdraw,
    shop_active_strikes,
    strikes_remove,
)
from .owners import agent_add, agent_remove, owner_apply, owner_decide, right_clean

__all__ = [
    "MAX_LISTINGS_PER_NOTICE",
    "OUTCOME_WORDS",
    "REPEAT_INFRINGEMENT",
    "STRIKES_TO_SUSPEND",
    "SWORN_STATEMENT",
    "agent_add",
    "agent_remove",
    "notice_decide",
    "notice_file",
    "notice_listings_restore",
    "notice_withdraw",
    "owner_apply",
    "owner_decide",
    "right_clean",
    "rights_notice_backdate",
    "shop_active_strikes",
    "strikes_remove",
]
