"""The one formatting rule of tables and tiles, checked on the rendered HTML."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from mentortrack.reports import tables


def test_styled_formats_each_column_by_the_rule_and_labels_headers() -> None:
    frame = pd.DataFrame({"mentor_name": ["A <b>", "B"], "sessions": [105, 3], "warning_rate": [0.527, 0.0],
                          "avg_rating": [4.2, 3.928571], "duration_ratio": [0.91234, 1.0], "eligible": [True, False], "health_score": [84.2, 61.5],
                          "at_risk": pd.Series([np.False_, None], dtype=object),
                          "session_date": pd.to_datetime(["2025-09-01", "2025-09-02"])})
    html = tables.styled(frame).to_html()
    for expected in (">105<", ">3<", ">52.7%<", ">0.0%<", ">4.20<", ">3.93<", ">0.91<", ">Yes<", ">No<", ">84<", ">62<",
                     ">2025-09-01<", "A &lt;b&gt;", ">Mentor<", ">Warning rate<", ">Average rating<",
                     ">Ranked (enough sessions)<", ">Date<"):
        assert expected in html, expected
    assert "105.000" not in html and "0.527" not in html and "<b>" not in html
    assert ">False<" not in html and ">True<" not in html, "an object column of flags reads Yes/No too"


def test_first_rows_says_when_a_table_is_cut() -> None:
    frame = pd.DataFrame({"x": range(104)})
    shown, caption = tables.first_rows(frame, 50, "sessions")
    assert len(shown) == 50 and caption == "Showing 50 of 104 sessions"
    assert tables.first_rows(frame, 200, "sessions")[1] == "104 sessions"


def test_kpi_comparison_formats_per_kpi_row() -> None:
    table = pd.DataFrame({"value": [105.0, 0.527, 3.5312], "previous": [113.0, 0.624, 3.62],
                          "delta": [-8.0, -0.097, -0.0888]}, index=["total_sessions", "completion_rate", "avg_rating"])
    shown = tables.kpi_comparison(table)
    assert shown.to_dict("records") == [
        {"KPI": "Total sessions", "Value": "105", "Previous month": "113", "Change": "-8"},
        {"KPI": "Completion rate", "Value": "52.7%", "Previous month": "62.4%", "Change": "-9.7 pp"},
        {"KPI": "Average rating", "Value": "3.53", "Previous month": "3.62", "Change": "-0.09"},
    ]
    # a page shows it through styled(): its labelled headers stay as they are ("KPI" was "Kpi")
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", tables.styled(shown).to_html())
    assert headers == ["KPI", "Value", "Previous month", "Change"]
    # a pair's ratings are its ratings listed ("5, 4"), not a count beside Booked and Attended
    assert tables.label("ratings") == "Ratings (oldest first)"
    assert tables.label("follow_up_rate") == "Follow-up scheduled"
    assert (tables.label("no_shows"), tables.label("open_followups")) == ("No-shows", "In the follow-up queue now")


def test_health_table_marks_bands_and_keeps_the_other_formats() -> None:
    frame = pd.DataFrame({"mentor_name": ["A", "B", "C"], "sessions": [3, 4, 12], "score": [35.0, 55.0, 70.0],
                          "at_risk": [True, False, False]})
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", tables.health_table(frame, 40, caption="Health").to_html())
    assert cells == ["A", "3", "▼ 35", "Yes", "B", "4", "◆ 55", "No", "C", "12", "70", "No"]


def test_health_table_marks_the_standing_band_when_it_has_one() -> None:
    import re

    # D scores 77 but is watched for red sessions: ◆ and amber, as the band says; E has no score
    frame = pd.DataFrame({"mentor_name": ["D", "A", "E"], "score": [77.0, 90.0, float("nan")],
                          "band": ["watch", "healthy", "no score"]})
    html = tables.health_table(frame, 40, caption="Health").to_html()
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    assert cells == ["D", "◆ 77", "watch", "A", "90", "healthy", "E", "–", "no score"]
    assert len(re.findall(rf"background-color: ?{tables.LEVEL_FILLS['amber']}", html)) == 1
    assert "or watched for red sessions" in html


def test_tiles_show_no_change_against_a_month_without_sessions() -> None:
    table = pd.DataFrame({"kpi": ["total_sessions", "avg_rating"], "value": [110.0, 3.79], "delta": [110.0, float("nan")]})
    table.attrs.update(previous_month="2025-08", sessions=110, previous_sessions=0)
    html = tables.kpi_tiles(table, ["total_sessions", "avg_rating"])
    assert html.count("no sessions in 2025-08") == 2 and "+110" not in html


def test_short_mentor_names_stay_on_one_line_and_long_texts_wrap() -> None:
    frame = pd.DataFrame({"mentor_name": ["Mentor D", "Asha K"], "summary": ["A long summary " * 6, "short"]})
    html = tables.styled(frame, show_pii=False).to_html()
    name_cells = re.findall(r"#T_\w+_row\d+_col0[^{]*\{[^}]*\}", html)
    assert name_cells and all("white-space: nowrap" in cell for cell in name_cells)
    assert not re.findall(r"#T_\w+_row\d+_col1[^{]*\{[^}]*white-space: nowrap", html)
    long_names = pd.DataFrame({"mentor_name": ["A mentor whose name runs far too long for a cell"]})
    assert "nowrap" not in tables.styled(long_names, show_pii=False).to_html()
