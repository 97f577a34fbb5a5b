"""Small charts drawn on the server as SVG, for pages that must work on slow phones.

No chart JavaScript: each chart is one inline `<svg>` (a few KB) that scales to its column
(`viewBox`, width 100 %), carries its own text alternative (`role="img"`, `<title>`, `<desc>`)
and never says anything by colour alone: each series has its own dash pattern and marker, named
in a legend, and the numbers are always one click away in a table
(`templates/charts/chart.html`, "Show the numbers") and as CSV (`chart_csv`, `chart_csv_response`).

A label may carry a remark in brackets ("Nov 30 (so far)"): the table, the CSV and the
description keep it, the axis leaves it off.

A page builds a `Chart` with `bar_chart` (one series) or `line_chart` (one or more series),
hands it to `{% include "charts/chart.html" with chart=... %}`, and may point `csv_url` at a
view that answers `chart_csv_response(chart, filename=...)`.
"""

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django.http import HttpResponse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

# Units a value can be in: how it is written on the axis, in the table and in the CSV.
COUNT, CENTS, PERCENT = "count", "cents", "percent"

# Colours that pass 3:1 against white (WCAG 1.4.11) and differ in lightness too, each paired
# with a dash pattern and a marker shape so that nothing depends on telling colours apart.
STYLES = (
    {"colour": "#2f6b3a", "dash": "", "marker": "circle", "fill": "solid"},
    {"colour": "#8a4b08", "dash": "7 4", "marker": "square", "fill": "hatch"},
    {"colour": "#1d4f91", "dash": "2 3", "marker": "triangle", "fill": "dots"},
    {"colour": "#6b2c6b", "dash": "10 3 2 3", "marker": "diamond", "fill": "solid"},
)
INK, MUTED, GRID = "#1f2a1f", "#4f594f", "#d5dacf"

WIDTH, HEIGHT = 400, 230
LEFT, RIGHT, TOP, BOTTOM = 52, 10, 12, 34
FONT = 13
MAX_AXIS_LABELS = 6
MAX_MARKERS = 60  # past this many points a line has no markers (they would merge anyway)


@dataclass(frozen=True)
class Series:
    """One named row of values, one per label of its chart."""

    name: str
    values: tuple


@dataclass(frozen=True)
class Chart:
    """What a page needs to show one chart: the SVG, the sentence for an empty one, the table."""

    chart_id: str
    title: str
    description: str
    labels: tuple
    series: tuple
    unit: str = COUNT
    currency: str = "USD"
    empty_sentence: str = "Nothing to show for this period yet."
    svg: SafeString = field(default=mark_safe(""))
    csv_url: str = ""
    label_heading: str = "Period"

    @property
    def is_empty(self) -> bool:
        """No point at all, or every value zero: a sentence says so instead of a flat line."""
        return not any(value for one in self.series for value in one.values)

    @property
    def partial(self) -> tuple:
        """Which labels stand for a period not covered whole: those with a remark in brackets."""
        return tuple(" (" in str(label) for label in self.labels)

    @property
    def has_partial(self) -> bool:
        return any(self.partial)

    @property
    def rows(self) -> list[dict]:
        """The table under "Show the numbers": a label and each series' value, written out."""
        return [
            {"label": label,
             "cells": [(one.name, value_text(one.values[index], unit=self.unit,
                                             currency=self.currency))
                       for one in self.series]}
            for index, label in enumerate(self.labels)
        ]

    @property
    def rows_html(self) -> SafeString:
        """The table's body rows, built here rather than in a template loop: a chart of three
        years of weeks has hundreds of cells, and the template engine would cost more than
        everything else on the page."""
        heading = escape(self.label_heading)
        names = [escape(one.name) for one in self.series]
        parts = []
        for row in self.rows:
            cells = "".join(f'<td data-label="{names[index]}">{escape(text)}</td>'
                            for index, (_, text) in enumerate(row["cells"]))
            parts.append(f'<tr><td data-label="{heading}">{escape(row["label"])}</td>'
                         f"{cells}</tr>")
        return mark_safe("".join(parts))  # noqa: S308 - every text above went through escape()

    @property
    def legend(self) -> list[dict]:
        """Each series' name with the look it has in the drawing (for the page's own legend)."""
        return [{"name": one.name, **STYLES[index % len(STYLES)]}
                for index, one in enumerate(self.series)]

    def with_csv_url(self, url: str) -> "Chart":
        return replace(self, csv_url=url)


def value_text(value, *, unit: str = COUNT, currency: str = "USD") -> str:
    """A value as people read it: 1,234 · $1,234.56 · 12.5 %."""
    if value is None:
        return "–"
    if unit == CENTS:
        sign = "−" if value < 0 else ""
        symbol = "$" if currency == "USD" else f"{currency} "
        return f"{sign}{symbol}{abs(int(value)) / 100:,.2f}"
    if unit == PERCENT:
        return f"{float(value):.1f} %"
    return f"{int(value):,}"


def axis_text(value, *, unit: str = COUNT) -> str:
    """A short axis label: 1.2k, $3.4k, 40 %."""
    if unit == PERCENT:
        return f"{value:g} %"
    number = value / 100 if unit == CENTS else value
    prefix = "$" if unit == CENTS else ""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if abs(number) >= size:
            return f"{prefix}{number / size:.3g}{suffix}"
    return f"{prefix}{number:.3g}" if number % 1 else f"{prefix}{int(number)}"


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `value` (a round top for the axis)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def axis_top(value: float, unit: str) -> float:
    """The axis' top: round, and for counts a multiple of 4 so the four grid lines fall on
    whole numbers (a count of 1 reads 0, 1, 2, 3, 4, never 0.25)."""
    top = nice_ceiling(value)
    return 4 * math.ceil(top / 4) if unit == COUNT else top


def _number(value: float) -> str:
    """Coordinates with one decimal at most, so the SVG stays small."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def axis_label(label: str) -> str:
    """A label as the axis shows it: what is in brackets ("Nov 30 (so far)") stays in the
    table and the description only."""
    return label.split(" (", 1)[0]


def _axis_label_indexes(labels: Sequence[str]) -> list[int]:
    """Which labels fit under the axis without touching: as many as their width allows (at
    most MAX_AXIS_LABELS), evenly spaced."""
    count = len(labels)
    widest = max((len(axis_label(label)) for label in labels), default=1)
    fits = max(int((WIDTH - LEFT - RIGHT) // (widest * FONT * 0.62 + 10)), 1)
    step = math.ceil(count / min(fits, MAX_AXIS_LABELS, count or 1))
    return list(range(0, count, step))


def _marker(kind: str, x: float, y: float) -> str:
    x, y = float(x), float(y)
    if kind == "square":
        return f"M{_number(x - 3)} {_number(y - 3)}h6v6h-6z"
    if kind == "triangle":
        return f"M{_number(x)} {_number(y - 4)}l4 7h-8z"
    if kind == "diamond":
        return f"M{_number(x)} {_number(y - 4)}l4 4-4 4-4-4z"
    return (f"M{_number(x - 3.2)} {_number(y)}a3.2 3.2 0 1 0 6.4 0"
            f"a3.2 3.2 0 1 0-6.4 0")


def _frame(chart: Chart, *, top_value: float, body: list[str], legend: bool) -> SafeString:
    """The svg element around `body`: its text alternative, the grid, the axes and labels."""
    plot_height = HEIGHT - TOP - BOTTOM - (18 if legend else 0)
    base = TOP + plot_height
    title_id, desc_id = f"{chart.chart_id}-title", f"{chart.chart_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" class="chart-svg" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" font-size="{FONT}" '
        f'font-family="system-ui,sans-serif">',
        f'<title id="{title_id}">{escape(chart.title)}</title>',
        f'<desc id="{desc_id}">{escape(chart.description)}</desc>',
        # Hatching in the first series' colour: a bar for a period the chart does not
        # cover whole.
        f'<defs><pattern id="{chart.chart_id}-part" width="6" height="6" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#fff"/>'
        f'<rect width="3" height="6" fill="{STYLES[0]["colour"]}"/></pattern></defs>',
    ]
    # Four grid lines with their values, then the base line.
    for step in range(5):
        value = top_value * step / 4
        y = base - plot_height * step / 4
        parts.append(f'<path d="M{LEFT} {_number(y)}H{WIDTH - RIGHT}" '
                     f'stroke="{INK if step == 0 else GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{_number(y + 4)}" text-anchor="end" '
                     f'fill="{MUTED}">{escape(axis_text(value, unit=chart.unit))}</text>')
    parts.extend(body)
    # Labels under the axis: a handful, evenly spread, so that they never overlap.
    count = len(chart.labels)
    slot = (WIDTH - LEFT - RIGHT) / max(count, 1)
    for index in _axis_label_indexes(chart.labels):
        x = LEFT + slot * (index + 0.5)
        parts.append(f'<text x="{_number(x)}" y="{_number(base + 16)}" text-anchor="middle" '
                     f'fill="{INK}">{escape(axis_label(chart.labels[index]))}</text>')
    if legend:
        x = LEFT
        y = HEIGHT - 8
        for index, one in enumerate(chart.series):
            style = STYLES[index % len(STYLES)]
            dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
            parts.append(f'<path d="M{_number(x)} {y - 4}h22" stroke="{style["colour"]}" '
                         f'stroke-width="2.5"{dash} fill="none"/>')
            parts.append(f'<path d="{_marker(style["marker"], x + 11, y - 4)}" '
                         f'fill="{style["colour"]}"/>')
            name = escape(one.name)
            parts.append(f'<text x="{_number(x + 27)}" y="{y}" fill="{INK}">{name}</text>')
            x += 40 + 7 * len(one.name)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through escape()


def _points(points: Sequence) -> tuple[tuple, tuple]:
    labels = tuple(str(label) for label, _ in points)
    values = tuple(value for _, value in points)
    return labels, values


def _chart(*, title, description, labels, series, unit, currency, empty_sentence, chart_id,
           label_heading) -> Chart:
    return Chart(chart_id=slugify(chart_id or title) or "chart", title=title,
                 description=description, labels=labels, series=series, unit=unit,
                 currency=currency, empty_sentence=empty_sentence, label_heading=label_heading)


def bar_chart(points: Sequence, *, title: str, description: str = "", series_name: str = "",
              unit: str = COUNT, currency: str = "USD", chart_id: str = "",
              empty_sentence: str = "Nothing to show for this period yet.",
              label_heading: str = "Period") -> Chart:
    """One series as bars: `points` is a list of (label, value) pairs, oldest first."""
    labels, values = _points(points)
    chart = _chart(title=title, description=description or _describe(title, labels, values,
                                                                      unit, currency),
                   labels=labels, series=(Series(series_name or title, values),), unit=unit,
                   currency=currency, empty_sentence=empty_sentence, chart_id=chart_id,
                   label_heading=label_heading)
    if chart.is_empty:
        return chart
    top = axis_top(max((value for value in values if value is not None), default=0), unit)
    plot_height = HEIGHT - TOP - BOTTOM
    base = TOP + plot_height
    slot = (WIDTH - LEFT - RIGHT) / len(values)
    width = max(slot * 0.7, 1)
    # All the bars are one path (a few bytes each, so three years of weeks stay small); the
    # bars of periods not covered whole are a second, hatched one.
    whole, part = [], []
    for index, value in enumerate(values):
        height = plot_height * max(value or 0, 0) / top  # None: no figure that day
        if height <= 0:
            continue
        x = LEFT + slot * index + (slot - width) / 2
        (part if chart.partial[index] else whole).append(
            f"M{_number(x)} {_number(base)}v{_number(-height)}h{_number(width)}"
            f"v{_number(height)}z")
    colour = STYLES[0]["colour"]
    body = [f'<path d="{"".join(whole)}" fill="{colour}"/>'] if whole else []
    if part:
        body.append(f'<path d="{"".join(part)}" fill="url(#{chart.chart_id}-part)" '
                    f'stroke="{colour}" stroke-width="1.5"/>')
    return replace(chart, svg=_frame(chart, top_value=top, body=body, legend=False))


def line_chart(series: Sequence, *, title: str, description: str = "", unit: str = COUNT,
               currency: str = "USD", chart_id: str = "",
               empty_sentence: str = "Nothing to show for this period yet.",
               label_heading: str = "Period") -> Chart:
    """One or more series as lines: `series` is a list of (name, points) with the same labels
    in the same order; each line has its own dash pattern and marker, named in a legend."""
    if not series:
        series = [(title, [])]
    labels, _ = _points(series[0][1])
    all_series = tuple(Series(name, _points(points)[1]) for name, points in series)
    described = description or "; ".join(
        _describe(one.name, labels, one.values, unit, currency) for one in all_series)
    chart = _chart(title=title, description=described, labels=labels, series=all_series,
                   unit=unit, currency=currency, empty_sentence=empty_sentence,
                   chart_id=chart_id, label_heading=label_heading)
    if chart.is_empty:
        return chart
    legend = len(all_series) > 1
    top = axis_top(max(max(one.values) for one in all_series), unit)
    plot_height = HEIGHT - TOP - BOTTOM - (18 if legend else 0)
    base = TOP + plot_height
    slot = (WIDTH - LEFT - RIGHT) / len(labels)
    body = []
    for index, one in enumerate(all_series):
        style = STYLES[index % len(STYLES)]
        coordinates = [(LEFT + slot * (position + 0.5),
                        base - plot_height * max(value or 0, 0) / top)
                       for position, value in enumerate(one.values)]
        line = "".join(f"{'M' if position == 0 else 'L'}{_number(x)} {_number(y)}"
                       for position, (x, y) in enumerate(coordinates))
        dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
        body.append(f'<path d="{line}" fill="none" stroke="{style["colour"]}" '
                    f'stroke-width="2.5" stroke-linejoin="round"{dash}/>')
        if len(coordinates) <= MAX_MARKERS:
            # A period not covered whole has a hollow marker.
            partial = chart.partial
            solid = "".join(_marker(style["marker"], x, y)
                            for position, (x, y) in enumerate(coordinates)
                            if not partial[position])
            hollow = "".join(_marker(style["marker"], x, y)
                             for position, (x, y) in enumerate(coordinates) if partial[position])
            if solid:
                body.append(f'<path d="{solid}" fill="{style["colour"]}"/>')
            if hollow:
                body.append(f'<path d="{hollow}" fill="#fff" stroke="{style["colour"]}" '
                            f'stroke-width="1.5"/>')
    return replace(chart, svg=_frame(chart, top_value=top, body=body, legend=legend))


def _describe(name, labels, values, unit, currency) -> str:
    """A sentence for screen readers: the range, the highest point and the latest one."""
    if not labels or not any(values):
        return f"{name}: nothing in this period."
    highest = max(range(len(values)), key=lambda index: values[index] or 0)
    top = value_text(values[highest], unit=unit, currency=currency)
    latest = value_text(values[-1], unit=unit, currency=currency)
    return (f"{name} from {labels[0]} to {labels[-1]}: highest {top} in {labels[highest]}, "
            f"latest {latest} in {labels[-1]}.")


def _csv_cell(value) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ gets a leading quote."""
    text = str(value)
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv_value(value, unit: str) -> str:
    if value is None:
        return ""
    if unit == CENTS:
        return f"{value / 100:.2f}"
    if unit == PERCENT:
        return f"{float(value):.1f}"
    return str(value)


def chart_csv(chart: Chart) -> str:
    """The chart's numbers as CSV: a header row, then one row per label (money in dollars)."""
    suffix = {CENTS: f" ({chart.currency})", PERCENT: " (%)"}.get(chart.unit, "")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([chart.label_heading] + [_csv_cell(one.name + suffix)
                                             for one in chart.series])
    for index, label in enumerate(chart.labels):
        writer.writerow([_csv_cell(label)] + [_csv_value(one.values[index], chart.unit)
                                              for one in chart.series])
    return out.getvalue()


def points_csv(points: Sequence, *, heading: str = "Period", name: str = "Value") -> str:
    """A bare (label, value) series as CSV, for a series that has no chart."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_csv_cell(heading), _csv_cell(name)])
    for label, value in points:
        writer.writerow([_csv_cell(label), _csv_cell(value)])
    return out.getvalue()


def chart_csv_response(chart: Chart, *, filename: str) -> HttpResponse:
    """A download of `chart_csv(chart)` named `filename` (letters, digits and dashes kept)."""
    safe_name = slugify(filename.removesuffix(".csv")) or "chart"
    response = HttpResponse(chart_csv(chart), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{safe_name}.csv"'
    return response
