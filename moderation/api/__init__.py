"""The moderation API: staff endpoints (staff.py) and what any signed-in person may do
(public.py: report a listing, give a dispute statement, reply to a review)."""
