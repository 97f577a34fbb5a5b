# Pages of village hubs (agents), included by marketplace/urls.py at the root.
from django.urls import path

from . import views_agents as views

urlpatterns = [
    path("hubs/", views.hubs, name="hubs"),
    path("hubs/<slug:slug>/", views.hub, name="hub"),
    path("hubs/<slug:slug>/apply/", views.hub_apply, name="hub-apply"),
    path("hub/", views.hub_dashboard, name="hub-dashboard"),
    path("staff/hubs/", views.staff_hubs, name="staff-hubs"),
    # Before "staff/hubs/<slug>/": "agents" is a reserved slug (hubs/services/hub_admin.py).
    path("staff/hubs/agents/", views.staff_hub_agents, name="staff-hub-agents"),
    path("staff/hubs/agents/<int:application_id>/", views.staff_hub_agent,
         name="staff-hub-agent"),
    path("staff/hubs/agents/<int:application_id>/decide/", views.staff_hub_agent_decide,
         name="staff-hub-agent-decide"),
    path("staff/hubs/agents/<int:application_id>/remove/", views.staff_hub_agent_remove,
         name="staff-hub-agent-remove"),
    path("staff/hubs/agents/<int:application_id>/takeover-link/<int:managed_id>/",
         views.staff_hub_takeover_link, name="staff-hub-takeover-link"),
    path("staff/hubs/<slug:slug>/", views.staff_hub, name="staff-hub"),
    path("staff/hubs/<slug:slug>/change/", views.staff_hub_change, name="staff-hub-change"),
]
