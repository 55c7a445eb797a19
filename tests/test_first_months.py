"""A program's first months (September 2025 and 1–9 October, 15 mentors with 2–10 sessions, a batch whose
six ratings are all 3): what the library computes for the pages, checked against counts made from the rows."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import FIRST_MONTHS_SESSIONS, FLAT_BATCH, RED_MENTOR, SETTINGS, first_months_rows

from mentortrack.analytics.comparisons import NO_SPREAD, RATING_SCALE, TOO_FEW, compare
from mentortrack.analytics.health import scored_mentors
from mentortrack.analytics.kpis import COMPARED_GROUPINGS as GROUPINGS
from mentortrack.analytics.kpis import month_over_month
from mentortrack.analytics.standing import (
    AT_RISK,
    HEALTHY,
    MIN_RANKED,
    WATCH,
    WATCH_MARGIN,
    WATCH_RED_SHARE,
    ranking_sentence,
    to_watch,
)
from mentortrack.reports.context import ReportContext, missing_share
from mentortrack.reports.landing import headline, watch_text
from mentortrack.reports.tables import kpi_tiles

ROWS = first_months_rows()


def _rows(month: str) -> list[dict[str, str]]:
    return [r for r in ROWS if r["Session_Date"].startswith(month)]


def _ctx(first_months: pd.DataFrame, month: str) -> ReportContext:
    return ReportContext(history=first_months, scope=first_months[first_months["month"] == month], month=month,
                         data_label="first months", output_dir=Path("."), settings=SETTINGS)


def test_the_fixture_has_the_shape_of_a_first_export() -> None:
    dates = sorted(r["Session_Date"] for r in ROWS)
    assert (dates[0], dates[-1]) == ("2025-09-01", "2025-10-09")
    assert len(FIRST_MONTHS_SESSIONS) == 15 and min(FIRST_MONTHS_SESSIONS) == 2 and max(FIRST_MONTHS_SESSIONS) == 10
    flat = [r for r in ROWS if r["Batch"] == FLAT_BATCH]
    assert len(flat) == 6 and {r["Post_Session_Rating"] for r in flat} == {"3"}
    assert all(r["Session_Date"].startswith("2025-09") for r in flat)


@pytest.mark.parametrize("month", ["2025-09", "2025-10"])
def test_every_interval_stays_on_its_scale(first_months: pd.DataFrame, month: str) -> None:
    scope = first_months[first_months["month"] == month]
    for by in GROUPINGS:
        table = compare(scope, by)
        ratings = table[table["kpi"] == "avg_rating"]
        rates = table[table["kpi"] != "avg_rating"]
        for frame, (low, high) in ((ratings, RATING_SCALE), (rates, (0.0, 1.0))):
            shown = frame.dropna(subset=["low"])
            assert ((shown["low"] >= low) & (shown["high"] <= high) & (shown["low"] <= shown["high"])).all(), by
        # no verdict from fewer than five values
        few = table[(table["n"] > 0) & (table["n"] < 5)]
        assert (few["verdict"] == TOO_FEW).all() and few["low"].where(few["kpi"] == "avg_rating").isna().all()


def test_a_batch_whose_ratings_are_all_equal_gets_no_interval_and_no_verdict(first_months: pd.DataFrame) -> None:
    table = compare(first_months[first_months["month"] == "2025-09"], "batch").set_index(["batch", "kpi"])
    flat = table.loc[(FLAT_BATCH, "avg_rating")]
    assert (flat["n"], flat["value"]) == (6, 3.0)
    assert math.isnan(flat["low"]) and math.isnan(flat["high"]) and flat["verdict"] == NO_SPREAD


def test_the_first_month_is_compared_with_nothing(first_months: pd.DataFrame) -> None:
    table = month_over_month(first_months, "2025-09")
    assert table["previous"].isna().all() and table["delta"].isna().all() and table.attrs["first_month"]
    sessions = table.set_index("kpi").at["total_sessions", "value"]
    assert sessions == len(_rows("2025-09"))
    tiles = kpi_tiles(table, ["total_sessions", "completion_rate", "avg_rating"], 30)
    assert tiles.count("first month in the data") == 3 and "vs 2025-08" not in tiles and "+" not in tiles


def test_october_is_partial_and_said_so(first_months: pd.DataFrame) -> None:
    october, september = _ctx(first_months, "2025-10"), _ctx(first_months, "2025-09")
    assert october.partial and october.partial_note == "data through 9 Oct 2025: partial month"
    assert "data through 9 Oct 2025: partial month" in october.heading("KPIs")
    assert not september.partial and september.partial_note == ""
    # the day the report looks from is the last day with data, not 31 October
    assert october.last_day == pd.Timestamp("2025-10-09") and september.last_day == pd.Timestamp("2025-09-30")
    table = october.kpi_table()
    table.attrs["sessions"] = table.attrs["previous_sessions"] = 40  # large enough to compare
    tiles = kpi_tiles(table, ["total_sessions", "completion_rate"], 30, october.partial_note)
    assert "partial month" in tiles and "pp vs 2025-09" in tiles


def test_the_workbook_shows_a_change_only_where_the_pages_do(first_months: pd.DataFrame) -> None:
    from mentortrack.reports.exports import kpi_sheet
    from mentortrack.reports.tables import with_changes

    october = _ctx(first_months, "2025-10")
    table = with_changes(october.kpi_table(), SETTINGS.report.compare_min_sessions, october.partial_note)
    assert table["delta"].notna().any() and table["change"].isna().all()
    # counts of a partial month are not compared, whatever their size; rates are, from enough sessions
    assert set(table["no_change_because"]) == {"too few sessions to compare (16 vs 73)", october.partial_note}
    sheet = kpi_sheet(table).frame.set_index("KPI")
    assert sheet["Change"].isna().all() and "Sessions rated 5" in sheet.index and "rating_5" not in sheet.index
    assert sheet.at["Total sessions", "No change shown because"] == october.partial_note
    assert sheet.at["Completion rate", "No change shown because"] == "too few sessions to compare (16 vs 73)"
    september = _ctx(first_months, "2025-09")
    first = kpi_sheet(with_changes(september.kpi_table(), 30)).frame
    assert set(first["No change shown because"]) == {"first month in the data"}
    big = october.kpi_table()
    big.attrs["sessions"] = big.attrs["previous_sessions"] = 40
    compared = with_changes(big, 30, october.partial_note).set_index("kpi")
    assert math.isnan(compared.at["total_sessions", "change"])
    assert compared.at["total_sessions", "no_change_because"] == october.partial_note
    rate = compared.loc["completion_rate"]
    assert rate["change"] == rate["delta"] and rate["no_change_because"] == "", "no sign-led text to neutralise"


def test_windows_are_labelled_by_the_data_they_cover(first_months: pd.DataFrame) -> None:
    assert _ctx(first_months, "2025-09").window_label(3) == "Sep 2025"
    assert _ctx(first_months, "2025-10").window_label(3) == "Sep 2025 – 9 Oct 2025"
    assert list(_ctx(first_months, "2025-09").tables.trend.columns) == ["2025-09"]
    assert list(_ctx(first_months, "2025-10").tables.trend.columns) == ["2025-09", "2025-10"]


@pytest.mark.parametrize("month", ["2025-09", "2025-10"])
def test_one_standing_names_only_the_lower_part_and_says_why_the_rest_are_unranked(first_months: pd.DataFrame,
                                                                                   month: str) -> None:
    ctx = _ctx(first_months, month)
    standing = ctx.tables.standing
    window = [r for r in ROWS if "2025-09-01" <= r["Session_Date"] <= f"{month}-31"]
    per_mentor = pd.Series([r["Mentor_Name"] for r in window]).value_counts()
    assert standing["sessions"].to_dict() == per_mentor.to_dict()
    eligible = per_mentor[per_mentor >= 8]
    ranked = int(standing["ranked"].iloc[0])
    assert ranked == len(eligible) == standing["rank"].notna().sum()
    bottom = standing[standing["bottom"]]
    assert (bottom["rank"] > (ranked + 1) / 2).all() and 1 not in set(bottom["rank"])
    # 2 ranked in September, 4 over Sep – Oct: too few to name a bottom at all
    assert ranked < MIN_RANKED and bottom.empty
    assert ranking_sentence(standing, 8, ctx.window_label(3)).endswith(
        f"; a bottom is named from {MIN_RANKED} ranked mentors on, so no one is named.")
    unranked = standing[standing["rank"].isna()]
    assert all(f"{n} session{'s' if n != 1 else ''} in {ctx.window_label(3)}; 8 needed" in reason
               for n, reason in zip(unranked["sessions"], unranked["unranked_reason"]))
    assert ranking_sentence(standing, 8, ctx.window_label(3)).startswith(f"{ranked} of 15 mentors ranked over")
    # rank and band never point different ways without a note saying why
    contradicts = (standing["bottom"] & (standing["band"] == HEALTHY)) | \
        (~standing["lower_part"] & standing["rank"].notna() & (standing["band"] == AT_RISK))
    assert (standing.loc[contradicts, "note"] != "").all() and (standing.loc[~contradicts, "note"] == "").all()


def test_the_mentor_with_many_red_sessions_is_watched_whatever_the_score(first_months: pd.DataFrame) -> None:
    standing = _ctx(first_months, "2025-09").tables.standing
    red = [r for r in _rows("2025-09") if r["Mentor_Name"] == RED_MENTOR and r["Post_Session_Rating"] == "2"]
    mine = standing.loc[RED_MENTOR]
    assert (mine["red_count"], mine["sessions"], mine["rank"], mine["ranked"]) == (len(red), 10, 2, 2)
    # 4 of 10 sessions red: the score stays far above the at-risk line, the band does not call it healthy
    assert len(red) / 10 >= WATCH_RED_SHARE and mine["health_score"] >= 40 + WATCH_MARGIN
    assert mine["band"] == WATCH and not mine["bottom"] and mine["note"] == ""
    assert (standing.loc[standing["band"] == HEALTHY, "red_rate"] < WATCH_RED_SHARE).all()
    assert to_watch(standing) == [
        f"{RED_MENTOR}: {len(red)} of 10 sessions red in Sep 2025, health {mine['health_score']:.0f}"]


def test_missing_values_are_counted_where_a_value_can_exist(first_months: pd.DataFrame) -> None:
    september = first_months[first_months["month"] == "2025-09"]
    completed = [r for r in _rows("2025-09") if r["Session_Status"] == "Completed"]
    no_feedback = sum(1 for r in completed if not r["Learner_Feedback"])
    table = missing_share(september)
    assert (table.at["learner_feedback", "missing"], table.at["learner_feedback", "n"]) == (no_feedback, len(completed))
    assert table.at["learner_feedback", "missing_rate"] == pytest.approx(no_feedback / len(completed))
    assert "issue_flag" not in table.index and "post_session_rating" not in table.index


def test_the_headline_has_five_figures_with_honest_changes(first_months: pd.DataFrame) -> None:
    september = _ctx(first_months, "2025-09")
    figures = {f["label"]: f for f in headline(september, september.tables, 30)}
    assert list(figures) == ["Sessions", "Completion rate", "Average rating", "Red sessions", "Mentors at risk"]
    rows = _rows("2025-09")
    completed = [r for r in rows if r["Session_Status"] == "Completed"]
    resolved = [r for r in rows if r["Session_Status"] in ("Completed", "No-show", "Cancelled")]
    ratings = [int(r["Post_Session_Rating"]) for r in completed]
    assert figures["Sessions"]["value"] == f"{len(rows)}"
    assert figures["Completion rate"]["value"] == f"{len(completed) / len(resolved):.1%}"
    assert figures["Average rating"]["value"] == f"{np.mean(ratings):.2f}"
    assert all(f["change"] == "first month in the data" for f in figures.values())
    # none at risk; Mentor D (4 of 10 sessions red) is to watch, named as on the dashboard
    assert (figures["Mentors at risk"]["value"], figures["Mentors at risk"]["base"]) == (
        "0", f"of {scored_mentors(september.tables.health, '2025-09')[0]} with a score; 1 to watch: Mentor D")
    assert scored_mentors(september.tables.health, "2025-09") == (11, 15)
    red = sum(1 for level in september.scope["level"].astype(str) if level == "red")
    assert (figures["Red sessions"]["value"], figures["Red sessions"]["base"]) == (f"{red}", f"of {len(rows)} sessions")
    october = _ctx(first_months, "2025-10")
    figures = {f["label"]: f for f in headline(october, october.tables, 30)}
    assert all("vs 2025-09" not in f["change"] for label, f in figures.items()
               if label in ("Sessions", "Red sessions", "Mentors at risk"))
    # October has none of Mentor D's sessions (so no page of his), but the Sep–Oct window still has 4 red of them
    assert figures["Mentors at risk"]["base"].endswith(
        "; 1 to watch over Sep 2025 – 9 Oct 2025: Mentor D (no sessions this month)")
    assert figures["Mentors at risk"]["base"].startswith(
        "no mentor has a health score yet (a score needs 3 completed sessions in the month)"), "no '0 of 0'"
    assert (figures["Mentors at risk"]["value"], figures["Mentors at risk"]["change"]) == ("–", october.partial_note)
    assert figures["Sessions"]["change"] == october.partial_note, "a partial month's count: partial, not 'too few'"


def test_the_at_risk_figure_names_three_mentors_to_watch_and_counts_the_rest() -> None:
    standing = pd.DataFrame({"band": ["watch", "healthy", "watch", "watch", "watch", "watch"],
                             "health_score": [55, 90, 41, 77, 60, 50], "health_sessions": [3, 5, 0, 4, 2, 6]},
                            index=list("ABCDEF"))
    assert watch_text(standing) == "5 to watch: C (no sessions this month), F, A and 2 more"
    assert watch_text(standing, "Aug 2025 – Sep 2025").startswith("5 to watch over Aug 2025 – Sep 2025: C")


def test_all_months_compare_with_nothing(first_months: pd.DataFrame) -> None:
    everything = ReportContext(history=first_months, scope=first_months, month="all", data_label="first months",
                               output_dir=Path("."), settings=SETTINGS)
    figures = headline(everything, everything.tables, 30)
    assert figures[0]["value"] == f"{len(ROWS)}"
    assert {f["change"] for f in figures} == {"no earlier period to compare"}


def test_bands_compare_the_score_as_shown_and_many_red_sessions_watch_a_mentor_without_a_score() -> None:
    from mentortrack.analytics.standing import NO_SCORE, mentor_standing

    # five mentors, 8 sessions each in September; Z has 3 red of 8 (37.5 %), V 2 red of 8 (two are no pattern)
    names = [m for m in "XYZWV" for _ in range(8)]
    levels = ["green"] * 16 + ["red"] * 3 + ["green"] * 5 + ["green"] * 8 + ["red"] * 2 + ["green"] * 6
    window = pd.DataFrame({"mentor_name": names, "session_status": "Completed", "level": levels,
                           "post_session_rating": 4.0, "follow_up_scheduled": True, "sentiment": "Positive"})
    # X 59.6 is shown as 60 (healthy beside "watch: 40 to below 60"), Y 59.4 as 59 (watch), Z has no score,
    # W 39.6 is shown as 40 (not at risk: "at risk: below 40")
    scores = pd.DataFrame({"mentor_name": ["X", "Y", "Z", "W", "V"], "month": "2025-09", "sessions": [8, 8, 1, 8, 8],
                           "score": [59.6, 59.4, np.nan, 39.6, 80.0], "at_risk": False, "weakest": "", "missing": "",
                           "explanation": ""})
    standing = mentor_standing(window, scores, "2025-09", SETTINGS.warnings, "Sep 2025")
    assert standing["band"].to_dict() == {"X": HEALTHY, "Y": WATCH, "Z": WATCH, "W": WATCH, "V": HEALTHY}
    assert standing.loc["Z", "watch_reason"] == "3 of 8 sessions red in Sep 2025, no health score (1 session this month)"
    assert standing.loc["Y", "watch_reason"] == "health 59, within 20 points of 40"
    window.loc[window["mentor_name"] == "Z", "level"] = "green"
    assert mentor_standing(window, scores, "2025-09", SETTINGS.warnings, "Sep 2025").loc["Z", "band"] == NO_SCORE
    # rated 2.00 over 8 sessions: watched whatever the score; rated 2.00 over 4: too few ratings to judge
    window.loc[window["mentor_name"] == "V", "post_session_rating"] = 2.0
    low = mentor_standing(window, scores, "2025-09", SETTINGS.warnings, "Sep 2025")
    assert low.loc["V", "band"] == WATCH
    assert low.loc["V", "watch_reason"] == "average rating 2.00 over 8 rated sessions in Sep 2025, health 80"
    assert to_watch(low, window_named=True)[-1] == "V: rating 2.00 over 8 rated, health 80"
    few = window[~((window["mentor_name"] == "V") & (window.index % 8 >= 4))]
    assert mentor_standing(few, scores, "2025-09", SETTINGS.warnings, "Sep 2025").loc["V", "band"] == HEALTHY


def test_a_change_in_red_sessions_says_better_or_worse_in_words(first_months: pd.DataFrame) -> None:
    # one more October session on the 31st makes October a whole month, so its counts can be compared
    last = first_months[first_months["month"] == "2025-10"].iloc[[0]].assign(
        session_id="FM9999", session_date=pd.Timestamp("2025-10-31"))
    history = pd.concat([first_months, last], ignore_index=True)
    october = ReportContext(history=history, scope=history[history["month"] == "2025-10"], month="2025-10",
                            data_label="first months", output_dir=Path("."), settings=SETTINGS)
    assert not october.partial
    red = {f["label"]: f for f in headline(october, october.tables, 0)}["Red sessions"]
    now = int((october.scope["level"].astype(str) == "red").sum())
    before = int((first_months.loc[first_months["month"] == "2025-09", "level"].astype(str) == "red").sum())
    assert now < before and red["change"] == f"{now - before:+,} vs 2025-09 (better)"


def test_a_partial_month_is_headed_so_in_the_health_trend_and_the_workbook(first_months: pd.DataFrame,
                                                                          tmp_path: Path) -> None:
    from mentortrack.reports.exports import health_sheet
    from mentortrack.reports.pages import render

    october = ReportContext(history=first_months, scope=first_months[first_months["month"] == "2025-10"],
                            month="2025-10", data_label="first months", output_dir=tmp_path, settings=SETTINGS)
    sheet = health_sheet(october.tables.health, "2025-10", 6, october.data_through).frame
    assert {"Score Sep 2025", "Score Oct 2025 (to 9 Oct)"} <= set(sheet.columns)
    assert "Score Sep 2025 (to" not in " ".join(sheet.columns)
    whole = health_sheet(october.tables.health, "2025-10", 6, pd.Timestamp("2025-10-31")).frame
    assert "Score Oct 2025" in whole.columns
    html = " ".join(b.get("text/html", "") for b in render("06_early_warnings", october)["health"])
    assert "Health by month, 2025-09 to 2025-10 (to 9 Oct)" in html and ">2025-10 (to 9 Oct)</th>" in html


def test_a_change_within_chance_is_no_clear_change(first_months: pd.DataFrame) -> None:
    from mentortrack.analytics.comparisons import change_intervals, wilson
    from mentortrack.reports.tables import change_text

    september = first_months[first_months["month"] == "2025-09"]
    october = first_months[first_months["month"] == "2025-10"]
    table = change_intervals(october, september).set_index("kpi")
    # completion: October 13 of 16 resolved, September 61 of 73; Newcombe's interval from the two Wilson intervals
    (l1, u1), (l2, u2) = (tuple(float(v) for v in wilson(k, n)) for k, n in ((13, 16), (61, 73)))
    d = 13 / 16 - 61 / 73
    low, high = table.loc["completion_rate", ["change_low", "change_high"]]
    assert low == pytest.approx(d - math.sqrt((13 / 16 - l1) ** 2 + (u2 - 61 / 73) ** 2))
    assert high == pytest.approx(d + math.sqrt((u1 - 13 / 16) ** 2 + (61 / 73 - l2) ** 2))
    assert low < 0 < high and -1 <= low and high <= 1
    # the same sessions twice over against once: no change at all, an interval around 0
    same = change_intervals(pd.concat([september, september]), september).set_index("kpi")
    assert (same["change_low"] < 0).all() and (same["change_high"] > 0).all()
    kpis = month_over_month(first_months, "2025-10").merge(table.reset_index(), on="kpi")
    kpis.attrs.update(previous_month="2025-09", sessions=40, previous_sessions=40)
    said, colour = change_text(kpis, "completion_rate", kpis.set_index("kpi").at["completion_rate", "delta"])
    assert said.endswith("vs 2025-09 (unclear)") and colour == "#555"
    assert 'title="the 95 % interval of this change holds 0: it may be chance">' in kpi_tiles(kpis, ["completion_rate"])
    clear = kpis.assign(change_low=0.05, change_high=0.2)
    assert change_text(clear, "completion_rate", 0.1)[0] == "+10.0 pp vs 2025-09 (better)"
