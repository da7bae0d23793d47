"""The pain chart and the adherence calendar (patients/charts.py) say what they show to a screen
reader, as a summary and as a table, and tell their values apart by shape and words: a reader
who cannot see colours, or sees the page in dark, reads the same."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bs4 import BeautifulSoup

from patients import charts
from patients.models import PainReport
from patients.selectors import DayAdherence, PatientHistory

LAST = date(2026, 11, 20)  # a Friday
FIRST = LAST - timedelta(days=83)  # a Saturday, twelve weeks before


def history() -> PatientHistory:
    """Nothing due for ten weeks; then two exercises a day: everything, half, nothing."""
    days = [DayAdherence(FIRST + timedelta(days=n), 0, 0) for n in range(84)]
    for n, done in zip(range(70, 84), [2, 1, 0] * 5, strict=False):
        days[n] = DayAdherence(days[n].day, 2, done)
    reports = [
        PainReport(local_date=LAST - timedelta(days=6), score=5, moment="morning"),
        PainReport(local_date=LAST - timedelta(days=1), score=8, moment="running"),
    ]
    return PatientHistory(first_day=FIRST, last_day=LAST, days=days, pain_reports=reports)


def test_the_calendar_tells_each_day_by_its_shape_and_in_words() -> None:
    page = BeautifulSoup(charts.adherence_calendar(history()), "html.parser")
    cells = page.select("svg.chart-adherence g.day")
    assert len(cells) == 84
    full, half, nothing, not_due = cells[70], cells[71], cells[72], cells[0]
    # Everything done: filled to the top, with a tick; half: filled half way; none: empty.
    assert float(full.select_one("rect.done")["height"]) == 16 and full.select_one("path.tick")
    assert float(half.select_one("rect.done")["height"]) == 8 and not half.select_one("path.tick")
    assert not nothing.select_one("rect.done") and not nothing.select_one("path.tick")
    assert not_due.select_one("rect.outline").get("stroke-dasharray")
    assert not full.select_one("rect.outline").get("stroke-dasharray")
    assert half.title.string == "Sun 08/11/2026: 1 of 2 done"

    legend = page.select_one("ul.chart-legend").get_text(" ", strip=True)
    assert "dashed: nothing due" in legend and "filled, with a tick: everything done" in legend
    assert page.select_one("#adherence-desc").string == (
        "Everything done on 5 of 14 days with exercises due."
    )


def test_the_calendar_is_also_a_table_a_week_a_row() -> None:
    table = BeautifulSoup(charts.adherence_calendar(history()), "html.parser").select_one(
        "details.chart-table table"
    )
    head = [cell.get_text() for cell in table.select("thead th")]
    assert head == ["Week from", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    rows = table.select("tbody tr")
    assert len(rows) == 13  # a Saturday start: twelve weeks over thirteen rows
    assert [cell.get_text() for cell in rows[0].select("td")][-2:] == ["none due", "none due"]
    assert rows[0].th.get_text() == "29/08/2026 (Sat)"
    last_week = [cell.get_text() for cell in rows[-1].select("td")]
    assert last_week == ["2 of 2", "1 of 2", "0 of 2", "2 of 2", "1 of 2", "", ""]


def test_the_pain_chart_is_summed_up_and_each_report_is_in_a_table() -> None:
    page = BeautifulSoup(charts.pain_chart(history(), baseline=4), "html.parser")
    assert page.select_one("#pain-desc").string == (
        "2 reports from 29/08/2026 to 20/11/2026; latest 8/10 on 19/11/2026. Baseline 4/10."
    )
    rows = [
        [cell.get_text() for cell in row.select("td")]
        for row in page.select("details.chart-table tbody tr")
    ]
    assert rows == [
        ["Sat 14/11/2026", "5", "In the morning"],
        ["Thu 19/11/2026", "8", "During or after running"],
    ]
    assert page.select_one("line.baseline")["stroke-dasharray"]  # dashed, and labelled
    assert "baseline 4" in page.svg.get_text()


def test_the_charts_hold_no_colour_of_their_own_and_follow_the_page() -> None:
    drawn = charts.pain_chart(history(), baseline=4) + charts.adherence_calendar(history())
    assert re.findall(r'(?:fill|stroke)="#[0-9a-fA-F]+"', drawn) == []


def test_the_charts_write_dates_as_the_clinics_locale_does() -> None:
    from django.utils import translation

    for language, latest in (
        ("en-gb", "19/11/2026"),
        ("en-us", "11/19/2026"),
        ("de", "19.11.2026"),
    ):
        with translation.override(language):
            page = BeautifulSoup(charts.pain_chart(history(), baseline=4), "html.parser")
        assert f"latest 8/10 on {latest}" in page.select_one("#pain-desc").string, language


def test_a_flagged_report_carries_a_triangle_and_every_word_is_11_units_or_more() -> None:
    reports = history().pain_reports
    reports[1].red_flag = True
    flagged = PatientHistory(
        first_day=FIRST, last_day=LAST, days=history().days, pain_reports=reports
    )
    drawn = charts.pain_chart(flagged, baseline=4) + charts.adherence_calendar(flagged)
    page = BeautifulSoup(drawn, "html.parser")
    (triangle,) = page.select("svg.chart-pain path.pain-flag")
    assert triangle.title.string.endswith(": red flag")
    assert "1 marked with a triangle" in page.select_one("#pain-desc").string
    # Drawn no narrower than 310 px (charts.css), 13 units stay 11 px and more.
    sizes = {float(text["font-size"]) for text in page.select("svg text")}
    assert min(sizes) >= 12, sizes
