"""The hubs REST API for hubs and agents (docs/api.md "Village hubs"): thin, each calls one
service or selector. The public sees open hubs; a person applies; an agent reads their hub;
staff open and change hubs and decide on agents."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status as http
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from moderation.permissions import IsModerator
from web.filters import status_filter

from . import selectors
from . import serializers as s
from .errors import NotAllowed
from .models import HubAgent
from .services.agents import agent_apply, agent_decide, agent_remove
from .services.hub_admin import hub_change, hub_create


def _paginated(request, view, rows, serializer):
    paginator = api_settings.DEFAULT_PAGINATION_CLASS()
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


class HubListApi(APIView):
    permission_classes = [AllowAny]
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(responses=s.HubSerializer(many=True))
    def get(self, request):
        return _paginated(request, self, selectors.hubs_open(), s.HubSerializer)


class HubDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=s.HubDetailSerializer)
    def get(self, request, slug):
        hub = selectors.hub_get(slug=slug)
        hub.agents_verified = selectors.hub_verified_agents(hub=hub)
        hub.shops_public = selectors.hub_managed_shops_public(hub=hub)
        return Response(s.HubDetailSerializer(hub).data)


class HubApplicationApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=s.HubApplicationInputSerializer,
                   responses={201: s.HubApplicationSerializer})
    def post(self, request, slug):
        data = s.HubApplicationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = agent_apply(user=request.user, hub_slug=slug,
                                  statement=data.validated_data["statement"])
        return Response(s.HubApplicationSerializer(application).data,
                        status=http.HTTP_201_CREATED)


class HubMeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.HubMeSerializer)
    def get(self, request):
        agency = selectors.agency_of(user=request.user)
        if agency is None:
            raise NotAllowed("You are not a verified agent of an open hub.")
        board = selectors.agent_dashboard(agency=agency, with_rows=False)
        return Response(s.HubMeSerializer(board).data)


# --- staff ------------------------------------------------------------------------------

class StaffApi(APIView):
    permission_classes = [IsAuthenticated, IsModerator]


class StaffHubListApi(StaffApi):
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(responses=s.HubStaffSerializer(many=True))
    def get(self, request):
        return _paginated(request, self, selectors.hubs_for_staff(), s.HubStaffSerializer)

    @extend_schema(request=s.HubCreateInputSerializer, responses={201: s.HubStaffSerializer})
    def post(self, request):
        data = s.HubCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        hub = hub_create(actor=request.user, village_slug=values.pop("village"), **values)
        return Response(s.HubStaffSerializer(selectors.hub_for_staff(slug=hub.slug)).data,
                        status=http.HTTP_201_CREATED)


class StaffHubDetailApi(StaffApi):
    @extend_schema(responses=s.HubStaffSerializer)
    def get(self, request, slug):
        return Response(s.HubStaffSerializer(selectors.hub_for_staff(slug=slug)).data)

    @extend_schema(request=s.HubChangeInputSerializer, responses=s.HubStaffSerializer)
    def patch(self, request, slug):
        data = s.HubChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        hub_change(actor=request.user, slug=slug, commission_bps=values.get("commission_bps"),
                   is_open=values.get("is_open"), note=values["note"])
        return Response(s.HubStaffSerializer(selectors.hub_for_staff(slug=slug)).data)


class StaffApplicationQueueApi(StaffApi):
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(parameters=[OpenApiParameter("status", str, required=False,
                                                description="default pending")],
                   responses=s.HubStaffApplicationSerializer(many=True))
    def get(self, request):
        status = status_filter(request.query_params.get("status"),
                               allowed=HubAgent.Status.values, default=HubAgent.Status.PENDING)
        return _paginated(request, self, selectors.agent_application_queue(status=status),
                          s.HubStaffApplicationSerializer)


class StaffApplicationDecisionApi(StaffApi):
    @extend_schema(request=s.HubDecisionInputSerializer,
                   responses=s.HubStaffApplicationSerializer)
    def post(self, request, application_id):
        data = s.HubDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agent_decide(application_id=application_id, actor=request.user,
                     decision=data.validated_data["decision"],
                     note=data.validated_data["note"])
        return Response(s.HubStaffApplicationSerializer(
            selectors.agent_application_for_staff(application_id=application_id)).data)


class StaffAgentRemoveApi(StaffApi):
    @extend_schema(request=s.HubRemoveInputSerializer, responses=s.HubStaffApplicationSerializer)
    def post(self, request, agent_id):
        data = s.HubRemoveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agent_remove(agent_id=agent_id, actor=request.user, note=data.validated_data["note"])
        return Response(s.HubStaffApplicationSerializer(
            selectors.agent_application_for_staff(application_id=agent_id)).data)
