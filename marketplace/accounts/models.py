from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from .time_zones import default_time_zone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email and not extra_fields.get("phone"):
            raise ValueError("An e-mail address (or, for a hub's neighbour, a phone) is required.")
        email = self.normalize_email(email or "").lower()
        extra_fields.setdefault("display_name", (email.split("@")[0] or extra_fields["phone"])[:60])
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person on the marketplace; the e-mail address is the log-in.

    A neighbour whose shop a village hub's agent runs may have no e-mail address (empty): a
    phone number and a postal address are enough; such a person is told things by text message
    and cannot log in until they set an address and a password.
    """

    email = models.EmailField(blank=True)
    # E.164 ("+15551234567") or empty: where text messages go (see notifications' SMS channel).
    phone = models.CharField(max_length=16, blank=True)
    display_name = models.CharField(max_length=60)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Set when the person opens the link mailed to `email`; cleared when the address changes
    # before the new one is confirmed. Needed to open a shop and to be paid out.
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    # An IANA name (validated against zoneinfo): pages and e-mails show times in it.
    time_zone = models.CharField(max_length=64, default=default_time_zone)
    # Set when the person closed the account: their personal data is erased, the row stays
    # so that orders, reviews and the ledger keep an anonymous reference.
    closed_at = models.DateTimeField(null=True, blank=True)
    # Counts requests to change the address and changes of password: a change-of-address link
    # carries the number it was made for, so only the newest request's link works, and a new
    # password voids every link still pending.
    email_change_serial = models.PositiveIntegerField(default=0)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), condition=~Q(email=""),
                                    name="accounts_user_email_ci_unique"),
            models.UniqueConstraint(fields=["email"], condition=~Q(email=""),
                                    name="accounts_user_email_unique"),
            models.UniqueConstraint(fields=["phone"], condition=~Q(phone=""),
                                    name="accounts_user_phone_unique"),
            models.CheckConstraint(condition=~Q(email="", phone=""),
                                   name="accounts_user_email_or_phone"),
        ]
        permissions = [
            ("reset_second_factor", "Can reset another staff member's second factor"),
        ]

    def __str__(self):
        return self.email or self.display_name or self.phone

    @property
    def is_email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def get_full_name(self):
        return self.display_name

    def get_short_name(self):
        return self.display_name


class StaffToken(models.Model):
    """An API credential for staff endpoints, created only from a session verified with a code.

    Only the SHA-256 of the key is stored; the key is shown once. It expires STAFF_TOKEN_HOURS
    (12) after creation; `code_verified_at` is when its holder last entered a code (money
    decisions need one from the last 15 minutes: POST /api/v1/auth/staff-code).
    """

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    key_digest = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    code_verified_at = models.DateTimeField()

    def __str__(self):
        return f"staff token of {self.user_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class KnownBrowser(models.Model):
    """A browser a staff member has signed in from (a signed random id in a cookie)."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    browser_digest = models.CharField(max_length=64)
    first_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "browser_digest"],
                                    name="accounts_knownbrowser_once"),
        ]

    def __str__(self):
        return f"browser of {self.user_id} since {self.first_seen:%Y-%m-%d}"
