"""Input and output shapes of the brands API (names unique across the project)."""

from rest_framework import serializers

from brands.models import Notice, Right, RightsOwner

MAX_ID = 2**31 - 1  # ids are PostgreSQL integers: a larger number names nothing


class BrandRightSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField()
    basis = serializers.ChoiceField(choices=Right.Basis.choices)
    registration_number = serializers.CharField()
    registration_office = serializers.CharField()
    explanation = serializers.CharField()


class BrandDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    file_name = serializers.CharField()
    content_type = serializers.CharField()
    size_bytes = serializers.IntegerField()
    right = serializers.IntegerField(source="right_id", allow_null=True)
    created = serializers.DateTimeField()


class BrandAgentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField(source="user.email")
    display_name = serializers.CharField(source="user.display_name")
    created = serializers.DateTimeField()


class BrandOwnerApplyInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RightsOwner.Kind.choices)
    name = serializers.CharField(max_length=120)
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    right_name = serializers.CharField(max_length=120)
    basis = serializers.ChoiceField(choices=Right.Basis.choices)
    registration_number = serializers.CharField(max_length=64, required=False,
                                                allow_blank=True, default="")
    registration_office = serializers.CharField(max_length=120, required=False,
                                                allow_blank=True, default="")
    explanation = serializers.CharField(max_length=4000, required=False, allow_blank=True,
                                        default="")
    documents = serializers.ListField(child=serializers.FileField(), min_length=1,
                                      max_length=5)


class BrandOwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RightsOwner.Kind.choices)
    name = serializers.CharField()
    contact_email = serializers.EmailField()
    status = serializers.ChoiceField(choices=RightsOwner.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    decision_note = serializers.CharField()
    filing_suspended = serializers.BooleanField()
    is_applicant = serializers.SerializerMethodField()
    rights = BrandRightSerializer(many=True, source="rights.all")
    created = serializers.DateTimeField()

    def get_is_applicant(self, owner) -> bool:
        request = self.context.get("request")
        return bool(request and owner.applicant_id == request.user.pk)


class BrandStaffOwnerSerializer(BrandOwnerSerializer):
    applicant_email = serializers.EmailField(source="applicant.email")
    documents = BrandDocumentSerializer(many=True, source="documents.all")
    decided_at = serializers.DateTimeField(allow_null=True)


class BrandAgentInputSerializer(serializers.Serializer):
    email = serializers.EmailField()


class BrandNoticeItemSerializer(serializers.Serializer):
    listing = serializers.IntegerField(source="listing_id")
    listing_title = serializers.CharField()
    shop = serializers.CharField(source="shop.slug")
    taken_down_at = serializers.DateTimeField()
    restored_at = serializers.DateTimeField(allow_null=True)


class BrandNoticeInputSerializer(serializers.Serializer):
    right = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    listings = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1,
        max_length=20)
    reason = serializers.ChoiceField(choices=Notice.Reason.choices)
    evidence = serializers.CharField(max_length=4000)
    sworn = serializers.BooleanField(help_text="True: the filer confirms sworn_statement.")
    signature_name = serializers.CharField(max_length=120)


class BrandNoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    owner_name = serializers.CharField(source="owner.name")
    right = serializers.IntegerField(source="right_id")
    right_name = serializers.CharField(source="right.name")
    reason = serializers.ChoiceField(choices=Notice.Reason.choices)
    reason_label = serializers.CharField(source="get_reason_display")
    evidence = serializers.CharField()
    sworn_statement = serializers.CharField()
    signature_name = serializers.CharField()
    sworn_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=Notice.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    decision_note = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    created = serializers.DateTimeField()
    listings = BrandNoticeItemSerializer(many=True, source="items.all")


class BrandSellerNoticeSerializer(serializers.Serializer):
    """What the seller sees: who, which right, why, their own listings; no documents."""

    id = serializers.IntegerField()
    owner_name = serializers.CharField(source="owner.name")
    right_name = serializers.CharField(source="right.name")
    reason = serializers.ChoiceField(choices=Notice.Reason.choices)
    reason_label = serializers.CharField(source="get_reason_display")
    evidence = serializers.CharField()
    status = serializers.ChoiceField(choices=Notice.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    created = serializers.DateTimeField()
    listings = BrandNoticeItemSerializer(many=True, source="items.all")


class BrandDecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("uphold", "Uphold"), ("reverse", "Reverse")])
    note = serializers.CharField(max_length=2000)


class BrandNoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
