from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from .us_states import STATE_CHOICES

MAX_PRICE_CENTS = 10_000_000  # $100,000


class Village(models.Model):
    """A US town where sellers live."""

    name = models.CharField(max_length=80)
    county = models.CharField(max_length=80, blank=True)
    state = models.CharField(max_length=2, choices=STATE_CHOICES)
    slug = models.SlugField(max_length=100, unique=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "state"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "state", name="village_name_state_unique"),
        ]

    def __str__(self):
        return f"{self.name}, {self.state}"

    def get_absolute_url(self):
        return reverse("catalog-village", args=[self.slug])


class Category(models.Model):
    """A node of the two-level category tree, managed by staff."""

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=100, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    position = models.PositiveSmallIntegerField(default=0)
    # Perishables confirm sooner: overrides ESCROW_AUTO_CONFIRM_DAYS when set.
    auto_confirm_days = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name if self.parent_id is None else f"{self.parent} › {self.name}"

    def get_absolute_url(self):
        return reverse("catalog-category", args=[self.slug])


class Shop(models.Model):
    # The labels are what people read; the moves between them are in sellers/transitions.py.
    class Status(models.TextChoices):
        # opened, waiting for staff to verify
        PENDING_VERIFICATION = "pending_verification", "Waiting for verification"
        ACTIVE = "active", "Active"  # verified: public, may list and sell
        SUSPENDED = "suspended", "Suspended"  # hidden by staff; open orders run on, payouts held
        CLOSED = "closed", "Closed"  # its owner closed their account; for good

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shop"
    )
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(max_length=4000, blank=True)
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="shops")
    status = models.CharField(
        max_length=24, choices=Status.choices, default=Status.PENDING_VERIFICATION
    )
    status_reason = models.TextField(blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    # Written only by the review service, in the transaction that adds or hides a review:
    # catalog pages sort and show it without aggregating reviews per request.
    rating_avg = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    rating_count = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["status", "village"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("storefront", args=[self.slug])

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Listing(models.Model):
    # The labels are what people read; the moves between them are in sellers/transitions.py.
    class Status(models.TextChoices):
        # prepared while the shop waits for verification; published when it is verified
        DRAFT = "draft", "Draft"
        PENDING_REVIEW = "pending_review", "Waiting for review"  # waiting for a moderator
        ACTIVE = "active", "Active"  # public and buyable
        REJECTED = "rejected", "Declined"  # a moderator refused it
        TAKEN_DOWN = "taken_down", "Taken down"  # removed by a moderator after going live
        ARCHIVED = "archived", "Deleted"  # deleted by its seller; orders keep their own copy

    class HoldReason(models.TextChoices):
        """Why a listing waits for review (set exactly while its status is pending_review)."""

        NEW_SHOP = "new_shop", "A new shop's first listings"
        SCREENING = "screening", "Flagged by screening"
        REPORTED = "reported", "Hidden after buyers' reports"
        RESUBMITTED = "resubmitted", "Changed after it was declined"

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="listings")
    title = models.CharField(max_length=120)
    description = models.TextField(max_length=5000, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="listings")
    price_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="USD")
    stock = models.IntegerField(default=0)
    shipping_cents = models.BigIntegerField(default=0)
    local_pickup = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING_REVIEW
    )
    review_reason = models.TextField(blank=True)  # what the seller reads
    hold_reason = models.CharField(max_length=16, choices=HoldReason.choices, blank=True)
    # First time the listing went live (automatically or by a moderator): a shop's first three
    # approved listings are reviewed by hand, later ones only when screening flags them.
    approved_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)
    # Written only by database triggers (migration 0002): title (A), category (B), shop and
    # village (C), description (D). Never set it from Python.
    search_vector = SearchVectorField(null=True, editable=False)
    # A pre-order (harvest not in yet): the promised ship date; null = an in-stock listing.
    # While set, `stock` is the planned harvest quantity still to sell.
    preorder_ships_by = models.DateField(null=True, blank=True)
    # The share of the price paid at checkout, in basis points (2000..10000 = 20..100 %);
    # the balance is paid when the seller marks the order ready to ship.
    preorder_deposit_bps = models.PositiveIntegerField(default=10000)
    # The promised date the seller moved away from (set once: a second move is refused).
    preorder_moved_from = models.DateField(null=True, blank=True)
    # Whether the listing's shop is active: a copy of the shop's status written only by database
    # triggers (migration 0013), so that a search tells public listings from their own rows
    # instead of looking up each match's shop. Never set it from Python.
    shop_active = models.BooleanField(default=False, editable=False)
    # The cover photo's thumbnail (the photo at the lowest position), copied from
    # `ListingImage` by a database trigger (migration 0014) so that a page of cards reads no
    # photo rows; null without a photo. Never set them from Python.
    cover_thumbnail = models.CharField(max_length=200, null=True, editable=False)
    cover_width = models.PositiveIntegerField(null=True, editable=False)
    cover_height = models.PositiveIntegerField(null=True, editable=False)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="listing_stock_non_negative"),
            models.CheckConstraint(
                condition=Q(preorder_deposit_bps__gte=2000) & Q(preorder_deposit_bps__lte=10000),
                name="listing_preorder_deposit_in_range",
            ),
            models.CheckConstraint(
                condition=Q(price_cents__gt=0) & Q(price_cents__lte=MAX_PRICE_CENTS),
                name="listing_price_in_range",
            ),
            models.CheckConstraint(
                condition=Q(shipping_cents__gte=0), name="listing_shipping_non_negative"
            ),
        ]
        indexes = [
            # Newest first (with the id breaking ties, as every "newest" order does): a text
            # search's candidates and browsing walk it and stop after a page or a thousand
            # matches, with no sort of the rows read.
            models.Index(fields=["status", "-created", "-id"], name="listing_status_newest"),
            models.Index(fields=["shop", "status"]),
            models.Index(fields=["category", "status"]),
            GinIndex(fields=["search_vector"], name="listing_search_vector_gin"),
            # Price sorts walk this (forwards for cheapest first, backwards for dearest) and
            # stop after a page, instead of sorting every match.
            models.Index(fields=["price_cents", "id"], name="listing_active_price",
                         condition=Q(status="active")),
            # Words plus a state or village and a price bound: a shop's listings in that band
            # come from the index alone, a tenth of the rows a shop's whole list would read.
            models.Index(fields=["shop", "price_cents"], name="listing_active_shop_price",
                         condition=Q(status="active")),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("catalog-listing", args=[self.pk])

    @property
    def is_preorder(self) -> bool:
        return self.preorder_ships_by is not None

    @property
    def preorder_deposit_percent(self) -> str:
        """The deposit share as people read it: "30", "12.5"."""
        return f"{self.preorder_deposit_bps / 100:g}"


class ListingImage(models.Model):
    """A re-encoded WebP photo of a listing; the one at the lowest position is the cover."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="images")
    image = models.FileField(max_length=200)
    thumbnail = models.FileField(max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    thumbnail_width = models.PositiveIntegerField()
    thumbnail_height = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"Image {self.position} of listing {self.listing_id}"


class ScreeningTerm(models.Model):
    """A staff-edited word or phrase that holds a new or edited listing for review."""

    class Kind(models.TextChoices):
        PROHIBITED = "prohibited", "Prohibited goods"  # never sold: always held for review
        WATCHED_BRAND = "watched_brand", "Watched brand"  # often faked: held (below its floor)

    kind = models.CharField(max_length=16, choices=Kind.choices)
    term = models.CharField(max_length=80, help_text="Matched as whole words, ignoring case.")
    # Only for watched brands: a genuine item never sells below this, so cheaper is suspicious.
    # Empty: every listing that names the brand is held.
    price_floor_cents = models.BigIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True, help_text="Why, for other staff.")
    is_active = models.BooleanField(default=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "term"]
        constraints = [
            models.UniqueConstraint(Lower("term"), "kind", name="screening_term_kind_unique"),
            models.CheckConstraint(
                condition=Q(price_floor_cents__isnull=True) | Q(price_floor_cents__gt=0),
                name="screening_price_floor_positive",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.term}"


class SearchWord(models.Model):
    """A word of the active listings' titles and descriptions, for correcting typed words.

    Rebuilt as a whole by `search_vocabulary_rebuild` (the `search-vocabulary` job); search
    reads it only to correct a word that matches no listing, so a new word waits one run.
    """

    word = models.CharField(max_length=40, primary_key=True)
    listings = models.PositiveIntegerField(help_text="How many active listings use the word.")

    class Meta:
        indexes = [models.Index(models.functions.Length("word"), "word", name="search_word_length")]

    def __str__(self):
        return self.word
