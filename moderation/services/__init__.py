"""Every write of the moderation app: each staff action calls the owning app's service and
appends one audit row in the same transaction (see each module for the exceptions)."""
