"""The workbook and Power BI files as Excel and Power BI read them: formats, types, keys, months."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import SETTINGS, enriched, row

from mentortrack.analytics.health import health_scores
from mentortrack.analytics.kpis import month_over_month
from mentortrack.analytics.standing import mentor_standing
from mentortrack.reports.exports import mentor_key, mentor_keys, powerbi_tables, write_excel, write_powerbi


def _history(tmp_path: Path) -> pd.DataFrame:
    """August: Sneha 3 sessions; September: Sneha 3, Rahul 3 (one with a formula as feedback); October: 1."""
    rows, sentiment = [], []
    for i, (date, mentor, rating, follow_up) in enumerate([
            ("2025-08-04", "Sneha Reddy", "4", "Yes"), ("2025-08-11", "Sneha Reddy", "5", "Yes"),
            ("2025-08-18", "Sneha Reddy", "3", "No"), ("2025-09-01", "Sneha Reddy", "4", "Yes"),
            ("2025-09-08", "Sneha Reddy", "2", "No"), ("2025-09-15", "Sneha Reddy", "5", "Yes"),
            ("2025-09-02", "Rahul Verma", "3", "No"), ("2025-09-09", "Rahul Verma", "4", "Yes"),
            ("2025-09-16", "Rahul Verma", "4", "No"), ("2025-10-01", "Rahul Verma", "5", "Yes")]):
        feedback = "=1+2" if i == 7 else "Very helpful session"
        rows.append(row(Session_ID=f"SS{2000 + i}", Session_Date=date, Mentor_Name=mentor, Post_Session_Rating=rating,
                        Follow_Up_Scheduled=follow_up, Learner_Feedback=feedback))
        sentiment.append("Positive")
    return enriched(tmp_path, rows, sentiment, ["helpful session"] * len(rows))


THROUGH = pd.Timestamp("2025-10-01")
"""The last day of :func:`_history`."""


def _exports(history: pd.DataFrame, month: str = "2025-09"):  # type: ignore[no-untyped-def]
    health = health_scores(history, SETTINGS.warnings.health)
    scope = history[history["month"] == month]
    mentors = mentor_standing(scope, health, month, SETTINGS.warnings, month)
    return scope, mentors, health


def test_workbook_cells_are_typed_and_formatted_by_the_writer(tmp_path: Path) -> None:
    history = _history(tmp_path)
    scope, mentors, health = _exports(history)
    path = write_excel(scope, mentors, month_over_month(history, "2025-09"), tmp_path / "book.xlsx", False, health)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Sessions", "Mentors", "Mentor health", "KPIs"]
    for sheet in book:
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref, sheet.title
        headers = [c.value for c in sheet[1]]
        assert not [h for h in headers if "_" in h], f"code-style headers in {sheet.title}: {headers}"
        assert all(sheet.column_dimensions[c.column_letter].width >= 8 for c in sheet[1])

    def column(sheet: str, header: str) -> list[openpyxl.cell.Cell]:
        ws = book[sheet]
        j = [c.value for c in ws[1]].index(header) + 1
        return [ws.cell(i, j) for i in range(2, ws.max_row + 1)]

    dates = column("Sessions", "Date")
    assert all(isinstance(c.value, dt.datetime) and c.is_date and c.number_format == "yyyy-mm-dd" for c in dates)
    assert sorted(c.value.date() for c in dates)[0] == dt.date(2025, 9, 1)
    ratings = column("Mentors", "Average rating")
    assert {c.number_format for c in ratings} == {"0.00"} and all(c.data_type == "n" for c in ratings)
    by_mentor = {c.value: r.value for c, r in zip(column("Mentors", "Mentor"), ratings)}
    assert by_mentor == pytest.approx({"Sneha Reddy": 11 / 3, "Rahul Verma": 11 / 3})
    follow_ups = column("Mentors", "Follow-up scheduled")
    assert {c.number_format for c in follow_ups} == {"0.0%"}
    assert sorted(c.value for c in follow_ups) == pytest.approx([1 / 3, 2 / 3])
    counts = column("Mentors", "Sessions")
    assert {c.number_format for c in counts} == {"#,##0"} and [c.value for c in counts] == [3, 3]
    assert {c.value for c in column("Mentors", "Ranked (enough sessions)")} <= {"Yes", "No"}
    scores = [c for c in column("Mentors", "Health") if c.value is not None]
    assert scores and {c.number_format for c in scores} == {"0"}, "health scores whole"
    feedback = [c.value for c in column("Sessions", "Feedback")]
    assert "'=1+2" in feedback and not [c for row in book["Sessions"].iter_rows() for c in row if c.data_type == "f"]

    kpis = {c.value: (v.value, v.number_format, d.value, d.number_format) for c, v, d in
            zip(column("KPIs", "KPI"), column("KPIs", "Value"), column("KPIs", "Change"))}
    assert kpis["Total sessions"][:2] == (6, "#,##0") and kpis["Total sessions"][2] == 3
    assert kpis["Average rating"][1] == "0.00" and kpis["Average rating"][0] == pytest.approx(22 / 6)
    completion = kpis["Completion rate"]
    assert completion[1] == "0.0%" and completion[3] == '+0.0" pp";-0.0" pp";0.0" pp"'


def test_mentor_health_sheet_stops_at_the_report_month_and_has_the_components(tmp_path: Path) -> None:
    history = _history(tmp_path)
    scope, mentors, health = _exports(history)
    path = write_excel(scope, mentors, month_over_month(history, "2025-09"), tmp_path / "book.xlsx", False, health,
                       trend_months=3)
    sheet = pd.read_excel(path, sheet_name="Mentor health", engine="openpyxl").set_index("Mentor")
    months = [c for c in sheet.columns if c.startswith("Score")]
    # the data starts in August: no column for July (a month without data), none for October
    assert months == ["Score Aug 2025", "Score Sep 2025"], "no October in the September file"
    september = health[health["month"] == "2025-09"].set_index("mentor_name")
    assert sheet["Score Sep 2025"].to_dict() == pytest.approx(september["score"].to_dict())
    assert sheet.loc["Sneha Reddy", "Follow-ups (share)"] == pytest.approx(2 / 3)
    assert sheet.loc["Sneha Reddy", "Follow-ups: n"] == 3
    assert sheet.loc["Sneha Reddy", "Average rating"] == pytest.approx(11 / 3)
    assert sheet.loc["Rahul Verma", "At risk"] == "No"
    book = openpyxl.load_workbook(path)
    ws = book["Mentor health"]
    header = [c.value for c in ws[1]]
    assert ws.cell(2, header.index("Score Sep 2025") + 1).number_format == "0"
    assert ws.cell(2, header.index("Follow-ups (share)") + 1).number_format == "0.0%"


def test_a_new_mentor_leaves_every_other_key_alone() -> None:
    before = mentor_keys(pd.Series(["Sneha Reddy", "Rahul Verma", "Priya Nair"]))
    after = mentor_keys(pd.Series(["Aarav Shah", "Sneha Reddy", "Rahul Verma", "Priya Nair"]))
    assert {name: after[name] for name in before} == before
    assert len(set(after.values())) == 4
    assert mentor_key("  sneha   REDDY ") == mentor_key("Sneha Reddy")
    assert mentor_key("Ren\u00e9e Roy") == mentor_key("Rene\u0301e Roy"), "NFC: composed and decomposed é agree"
    assert mentor_key("Sneha Reddy") != mentor_key("Sneha Reddi")
    assert mentor_key("Sneha Reddy").startswith("m") and len(mentor_key("Sneha Reddy")) == 13


def test_powerbi_months_append_and_join(tmp_path: Path) -> None:
    history = _history(tmp_path)
    files = {}
    for month in ("2025-09", "2025-10"):
        scope, mentors, health = _exports(history, month)
        files[month] = {name: pd.read_csv(p, dtype=str) for name, p in zip(
            powerbi_tables(scope, mentors, THROUGH, False, health),
            write_powerbi(scope, mentors, tmp_path / month, THROUGH, False, health))}
    for month, tables in files.items():
        facts, scores, dim = tables["fact_sessions.csv"], tables["fact_mentor_health.csv"], tables["dim_mentor.csv"]
        assert set(facts["month"]) == set(scores["month"]) == set(tables["dim_month.csv"]["month"]) == {month}
        assert dim["mentor_key"].is_unique and set(facts["mentor_key"]) <= set(dim["mentor_key"])
        assert set(scores["mentor_key"]) <= set(dim["mentor_key"])
    # the data ends on 1 October: October is partial, and says so, September is whole
    assert files["2025-09"]["dim_month.csv"][["data_through", "partial"]].values.tolist() == [["2025-09-30", "False"]]
    assert files["2025-10"]["dim_month.csv"][["data_through", "partial"]].values.tolist() == [["2025-10-01", "True"]]
    appended = pd.concat([files["2025-09"]["fact_sessions.csv"], files["2025-10"]["fact_sessions.csv"]])
    assert appended.groupby("mentor_key")["mentor_name"].nunique().max() == 1, "one key, one mentor, every month"
    assert appended.loc[appended["mentor_name"] == "Rahul Verma", "mentor_key"].nunique() == 1
