"""Brand protection: rights owners, their rights and proof, notices against listings,
counter-notices and the strikes that upheld notices leave on a shop.

Proof documents are kept in the database, not in media storage: media may be served publicly by
a CDN, and these files are shown only to staff and to the owner's own people, through a view
that checks who asks.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from sellers.models import Listing, Shop

STRIKE_LIFETIME = timedelta(days=365)


class RightsOwner(models.Model):
    """A company or person who applied to report listings that infringe their rights."""

    class Kind(models.TextChoices):
        COMPANY = "company", "Company"
        PERSON = "person", "Person"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for verification"  # applied; staff have not decided
        VERIFIED = "verified", "Verified"  # may file notices, with their agents
        REJECTED = "rejected", "Not verified"  # staff refused the application

    applicant = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rights_owner",
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = models.CharField(max_length=120, help_text="The company's or the person's name.")
    contact_email = models.EmailField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    # Set by staff when the owner abuses the process; a suspended owner files no notice.
    filing_suspended = models.BooleanField(default=False)
    filing_suspended_at = models.DateTimeField(null=True, blank=True)
    filing_suspended_note = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["status", "created"])]

    def __str__(self):
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.status == self.Status.VERIFIED


class OwnerAgent(models.Model):
    """A user who acts for a verified owner (their staff or their lawyer)."""

    owner = models.ForeignKey(RightsOwner, on_delete=models.CASCADE, related_name="agents")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rights_owner_agencies",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "user"], name="brands_agent_once_per_owner"),
        ]

    def __str__(self):
        return f"{self.user} for {self.owner}"


class Right(models.Model):
    """A brand or work an owner holds: a registered mark, a copyright or an unregistered mark."""

    class Basis(models.TextChoices):
        REGISTERED = "registered", "Registered trademark"  # with a number and an office
        COPYRIGHT = "copyright", "Copyright"  # photos, designs, texts
        UNREGISTERED = "unregistered", "Unregistered trademark"  # explained in words

    owner = models.ForeignKey(RightsOwner, on_delete=models.CASCADE, related_name="rights")
    name = models.CharField(max_length=120, help_text="The brand or the work, as buyers see it.")
    basis = models.CharField(max_length=16, choices=Basis.choices)
    registration_number = models.CharField(max_length=64, blank=True)
    registration_office = models.CharField(max_length=120, blank=True)  # e.g. USPTO
    explanation = models.TextField(max_length=4000, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(basis="registered") | ~Q(registration_number=""),
                name="brands_registered_right_has_number",
            ),
        ]

    def __str__(self):
        return self.name


class ProofDocument(models.Model):
    """A PDF or image proving a right; its bytes stay in the database, never in public media."""

    owner = models.ForeignKey(RightsOwner, on_delete=models.CASCADE, related_name="documents")
    right = models.ForeignKey(
        Right, null=True, blank=True, on_delete=models.CASCADE, related_name="documents",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
    )
    file_name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=32)  # from the bytes: application/pdf, image/…
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self):
        return self.file_name


class Notice(models.Model):
    """A verified owner's sworn report that listings infringe one of their rights."""

    class Reason(models.TextChoices):
        COUNTERFEIT = "counterfeit", "Counterfeit goods"
        TRADEMARK = "trademark", "Misuse of a trademark"
        PHOTOS = "photos", "Copied photos"
        DESIGN = "design", "Copied design"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a decision"  # listings down; staff have not decided
        UPHELD = "upheld", "Upheld"  # staff agreed: the listings stay down, a strike stands
        WITHDRAWN = "withdrawn", "Withdrawn by the owner"  # strike removed, listings back
        REVERSED = "reversed", "Reversed by staff"  # staff disagreed: strike removed, back up
        # the seller answered and the owner reported no court action in time: listings back
        RESTORED = "restored", "Restored after the seller's answer"

    owner = models.ForeignKey(RightsOwner, on_delete=models.PROTECT, related_name="notices")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
    )
    right = models.ForeignKey(Right, on_delete=models.PROTECT, related_name="notices")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    evidence = models.TextField(max_length=4000)
    sworn_statement = models.TextField()  # the exact text the filer confirmed
    signature_name = models.CharField(max_length=120)  # the filer's typed full name
    sworn_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)  # upheld/withdrawn/reversed/restored
    decision_note = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["status", "created"]),
            models.Index(fields=["owner", "-created"]),
        ]

    def __str__(self):
        return f"Notice #{self.pk}"


class NoticeListing(models.Model):
    """One listing a notice covers, with when it went down and, if it did, came back."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="items")
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="+")
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+")
    listing_title = models.CharField(max_length=120)  # as it was when the notice was filed
    taken_down_at = models.DateTimeField()
    restored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "listing"], name="brands_listing_once_per_notice",
            ),
        ]
        indexes = [models.Index(fields=["shop", "notice"])]

    def __str__(self):
        return f"{self.listing_title} in notice #{self.notice_id}"


class CounterNotice(models.Model):
    """The seller's one sworn answer to a notice."""

    notice = models.OneToOneField(Notice, on_delete=models.CASCADE, related_name="counter_notice")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
    )
    statement = models.TextField(max_length=4000)
    evidence = models.TextField(max_length=4000, blank=True)
    consents_to_jurisdiction = models.BooleanField()
    signature_name = models.CharField(max_length=120)
    signed_at = models.DateTimeField()
    # 10 business days after signed_at: unless the owner reports an action by then, listings return
    action_due_at = models.DateTimeField()
    action_filed_at = models.DateTimeField(null=True, blank=True)  # the owner reported an action
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["action_due_at"])]

    def __str__(self):
        return f"Answer to notice #{self.notice_id}"


class Strike(models.Model):
    """An upheld notice counted against a shop for 12 months."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+")
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="strikes")
    created = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)  # notice withdrawn or reversed

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "shop"], name="brands_strike_once_per_shop"),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created")), name="brands_strike_expires_later",
            ),
        ]
        indexes = [models.Index(fields=["shop", "expires_at"])]

    def __str__(self):
        return f"Strike on shop #{self.shop_id} (notice #{self.notice_id})"
