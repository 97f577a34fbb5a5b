"""Input and output shapes of the moderation API (names unique across the project)."""

from rest_framework import serializers


class ModerationReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=2000, required=False,
                                   default="")


class ModerationNoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, max_length=2000, required=False, default="")


class ModerationBulkApproveInputSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1,
                                max_length=100)


class ModerationBulkApproveOutputSerializer(serializers.Serializer):
    approved = serializers.ListField(child=serializers.IntegerField())
    problems = serializers.ListField(child=serializers.CharField())


class ModerationShopBriefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()


class ModerationListingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    price_cents = serializers.IntegerField()
    currency = serializers.CharField()
    status = serializers.CharField()
    review_reason = serializers.CharField()
    shop = ModerationShopBriefSerializer()
    created = serializers.DateTimeField()
    image_urls = serializers.SerializerMethodField()
    open_reports = serializers.IntegerField(required=False)

    def get_image_urls(self, listing) -> list[str]:
        return [image.thumbnail.url for image in listing.images.all()]


class ModerationListingDecisionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    review_reason = serializers.CharField()


class ModerationReportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    listing = serializers.IntegerField(source="listing_id")
    listing_title = serializers.CharField(source="listing.title")
    listing_status = serializers.CharField(source="listing.status")
    reason = serializers.CharField()
    details = serializers.CharField()
    reporter = serializers.CharField(source="reporter.email")
    status = serializers.CharField()
    distinct_reporters = serializers.IntegerField(required=False)
    created = serializers.DateTimeField()
    resolution_note = serializers.CharField()


class ModerationReportResolveInputSerializer(serializers.Serializer):
    action = serializers.CharField()
    note = serializers.CharField(allow_blank=True, max_length=2000, required=False, default="")


class ModerationShopOutputSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    status_reason = serializers.CharField()
    owner_email = serializers.CharField(source="owner.email")
    owner_name = serializers.CharField(source="owner.display_name")
    village = serializers.CharField(source="village.__str__")
    created = serializers.DateTimeField()
    verified_at = serializers.DateTimeField(allow_null=True)


class ModerationDisputeSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    shop = serializers.CharField(source="shop.slug")
    buyer = serializers.CharField(source="buyer.email")
    total_cents = serializers.IntegerField()
    currency = serializers.CharField()
    dispute_reason = serializers.CharField()
    dispute_details = serializers.CharField()
    disputed_at = serializers.DateTimeField(allow_null=True)
    chargeback = serializers.BooleanField(
        source="is_chargeback", default=False,
        help_text="The buyer's bank has a chargeback open: the order's money is frozen.")


class ModerationPhotoOutputSerializer(serializers.Serializer):
    url = serializers.CharField(source="image.url")
    thumbnail_url = serializers.CharField(source="thumbnail.url")


class ModerationStatementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.CharField()
    author = serializers.CharField(source="author.email")
    text = serializers.CharField()
    created = serializers.DateTimeField()
    photos = ModerationPhotoOutputSerializer(many=True, source="photos.all")


class ModerationTimelineOutputSerializer(serializers.Serializer):
    status = serializers.CharField()
    at = serializers.DateTimeField()
    note = serializers.CharField()


class ModerationEscrowOutputSerializer(serializers.Serializer):
    status = serializers.CharField()
    held_cents = serializers.IntegerField()
    released_cents = serializers.IntegerField()
    refunded_cents = serializers.IntegerField()
    remaining_cents = serializers.IntegerField()


class ModerationDisputeDetailSerializer(ModerationDisputeSummarySerializer):
    timeline = ModerationTimelineOutputSerializer(many=True, source="events.all")
    statements = ModerationStatementOutputSerializer(many=True, source="statements.all")
    escrow = ModerationEscrowOutputSerializer(allow_null=True)


class ModerationDisputeResolveInputSerializer(serializers.Serializer):
    outcome = serializers.CharField()
    refund_cents = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(allow_blank=True, max_length=400, required=False, default="")
    # Required only to decide before the seller's answer within 48 hours; kept in the audit.
    override_reason = serializers.CharField(allow_blank=True, max_length=1000, required=False,
                                            default="")


class ModerationAuditOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    actor = serializers.SerializerMethodField()
    action = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    object_repr = serializers.CharField()
    reason = serializers.CharField()
    status_before = serializers.CharField()
    status_after = serializers.CharField()
    created = serializers.DateTimeField()

    def get_actor(self, row) -> str:
        return row.actor.email if row.actor_id else "system"


class ModerationScreeningTermSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField()
    term = serializers.CharField()
    price_floor_cents = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)


class ModerationQueueOutputSerializer(serializers.Serializer):
    size = serializers.IntegerField()
    oldest = serializers.DateTimeField(allow_null=True)


class ModerationDashboardOutputSerializer(serializers.Serializer):
    listings = ModerationQueueOutputSerializer()
    reports = ModerationQueueOutputSerializer()
    shops = ModerationQueueOutputSerializer()
    disputes = ModerationQueueOutputSerializer()
    reports_today = serializers.IntegerField()
    orders_week = serializers.IntegerField()
    gmv_week_cents = serializers.IntegerField()
    currency = serializers.CharField()


class ModerationReviewOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField(source="order_id")
    rating = serializers.IntegerField()
    text = serializers.CharField()
    seller_reply = serializers.CharField()
    is_hidden = serializers.BooleanField()


class ReportCreateInputSerializer(serializers.Serializer):
    reason = serializers.CharField()
    details = serializers.CharField(allow_blank=True, required=False, default="")


class ReportCreatedOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    listing = serializers.IntegerField(source="listing_id")
    reason = serializers.CharField()
    status = serializers.CharField()


class DisputeStatementInputSerializer(serializers.Serializer):
    text = serializers.CharField()
    photos = serializers.ListField(child=serializers.FileField(), required=False)


class ReviewReplyInputSerializer(serializers.Serializer):
    text = serializers.CharField()


class ModerationRefundOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(source="escrow.reference")
    amount_cents = serializers.IntegerField()
    currency = serializers.CharField()
    status = serializers.CharField()
    attempt = serializers.IntegerField()
    error = serializers.CharField()
    stripe_id = serializers.CharField()
