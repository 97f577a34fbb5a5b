"""The brands REST API (docs/api.md "Brand protection"): thin, each calls one service or
selector. Owners' people, sellers and staff each see only what their pages show."""

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status as http
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from brands import selectors, services
from brands import serializers as s
from brands.documents import document_response
from brands.errors import NotAllowed, NotFound
from brands.models import Notice, ProofDocument, RightsOwner
from moderation.permissions import IsModerator
from sellers.selectors import shop_of_user
from web.filters import status_filter


def _paginated(request, view, rows, serializer, **kwargs):
    paginator = api_settings.DEFAULT_PAGINATION_CLASS()
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True, **kwargs).data)


def _my_owner(request) -> RightsOwner:
    owner = selectors.owner_acting_for(user=request.user)
    if owner is None:
        raise NotFound("You have not applied as a rights owner.")
    return owner


class OwnerApplyApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": s.BrandOwnerApplyInputSerializer},
                   responses={201: s.BrandOwnerSerializer})
    def post(self, request):
        data = s.BrandOwnerApplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        owner = services.owner_apply(
            applicant=request.user, kind=values["kind"], name=values["name"],
            contact_email=values["contact_email"],
            right={"name": values["right_name"], "basis": values["basis"],
                   "registration_number": values["registration_number"],
                   "registration_office": values["registration_office"],
                   "explanation": values["explanation"]},
            documents=request.FILES.getlist("documents"))
        return Response(s.BrandOwnerSerializer(owner, context={"request": request}).data,
                        status=http.HTTP_201_CREATED)


class OwnerMeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.BrandOwnerSerializer)
    def get(self, request):
        return Response(s.BrandOwnerSerializer(_my_owner(request),
                                               context={"request": request}).data)


class AgentListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.BrandAgentSerializer(many=True))
    def get(self, request):
        owner = _my_owner(request)
        if owner.applicant_id != request.user.pk:
            raise NotAllowed("Only the person who applied as the rights owner manages its "
                             "people.")
        return Response(s.BrandAgentSerializer(owner.agents.select_related("user"),
                                               many=True).data)

    @extend_schema(request=s.BrandAgentInputSerializer, responses={201: s.BrandAgentSerializer})
    def post(self, request):
        data = s.BrandAgentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agent = services.agent_add(actor=request.user, email=data.validated_data["email"])
        return Response(s.BrandAgentSerializer(agent).data, status=http.HTTP_201_CREATED)


class AgentDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, agent_id):
        services.agent_remove(actor=request.user, agent_id=agent_id)
        return Response(status=http.HTTP_204_NO_CONTENT)


class NoticeListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(responses=s.BrandNoticeSerializer(many=True))
    def get(self, request):
        return _paginated(request, self, selectors.notices_of_owner(owner=_my_owner(request)),
                          s.BrandNoticeSerializer)

    @extend_schema(request=s.BrandNoticeInputSerializer, responses={201: s.BrandNoticeSerializer})
    def post(self, request):
        data = s.BrandNoticeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        notice = services.notice_file(
            actor=request.user, right_id=values["right"], listing_ids=values["listings"],
            reason=values["reason"], evidence=values["evidence"], sworn=values["sworn"],
            signature_name=values["signature_name"])
        notice = selectors.notice_for_owner_people(notice_id=notice.pk, user=request.user)
        return Response(s.BrandNoticeSerializer(notice).data, status=http.HTTP_201_CREATED)


class NoticeDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.BrandNoticeSerializer)
    def get(self, request, notice_id):
        return Response(s.BrandNoticeSerializer(selectors.notice_for_owner_people(
            notice_id=notice_id, user=request.user)).data)


class NoticeWithdrawApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=s.BrandNoteInputSerializer, responses=s.BrandNoticeSerializer)
    def post(self, request, notice_id):
        data = s.BrandNoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.notice_withdraw(actor=request.user, notice_id=notice_id,
                                 note=data.validated_data["note"])
        return Response(s.BrandNoticeSerializer(selectors.notice_for_owner_people(
            notice_id=notice_id, user=request.user)).data)


class DocumentApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, document_id):
        try:
            proof = selectors.document_for_viewer(document_id=document_id, user=request.user)
        except NotFound as exc:
            raise Http404(str(exc)) from None
        return document_response(proof)


class SellerNoticeListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(responses=s.BrandSellerNoticeSerializer(many=True))
    def get(self, request):
        shop = shop_of_user(user=request.user)
        return _paginated(request, self, selectors.notices_against_shop(shop=shop),
                          s.BrandSellerNoticeSerializer)


class SellerNoticeDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.BrandSellerNoticeSerializer)
    def get(self, request, notice_id):
        shop = shop_of_user(user=request.user)
        return Response(s.BrandSellerNoticeSerializer(
            selectors.notice_for_seller(notice_id=notice_id, shop=shop)).data)


# --- staff ------------------------------------------------------------------------------

class StaffApi(APIView):
    permission_classes = [IsAuthenticated, IsModerator]


def _status_param(default: str):
    return [OpenApiParameter("status", str, required=False, description=f"default {default}")]


class StaffOwnerQueueApi(StaffApi):
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(parameters=_status_param("pending"),
                   responses=s.BrandStaffOwnerSerializer(many=True))
    def get(self, request):
        status = status_filter(request.query_params.get("status"),
                               allowed=RightsOwner.Status.values,
                               default=RightsOwner.Status.PENDING)
        rows = selectors.owner_queue(status=status).prefetch_related(
            "rights", Prefetch("documents", queryset=ProofDocument.objects.defer("content")))
        return _paginated(request, self, rows.select_related("applicant"),
                          s.BrandStaffOwnerSerializer)


class StaffOwnerDecideApi(StaffApi):
    decision = ""

    @extend_schema(request=s.BrandNoteInputSerializer, responses=s.BrandStaffOwnerSerializer)
    def post(self, request, owner_id):
        data = s.BrandNoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.owner_decide(owner_id=owner_id, actor=request.user,
                              verify=self.decision == "verify",
                              note=data.validated_data["note"])
        return Response(s.BrandStaffOwnerSerializer(
            selectors.owner_with_details(owner_id=owner_id)).data)


class StaffNoticeQueueApi(StaffApi):
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(parameters=_status_param("open"), responses=s.BrandNoticeSerializer(many=True))
    def get(self, request):
        status = status_filter(request.query_params.get("status"),
                               allowed=Notice.Status.values, default=Notice.Status.OPEN)
        return _paginated(request, self, selectors.notice_queue(status=status),
                          s.BrandNoticeSerializer)


class StaffNoticeDetailApi(StaffApi):
    @extend_schema(responses=s.BrandNoticeSerializer)
    def get(self, request, notice_id):
        return Response(s.BrandNoticeSerializer(
            selectors.notice_for_staff(notice_id=notice_id)).data)


class StaffNoticeDecideApi(StaffApi):
    @extend_schema(request=s.BrandDecisionInputSerializer, responses=s.BrandNoticeSerializer)
    def post(self, request, notice_id):
        data = s.BrandDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.notice_decide(notice_id=notice_id, actor=request.user,
                               decision=data.validated_data["decision"],
                               note=data.validated_data["note"])
        return Response(s.BrandNoticeSerializer(
            selectors.notice_for_staff(notice_id=notice_id)).data)
