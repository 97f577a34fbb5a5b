from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = "Insights"

    def ready(self):
        from insights.staff_trends import staff_trends_section
        from moderation.dashboard import dashboard_section_register

        dashboard_section_register(template="insights/staff_trends.html",
                                   context=staff_trends_section)
