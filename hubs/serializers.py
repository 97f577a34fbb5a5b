"""Input and output shapes of the hubs API (names unique across the project)."""

from rest_framework import serializers

from sellers.us_states import STATE_CHOICES

from .models import MAX_HUB_COMMISSION_BPS, HubAgent
from .services.agents import STATEMENT_MAX

MAX_ID = 2**31 - 1  # ids are PostgreSQL integers: a larger number names nothing


class HubVillageSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    state = serializers.CharField()


class HubSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    village = HubVillageSerializer()
    line1 = serializers.CharField()
    line2 = serializers.CharField()
    city = serializers.CharField()
    state = serializers.CharField()
    postal_code = serializers.CharField()
    phone = serializers.CharField()
    opening_hours = serializers.CharField()


class HubShopSerializer(serializers.Serializer):
    slug = serializers.SlugField(source="shop.slug")
    name = serializers.CharField(source="shop.name")


class HubAgentPublicSerializer(serializers.Serializer):
    display_name = serializers.CharField(source="user.display_name")


class HubDetailSerializer(HubSerializer):
    agents = HubAgentPublicSerializer(source="agents_verified", many=True,
                                      help_text="Its verified agents.")
    shops = HubShopSerializer(source="shops_public", many=True,
                              help_text="The live shops its agents run, active only.")


class HubApplicationInputSerializer(serializers.Serializer):
    statement = serializers.CharField(max_length=STATEMENT_MAX)


class HubApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    hub = serializers.SlugField(source="hub.slug")
    hub_name = serializers.CharField(source="hub.name")
    status = serializers.ChoiceField(choices=HubAgent.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    statement = serializers.CharField()
    created = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()


class HubApplicantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.CharField()
    display_name = serializers.CharField()


class HubStaffApplicationSerializer(HubApplicationSerializer):
    user = HubApplicantSerializer()


class HubDecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("verify", "Verify"), ("reject", "Reject")])
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class HubRemoveInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class HubCountsSerializer(serializers.Serializer):
    managed_shops = serializers.IntegerField(source="managed_count")
    orders_to_ship = serializers.IntegerField(source="orders_count")
    cash_outs_waiting = serializers.IntegerField(source="cash_outs_count")
    parcels_on_the_way = serializers.IntegerField()
    parcels_waiting = serializers.IntegerField()
    cash_ready_shops = serializers.IntegerField()
    cash_ready_cents = serializers.IntegerField()


class HubMeSerializer(serializers.Serializer):
    hub = HubSerializer(source="agency.hub")
    counts = HubCountsSerializer(source="*")


class HubStaffSerializer(HubSerializer):
    commission_bps = serializers.IntegerField()
    is_open = serializers.BooleanField()
    created = serializers.DateTimeField()
    agent_count = serializers.IntegerField()
    pending_count = serializers.IntegerField()
    managed_count = serializers.IntegerField()


class HubCreateInputSerializer(serializers.Serializer):
    village = serializers.SlugField(help_text="The village's slug.")
    name = serializers.CharField(max_length=100)
    line1 = serializers.CharField(max_length=120)
    line2 = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=80)
    state = serializers.ChoiceField(choices=STATE_CHOICES)
    postal_code = serializers.CharField(max_length=10)
    phone = serializers.CharField(max_length=25)
    opening_hours = serializers.CharField(max_length=300)
    commission_bps = serializers.IntegerField(min_value=0, max_value=MAX_HUB_COMMISSION_BPS,
                                              required=False, default=0)


class HubChangeInputSerializer(serializers.Serializer):
    commission_bps = serializers.IntegerField(min_value=0, max_value=MAX_HUB_COMMISSION_BPS,
                                              required=False)
    is_open = serializers.BooleanField(required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if "commission_bps" not in attrs and "is_open" not in attrs:
            raise serializers.ValidationError("Give commission_bps or is_open (or both).")
        return attrs
