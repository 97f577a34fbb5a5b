"""API of the answer to a notice, the owners' filing rights and the transparency report: thin,
each calls one service or selector."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from brands.abuse import owners_flagged, owners_with_abuse_figures
from brands.services import counter_notices, filing
from brands.transparency import MONTHS_MAX, MONTHS_SHOWN, transparency_months
from moderation.permissions import IsModerator


class CounterNoticeInputSerializer(serializers.Serializer):
    statement = serializers.CharField(max_length=4000)
    evidence = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    consents_to_jurisdiction = serializers.BooleanField(
        help_text=f"Must be true: {counter_notices.JURISDICTION_CONSENT}")
    signature_name = serializers.CharField(max_length=120, help_text="The typed full name.")


class CounterNoticeOutputSerializer(serializers.Serializer):
    notice = serializers.IntegerField(source="notice_id")
    statement = serializers.CharField()
    evidence = serializers.CharField()
    consents_to_jurisdiction = serializers.BooleanField()
    signature_name = serializers.CharField()
    signed_at = serializers.DateTimeField()
    action_due_at = serializers.DateTimeField(
        help_text="Unless the owner reports a court action by then, the listings come back.")
    action_filed_at = serializers.DateTimeField(allow_null=True)


class CounterNoticeApi(APIView):
    @extend_schema(request=CounterNoticeInputSerializer,
                   responses={201: CounterNoticeOutputSerializer},
                   operation_id="brand_counter_notice_create")
    def post(self, request, notice_id):
        data = CounterNoticeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = counter_notices.counter_notice_file(notice_id=notice_id, user=request.user,
                                                     **data.validated_data)
        return Response(CounterNoticeOutputSerializer(answer).data, status=http.HTTP_201_CREATED)


class NoticeActionApi(APIView):
    @extend_schema(request=None, responses=CounterNoticeOutputSerializer,
                   operation_id="brand_notice_court_action_create")
    def post(self, request, notice_id):
        answer = counter_notices.notice_action_report(notice_id=notice_id, user=request.user)
        return Response(CounterNoticeOutputSerializer(answer).data)


class FlaggedOwnerOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    decided_recent = serializers.IntegerField(help_text="Notices decided in the last 90 days.")
    reversed_recent = serializers.IntegerField(
        help_text="Of those, reversed by staff or restored after the seller's answer.")
    filing_suspended = serializers.BooleanField()
    filing_suspended_at = serializers.DateTimeField(allow_null=True)


class NoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class FlaggedOwnersApi(APIView):
    permission_classes = [IsAuthenticated, IsModerator]
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(responses=FlaggedOwnerOutputSerializer(many=True),
                   operation_id="moderation_brand_owners_flagged_list")
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(owners_flagged(), request, view=self)
        return paginator.get_paginated_response(
            FlaggedOwnerOutputSerializer(page, many=True).data)


def _filing_api(service, operation_id):
    class FilingApi(APIView):
        permission_classes = [IsAuthenticated, IsModerator]

        @extend_schema(request=NoteInputSerializer, responses=FlaggedOwnerOutputSerializer,
                       operation_id=operation_id)
        def post(self, request, owner_id):
            data = NoteInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            service(owner_id=owner_id, actor=request.user, note=data.validated_data["note"])
            owner = owners_with_abuse_figures().get(pk=owner_id)
            return Response(FlaggedOwnerOutputSerializer(owner).data)

    FilingApi.__name__ = f"Filing{operation_id.title().replace('_', '')}Api"
    return FilingApi


OwnerFilingSuspendApi = _filing_api(filing.owner_filing_suspend,
                                    "moderation_brand_owner_filing_suspend")
OwnerFilingRestoreApi = _filing_api(filing.owner_filing_restore,
                                    "moderation_brand_owner_filing_restore")


class TransparencyMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM, calendar month in UTC.")
    notices_received = serializers.IntegerField()
    listings_taken_down = serializers.IntegerField()
    counter_notices = serializers.IntegerField()
    listings_restored = serializers.IntegerField()
    shops_suspended = serializers.IntegerField(help_text="For repeat infringement.")
    median_seconds_to_takedown = serializers.IntegerField(
        allow_null=True, help_text="Median time from a notice to its listings going down.")
    reports_received = serializers.IntegerField(help_text="Buyers' reports of listings.")
    reports_actioned = serializers.IntegerField(help_text="Reports that took a listing down.")
    reports_dismissed = serializers.IntegerField()


class TransparencyOutputSerializer(serializers.Serializer):
    months = TransparencyMonthSerializer(many=True)


class TransparencyApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        parameters=[OpenApiParameter("months", int, required=False,
                                     description=f"1 to {MONTHS_MAX}, default {MONTHS_SHOWN}")],
        responses=TransparencyOutputSerializer, operation_id="transparency_retrieve")
    def get(self, request):
        raw = request.query_params.get("months", str(MONTHS_SHOWN))
        if not raw.isdigit() or not 1 <= int(raw) <= MONTHS_MAX:
            return Response({"months": [f"Give a whole number from 1 to {MONTHS_MAX}."]},
                            status=http.HTTP_400_BAD_REQUEST)
        rows = transparency_months(months=int(raw))
        return Response({"months": [row.as_dict() for row in rows]})
