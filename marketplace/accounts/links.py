"""Signed, expiring links mailed to a person: confirm an address, confirm a change of address.

Each link carries the account id and the address it is about, signed with SECRET_KEY and a
salt of its own (django.core.signing, timestamped). It is good for EMAIL_CONFIRMATION_MAX_AGE
seconds, and only while the account is still in the state it was sent for: a link for an
address the account no longer has (changed since, or already switched) reads as used.
A change-of-address link also carries the account's `email_change_serial` at the time of the
request and a fingerprint of its password hash (as Django's PasswordResetTokenGenerator binds
to state): a newer request makes it "replaced", a new password makes it "password".
Password-reset links are Django's own (default_token_generator), see views_account.py.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

CONFIRM_SALT = "accounts.email-confirm"
CHANGE_SALT = "accounts.email-change"


class LinkInvalid(Exception):
    """A link that cannot be used: `reason` is expired, tampered, used, replaced (a newer
    change of address was asked for) or password (the password changed since)."""

    http_status = 400

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class LinkClaim:
    user_id: int
    email: str
    old_email: str = ""
    serial: int = 0
    password_print: str = ""


def confirmation_token(*, user_id: int, email: str) -> str:
    return signing.dumps({"u": user_id, "e": email}, salt=CONFIRM_SALT, compress=True)


def password_fingerprint(password_hash: str) -> str:
    """A short keyed digest of the stored password hash: changes whenever the password does."""
    return salted_hmac(CHANGE_SALT, password_hash or "", algorithm="sha256").hexdigest()[:20]


def password_unchanged(claim: LinkClaim, password_hash: str) -> bool:
    return constant_time_compare(claim.password_print, password_fingerprint(password_hash))


def change_token(*, user_id: int, new_email: str, old_email: str, serial: int,
                 password_hash: str) -> str:
    return signing.dumps({"u": user_id, "e": new_email, "o": old_email, "n": serial,
                          "p": password_fingerprint(password_hash)},
                         salt=CHANGE_SALT, compress=True)


def _read(token: str, *, salt: str) -> dict:
    try:
        data = signing.loads(token, salt=salt, max_age=settings.EMAIL_CONFIRMATION_MAX_AGE)
    except signing.SignatureExpired:
        raise LinkInvalid("expired") from None
    except signing.BadSignature:
        raise LinkInvalid("tampered") from None
    if (not isinstance(data, dict) or not isinstance(data.get("u"), int)
            or not isinstance(data.get("e"), str)):
        raise LinkInvalid("tampered")
    return data


def confirmation_read(token: str) -> LinkClaim:
    data = _read(token, salt=CONFIRM_SALT)
    return LinkClaim(user_id=data["u"], email=data["e"])


def change_read(token: str) -> LinkClaim:
    data = _read(token, salt=CHANGE_SALT)
    if (not isinstance(data.get("o"), str) or not isinstance(data.get("n"), int)
            or not isinstance(data.get("p"), str)):
        raise LinkInvalid("tampered")
    return LinkClaim(user_id=data["u"], email=data["e"], old_email=data["o"],
                     serial=data["n"], password_print=data["p"])
