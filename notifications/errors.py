"""Domain errors of the notifications app; `http_status` is what the API answers."""


class NotificationNotFound(Exception):
    http_status = 404

    def __init__(self):
        super().__init__("Notification not found.")


class UnknownNotificationKind(ValueError):
    """A caller named a kind that is not in notifications.kinds.KINDS (a programming error)."""


class BadNotificationContext(ValueError):
    """A caller left out a key its kind needs, or handed over something that is not plain data."""


class SmsProviderUnavailable(Exception):
    """The SMS provider did not take the text (down, overloaded, unreachable): try again later."""


class SmsRefused(Exception):
    """The SMS provider refused the text for good (a number it cannot text, bad credentials)."""
