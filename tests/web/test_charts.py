"""The server-drawn charts: small, scalable, described in words, escaped, and never broken."""

import csv
import io
import re

from django.template.loader import render_to_string

from web.charts import (
    CENTS,
    PERCENT,
    axis_text,
    bar_chart,
    chart_csv,
    chart_csv_response,
    line_chart,
    nice_ceiling,
    points_csv,
    value_text,
)

FIVE_YEARS_OF_WEEKS = [(f"Week {n}", n * 1234) for n in range(261)]


def test_a_bar_chart_is_a_scalable_svg_with_a_text_alternative():
    chart = bar_chart([("Jan", 1200), ("Feb", 3400)], title="Sales per month", unit=CENTS)
    svg = str(chart.svg)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 230" '
                          'width="100%"')
    assert 'role="img"' in svg
    assert 'aria-labelledby="sales-per-month-title sales-per-month-desc"' in svg
    assert '<title id="sales-per-month-title">Sales per month</title>' in svg
    assert ("<desc id=\"sales-per-month-desc\">Sales per month from Jan to Feb: highest $34.00 "
            "in Feb, latest $34.00 in Feb.</desc>") in svg
    assert "<script" not in svg and "onload" not in svg


def test_five_years_of_weeks_stay_under_15_kb_in_either_kind():
    bars = bar_chart(FIVE_YEARS_OF_WEEKS, title="Sales", unit=CENTS)
    lines = line_chart([("Orders", FIVE_YEARS_OF_WEEKS), ("Units", FIVE_YEARS_OF_WEEKS)],
                       title="Orders and units")
    assert len(str(bars.svg).encode()) < 15_000
    assert len(str(lines.svg).encode()) < 15_000
    # Only a handful of labels under the axis, so that they never overlap at 390 px.
    assert len(re.findall(r'text-anchor="middle"', str(bars.svg))) <= 6


def test_each_series_differs_by_more_than_colour():
    chart = line_chart([("Sales", [("Jan", 5), ("Feb", 7)]),
                        ("Released", [("Jan", 3), ("Feb", 4)])], title="Money")
    svg = str(chart.svg)
    assert svg.count("stroke-dasharray") >= 2  # the second line and its legend sample
    assert ">Sales</text>" in svg and ">Released</text>" in svg  # a legend names each line
    assert [item["marker"] for item in chart.legend] == ["circle", "square"]


def test_text_in_a_chart_is_escaped():
    chart = bar_chart([("<script>alert(1)</script>", 3)], title='Honey & "jam" <b>')
    svg = str(chart.svg)
    assert "<script>" not in svg and "<b>" not in svg
    assert "Honey &amp; &quot;jam&quot; &lt;b&gt;" in svg


def test_an_empty_or_all_zero_series_is_a_sentence_not_a_picture():
    for chart in (bar_chart([], title="Sales", empty_sentence="No sales yet."),
                  bar_chart([("Jan", 0), ("Feb", 0)], title="Sales",
                            empty_sentence="No sales yet."),
                  line_chart([], title="Sales", empty_sentence="No sales yet.")):
        assert chart.is_empty and str(chart.svg) == ""
        html = render_to_string("charts/chart.html", {"chart": chart})
        assert "No sales yet." in html and "<svg" not in html and "<img" not in html


def test_the_include_shows_the_drawing_the_numbers_and_the_download():
    chart = bar_chart([("Jan", 1200), ("Feb", 3400)], title="Sales", unit=CENTS,
                      label_heading="Month").with_csv_url("/sell/insights/sales.csv?x=1")
    html = render_to_string("charts/chart.html", {"chart": chart})
    assert "<svg" in html
    assert "<details class=\"chart-numbers\">" in html
    assert "<summary>Show the numbers</summary>" in html
    assert '<td data-label="Month">Feb</td><td data-label="Sales">$34.00</td>' in html
    assert 'href="/sell/insights/sales.csv?x=1" download' in html


def test_csv_has_a_header_dollars_and_defuses_formulas():
    chart = line_chart([("Sales", [("=1+1", 1250), ("Feb", 99)]),
                        ("Released", [("=1+1", 1000), ("Feb", 0)])], title="Money",
                       unit=CENTS, label_heading="Month")
    rows = list(csv.reader(io.StringIO(chart_csv(chart))))
    assert rows == [["Month", "Sales (USD)", "Released (USD)"],
                    ["'=1+1", "12.50", "10.00"], ["Feb", "0.99", "0.00"]]
    assert points_csv([("@x", 3)], heading="Listing", name="Units") == "Listing,Units\r\n'@x,3\r\n"
    response = chart_csv_response(chart, filename="My shop / money.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="my-shop-money.csv"'


def test_numbers_are_written_as_people_read_them():
    assert value_text(123456, unit=CENTS) == "$1,234.56"
    assert value_text(-5, unit=CENTS) == "−$0.05"
    assert value_text(12.345, unit=PERCENT) == "12.3 %"
    assert value_text(1234) == "1,234"
    assert axis_text(250000, unit=CENTS) == "$2.5k"
    assert axis_text(1_500_000) == "1.5M"
    assert [nice_ceiling(v) for v in (0, 7, 13, 24, 260, 999)] == [1, 10, 20, 25, 500, 1000]


def test_a_period_not_covered_whole_is_hatched_or_hollow_and_explained():
    points = [("Nov 2 (from Nov 4)", 5), ("Nov 9", 7), ("Nov 16 (so far)", 2)]
    bars = bar_chart(points, title="Views", chart_id="views")
    assert bars.partial == (True, False, True)
    assert str(bars.svg).count('fill="url(#views-part)"') == 1  # one path for both
    drawing = str(bars.svg).split("</desc>")[1]
    assert ">Nov 9<" in drawing and "(so far)" not in drawing  # the axis leaves remarks off
    line = line_chart([("Orders", points)], title="Orders")
    assert 'fill="#fff" stroke="#2f6b3a"' in str(line.svg)
    html = render_to_string("charts/chart.html", {"chart": bars})
    assert "Hatched or hollow: a period not covered whole" in html
    assert "Nov 16 (so far)</td>" in html  # the table keeps them
    whole = bar_chart([("Nov 9", 7)], title="Views")
    assert "Hatched" not in render_to_string("charts/chart.html", {"chart": whole})


def test_a_count_axis_has_whole_numbers_only():
    from web.charts import COUNT, bar_chart

    chart = bar_chart([("Jan 2026", 0), ("Feb 2026", 1)], title="Notices", unit=COUNT,
                      chart_id="notices")
    svg = str(chart.svg)
    assert ">0.25<" not in svg and ">0.5<" not in svg and ">0.75<" not in svg
    for tick in ("0", "1", "2", "3", "4"):
        assert f">{tick}</text>" in svg
