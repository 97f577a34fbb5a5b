"""The words staff read in the audit log for what a row is about and its before/after status.

Each status comes from the label table of its own state machine (the models' Status labels);
the few audit-only values (a review shown or hidden, a screening rule on or off, a staff
member's access) have their table here. An unknown value reads as itself, never as an error.
"""

from orders.models import Order
from payments.models import Refund
from sellers.models import Listing, Shop

OBJECT_TYPES = {
    "listing": "Listing", "shop": "Shop", "order": "Order", "review": "Review",
    "screening_term": "Screening rule", "refund": "Refund", "user": "Person",
    "rights_owner": "Rights owner", "notice": "Notice", "hub": "Hub", "hub_agent": "Hub agent",
    "cash_out": "Hub cash-out",
}

STATUS_TABLES = {
    "listing": dict(Listing.Status.choices),
    "shop": dict(Shop.Status.choices),
    "order": dict(Order.Status.choices),
    "refund": dict(Refund.Status.choices),
    "review": {"visible": "Shown", "hidden": "Hidden"},
    "screening_term": {"saved": "Saved", "active": "On", "inactive": "Off"},
    # brands/ sits above moderation, so its few words are repeated here
    "rights_owner": {"pending": "Waiting for verification", "verified": "Verified",
                     "rejected": "Not verified", "filing": "May file",
                     "filing_suspended": "May not file"},
    "notice": {"open": "Waiting for a decision", "upheld": "Upheld",
               "withdrawn": "Withdrawn by the owner", "reversed": "Reversed by staff",
               "restored": "Restored after the seller's answer"},
    # hubs/ sits above moderation too
    "hub": {"open": "Open", "closed": "Closed"},
    "hub_agent": {"pending": "Waiting for staff", "verified": "Verified agent",
                  "rejected": "Not accepted", "removed": "Removed by staff"},
    "cash_out": {"awaiting": "Waiting for the owner's confirmation",
                 "collected": "Collected at the hub", "cancelled": "Cancelled"},
    "user": {"enrolled": "Authenticator set up", "not enrolled": "No authenticator",
             "inactive": "Account off", "member": "Member", "staff": "Staff",
             "superuser": "Superuser"},
}


def audit_object_label(object_type: str) -> str:
    return OBJECT_TYPES.get(object_type, object_type.replace("_", " ").capitalize())


def audit_status_label(object_type: str, status: str) -> str:
    if not status:
        return ""
    return STATUS_TABLES.get(object_type, {}).get(status, status.replace("_", " ").capitalize())
