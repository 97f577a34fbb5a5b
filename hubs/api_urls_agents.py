# REST routes of village hubs (agents), included by marketplace/urls.py under /api/v1/.
from django.urls import path

from . import api_agents as api

urlpatterns = [
    path("hubs", api.HubListApi.as_view(), name="api-hubs"),
    path("hubs/<slug:slug>", api.HubDetailApi.as_view(), name="api-hub"),
    path("hubs/<slug:slug>/agent-applications", api.HubApplicationApi.as_view(),
         name="api-hub-agent-applications"),
    path("hub/me", api.HubMeApi.as_view(), name="api-hub-me"),
    path("moderation/hubs", api.StaffHubListApi.as_view(), name="api-mod-hubs"),
    # Before "moderation/hubs/<slug>": these words are reserved slugs.
    path("moderation/hubs/agent-applications", api.StaffApplicationQueueApi.as_view(),
         name="api-mod-hub-agent-applications"),
    path("moderation/hubs/agent-applications/<int:application_id>/decision",
         api.StaffApplicationDecisionApi.as_view(), name="api-mod-hub-agent-decision"),
    path("moderation/hubs/agents/<int:agent_id>/remove", api.StaffAgentRemoveApi.as_view(),
         name="api-mod-hub-agent-remove"),
    path("moderation/hubs/<slug:slug>", api.StaffHubDetailApi.as_view(), name="api-mod-hub"),
]
