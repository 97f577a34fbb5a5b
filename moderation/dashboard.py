"""Sections that apps above moderation add to the staff dashboard (the staff trends, from
insights). moderation imports nothing above it: such an app registers its section from its
AppConfig.ready(), and the dashboard renders each section's template with its context.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DashboardSection:
    template: str
    context: Callable[[], dict]


_sections: list[DashboardSection] = []


def dashboard_section_register(*, template: str, context: Callable[[], dict]) -> None:
    """Add a section under the dashboard's figures (once per template)."""
    if all(section.template != template for section in _sections):
        _sections.append(DashboardSection(template=template, context=context))


def dashboard_sections() -> list[dict]:
    """Each registered section as {template, context}, in the order they were registered."""
    return [{"template": section.template, "context": section.context()}
            for section in _sections]
