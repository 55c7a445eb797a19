"""The report pages' charts on a program's first months (:func:`conftest.first_months_rows`: 1 September to
9 October 2025, 15 mentors with 2–10 sessions), checked against counts made by hand from the fixture's rows."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from conftest import RED_MENTOR, SETTINGS, first_months_rows

from mentortrack.analytics.kpis import compute_kpis
from mentortrack.analytics.standing import MIN_RANKED, WATCH_MARGIN, WATCH_MIN_SESSIONS, WATCH_RED_SHARE
from mentortrack.reports import charts
from mentortrack.reports.context import ReportContext
from mentortrack.reports.mentor_pages import (
    band_key,
    rank_sentence,
    weakest_sentence,
    write_contents,
    write_mentor_pages,
)

ROWS = first_months_rows()


def _september(first_months: pd.DataFrame) -> pd.DataFrame:
    return first_months[first_months["month"] == "2025-09"]


def _october_context(first_months: pd.DataFrame, folder: Path) -> ReportContext:
    """The report context of October, the month the data covers to the 9th."""
    return ReportContext(history=first_months, scope=first_months[first_months["month"] == "2025-10"],
                         month="2025-10", data_label="first months", output_dir=folder, settings=SETTINGS)


def _september_rows() -> list[dict[str, str]]:
    return [r for r in ROWS if r["Session_Date"].startswith("2025-09")]


def test_the_sentiment_chart_counts_completed_sessions_with_feedback_as_the_kpis_do(first_months: pd.DataFrame) -> None:
    # By hand: September has 73 sessions, 61 completed (6 no-show, 6 cancelled); of the completed, 13 have no
    # feedback, 48 have some: 44 positive (92 %) and 4 negative (8 %, Mentor D's "Not helpful").
    september = [r for r in ROWS if r["Session_Date"].startswith("2025-09")]
    completed = [r for r in september if r["Session_Status"] == "Completed"]
    with_text = [r for r in completed if r["Learner_Feedback"]]
    negative = [r for r in with_text if r["Learner_Feedback"].startswith("Not")]
    assert (len(september), len(completed), len(with_text), len(negative)) == (73, 61, 48, 4)
    scope = _september(first_months)
    fig = charts.sentiment_split(scope, title="Feedback sentiment, September 2025")
    said = charts.about(fig)
    assert said.alt == ("Feedback sentiment, September 2025: 61 completed sessions, shares of the 48 with feedback: "
                        "Positive 44 (92%), "
                        "Negative 4 (8%); 13 of 61 completed sessions without feedback (21%)")
    assert "61 completed sessions, shares of the 48 with feedback" in fig.axes[0].get_title().replace("\n", " ")
    labels = [t.get_text() for t in fig.axes[0].texts]
    # each bar names its base: the shares are of the 48 with feedback, the bar without feedback is of the 61 completed
    assert labels == ["44 (92% of 48)", "4 (8% of 48)", "13 of 61 completed"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Positive", "Negative", "No feedback"]
    assert said.data["sessions"].sum() == 61, "no-show and cancelled sessions are not in the chart"
    kpis = compute_kpis(scope)
    shares = said.data.set_index("sentiment")["share"]
    assert shares["Positive"] == kpis["positive_feedback_rate"] and shares["Negative"] == kpis["negative_feedback_rate"]


def _completed(month: str) -> list[dict[str, str]]:
    return [r for r in ROWS if r["Session_Date"].startswith(month) and r["Session_Status"] == "Completed"]


def test_charts_with_one_category_or_one_length_are_sentences(first_months: pd.DataFrame) -> None:
    completed = _completed("2025-09")
    ratings = [int(r["Post_Session_Rating"]) for r in completed]
    assert {r["Mentor_Prep_Done"] for r in completed} == {"Yes"}, "the fixture prepares every completed session"
    assert {(r["Actual_Duration_mins"], r["Scheduled_Duration_mins"]) for r in completed} == {("44", "45")}
    (kind,) = {r["Session_Type"] for r in completed}
    average = f"{sum(ratings) / len(ratings):.2f}"
    scope = _september(first_months)
    assert charts.prep_vs_rating(scope) == (f"Rating by mentor preparation: all 61 rated sessions had mentor prep done "
                                            f"Yes (average rating {average}), so there is nothing to compare.")
    assert charts.rating_by_category(scope, "session_type", "Rating by session type") == (
        f"Rating by session type: all 61 rated sessions had session type {kind} (average rating {average}), so there "
        "is nothing to compare.")
    assert charts.duration_comparison(scope) == ("Actual vs scheduled minutes (completed): all 61 completed sessions "
                                                 "lasted 44 min, booked for 45 min.")
    two = scope[scope["session_status"] == "Completed"].head(2).copy()
    two["mentor_prep_done"] = pd.Categorical(["Yes", "Partial"], categories=two["mentor_prep_done"].cat.categories)
    assert not isinstance(charts.prep_vs_rating(two), str), "two categories are compared in a chart"


def test_the_heatmap_leaves_out_what_is_constant_and_says_so(first_months: pd.DataFrame) -> None:
    # September: ratings (3, 4, 5, and Mentor D's 2) and follow-ups (Yes/No) vary; minutes, prep and action items
    # are the same for every completed session. October: only the ratings vary (every follow-up Yes).
    september, october = _completed("2025-09"), _completed("2025-10")
    assert len({r["Follow_Up_Scheduled"] for r in september}) == 2 and {r["Follow_Up_Scheduled"] for r in october} == {"Yes"}
    # two measures vary: one correlation, said with its n, not a 2×2 heatmap
    rated = [(int(r["Post_Session_Rating"]), r["Follow_Up_Scheduled"] == "Yes") for r in september]
    r = np.corrcoef([a for a, _ in rated], [float(b) for _, b in rated])[0, 1]
    assert charts.correlations(_september(first_months)) == (
        f"Correlations (completed sessions): only rating and follow-up vary among the {len(september)} completed "
        "sessions (constant this month: actual min, scheduled min, prep (0–2), action items); their correlation: "
        f"r = {r:.2f} over {len(september)} sessions with both.")
    varied = _september(first_months)
    varied["action_items_documented"] = varied["session_id"].str[-1].isin(list("01234"))
    fig = charts.correlations(varied)
    assert list(charts.about(fig).data["measure"]) == ["rating", "follow-up", "action items"]
    assert fig.axes[0].get_title() == ("Correlations (completed sessions); constant this month: actual min, "
                                       "scheduled min, prep (0–2)")
    few = _september(first_months).query("mentor_name == 'Mentor A'")
    assert charts.correlations(few) == (f"Correlations (completed sessions): {len(few)} completed sessions this "
                                        "month; a correlation needs 10 or more to mean anything.")
    assert charts.correlations(first_months[first_months["month"] == "2025-10"]) == (
        f"Correlations (completed sessions): only rating varies among the {len(october)} completed sessions (constant "
        "this month: actual min, scheduled min, prep (0–2), follow-up, action items), so there is no correlation to "
        "show.")


def test_trends_label_the_month_the_data_covers_only_in_part(first_months: pd.DataFrame) -> None:
    last = max(r["Session_Date"] for r in ROWS)
    assert last == "2025-10-09"
    through = pd.Timestamp(last)
    ticks = [t.get_text() for t in charts.rating_trend(first_months, "2025-10", through=through).axes[0].get_xticklabels()]
    assert ticks == ["2025-09", "2025-10 (to 9 Oct)"]
    ax = charts.rating_trend(first_months, "2025-10", through=through, target=4.0).axes[0]
    lines = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert [len(line.get_xdata()) for line in lines] == [1], "the partial month is joined to nothing"
    (ring,) = ax.collections  # the report's month, so far: an open red ring, the only marker on it
    assert tuple(ring.get_facecolor()[0]) == (1.0, 1.0, 1.0, 1.0)
    assert ax.get_xticklabels()[0].get_rotation() == 0, "two months' labels need no slant"
    assert {"2025-10: this report, so far (to 9 Oct): may still move", "target 4.00"} <= {
        t.get_text() for t in ax.get_legend().get_texts()}
    whole = charts.rating_trend(first_months, "2025-09", through=pd.Timestamp("2025-09-30")).axes[0]
    assert all(line.get_linestyle() == "-" for line in whole.get_lines() if line.get_marker() == "o")
    trend = pd.DataFrame({"2025-09": [77.0], "2025-10": [80.0]}, index=pd.Index(["Mentor A"], name="mentor_name"))
    fig = charts.health_trend(trend, 40, "Health score by month", through=through)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["2025-09", "2025-10 (to 9 Oct)"]
    assert charts.month_label("2025-09", through) == "2025-09", "a month the data covers whole keeps its name"
    assert charts.month_label("2025-10", pd.Timestamp("2025-10-31")) == "2025-10"


def test_the_mentor_page_says_why_a_healthy_score_is_watched_in_sentences(first_months: pd.DataFrame,
                                                                         tmp_path: Path) -> None:
    # By hand: Mentor D has 10 sessions in September, 4 of them red (rated 2, negative feedback): 40 % red, at or
    # above the standing's 25 % from 4 sessions on, so "watch" whatever the health score.
    mine = [r for r in ROWS if r["Mentor_Name"] == RED_MENTOR and r["Session_Date"].startswith("2025-09")]
    red = [r for r in mine if r["Post_Session_Rating"] == "2"]
    assert (len(mine), len(red)) == (10, 4)
    ctx = ReportContext(history=first_months, scope=_september(first_months), month="2025-09",
                        data_label="first months", output_dir=tmp_path, settings=SETTINGS)
    write_contents(tmp_path, ctx.scope)
    (page,) = write_mentor_pages(tmp_path, ctx, ctx.tables, [RED_MENTOR])
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
    score = ctx.tables.standing.loc[RED_MENTOR, "health_score"]
    assert score >= SETTINGS.warnings.health.threshold + WATCH_MARGIN, "watched for its red sessions, not its score"
    assert f"{score:.0f} ◆ Watch (4 of 10 sessions red in Sep 2025, health {score:.0f})." in text
    assert ": 4 of 10" not in text
    threshold = SETTINGS.warnings.health.threshold
    assert band_key(threshold) in text
    assert band_key(40) == ("▼ at risk: health below 40; ◆ watch: health 40 to below 60, or, whatever the health, at least "
                            "25% of the sessions in the ranking window red (from 8 sessions and 3 red on) or an average "
                            "rating below 3.00 there (from 5 ratings on).")
    assert (WATCH_RED_SHARE, WATCH_MIN_SESSIONS) == (0.25, 8)


def test_a_rank_among_too_few_says_that_no_bottom_is_named(first_months: pd.DataFrame, tmp_path: Path) -> None:
    # By hand: in September only Mentor C (8 sessions, none red) and Mentor D (10, 4 red) have the 8 sessions a
    # rank needs; D is second of two, and with fewer than MIN_RANKED ranked no one is named as the bottom.
    counts = pd.Series([r["Mentor_Name"] for r in ROWS if r["Session_Date"].startswith("2025-09")]).value_counts()
    assert sorted(counts[counts >= SETTINGS.warnings.mentors.min_sessions].index) == ["Mentor C", RED_MENTOR]
    ctx = ReportContext(history=first_months, scope=_september(first_months), month="2025-09",
                        data_label="first months", output_dir=tmp_path, settings=SETTINGS)
    write_contents(tmp_path, ctx.scope)
    pages = write_mentor_pages(tmp_path, ctx, ctx.tables, [RED_MENTOR, "Mentor A"])
    text = {p.stem: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", p.read_text(encoding="utf-8"))) for p in pages}
    assert ("Rank 2 of 2 ranked mentors over Sep 2025 (1 = lowest share of sessions red, then highest rating). "
            f"With fewer than {MIN_RANKED} ranked mentors no bottom is named: the rank only orders these 2."
            ) in text["Mentor_D"]
    assert "Not ranked: 7 sessions in Sep 2025; 8 needed to be ranked." in text["Mentor_A"]
    assert "Ratings (oldest first)" in text["Mentor_D"]  # the pair's ratings listed, not a count
    row = ctx.tables.standing.loc[RED_MENTOR]
    many = row.copy()
    many["ranked"], many["rank"], many["bottom"] = 9, 8, True
    assert rank_sentence(many, "Sep 2025").endswith("(1 = lowest share of sessions red, then highest rating). "
                                                    "Among the bottom mentors the dashboard names.")
    many["rank"], many["bottom"] = 3, False
    assert rank_sentence(many, "Sep 2025").endswith("Not among the bottom mentors the dashboard names.")
    many["rank"], many["ranked"] = 1, 1
    assert rank_sentence(many, "Sep 2025").startswith("The only mentor ranked over Sep 2025: with fewer than")


def test_a_health_explanation_reads_as_a_sentence() -> None:
    assert weakest_sentence("1 learner no-show") == "Furthest below the program: 1 learner no-show."
    assert weakest_sentence("no part below the program") == "No part is below the program."
    assert weakest_sentence("") == ""


def test_warnings_per_mentor_shows_only_mentors_with_a_warning(first_months: pd.DataFrame) -> None:
    # By hand: in September 12 of the 15 mentors have a completed session without a follow-up or rated 2 with
    # negative feedback (Mentor D's 4 red); K, L and O have neither. A no-show is warned about only from the
    # learner's second one (none here): its preparation is not counted, as the prep KPI does not count it.
    warned = {r["Mentor_Name"] for r in _september_rows() if r["Session_Status"] == "Completed"
              and (r["Follow_Up_Scheduled"] == "No" or r["Post_Session_Rating"] == "2")}
    assert len(warned) == 12 and {"Mentor K", "Mentor L", "Mentor O"}.isdisjoint(warned)
    september = _september(first_months)
    fig = charts.warnings_per_mentor(september, top=10, title="Warnings per mentor, September 2025")
    assert fig.axes[0].get_title() == ("Warnings per mentor, September 2025: the 10 with most red, then amber, of 12 "
                                        "mentors with a warning")
    assert list(charts.about(fig).data["mentor_name"])[0] == RED_MENTOR
    everyone = charts.warnings_per_mentor(september, top=15, title="Warnings per mentor")
    assert set(charts.about(everyone).data["mentor_name"]) == warned
    # By hand: October's 16 sessions are 13 completed, well rated with a follow-up, and 3 first no-shows
    october = first_months[first_months["month"] == "2025-10"]
    no_shows = [r for r in ROWS if r["Session_Date"].startswith("2025-10") and r["Session_Status"] != "Completed"]
    assert len(october) == 16 and {r["Session_Status"] for r in no_shows} == {"No-show"} and len(no_shows) == 3
    said = charts.warnings_per_mentor(october, title="Warnings per mentor")
    assert said == "Warnings per mentor: no mentor has an amber or red session (16 sessions)."
    assert charts.image_html(said) == f'<p class="mt-chart-note">{said}</p>'


def test_an_interval_chart_with_no_group_large_enough_is_a_sentence(first_months: pd.DataFrame) -> None:
    from mentortrack.analytics.comparisons import compare

    october = compare(first_months[first_months["month"] == "2025-10"], "mentor")
    most = int(october.loc[october["kpi"] == "follow_up_rate", "n"].max())
    assert 0 < most < 5
    said = charts.kpi_intervals(october, "follow_up_rate", "Follow-up rate by mentor")
    assert said == ("Follow-up rate by mentor: no mentor has 5 or more sessions counted in follow-up "
                    f"scheduled (the most is {most}).")
    september = compare(first_months[first_months["month"] == "2025-09"], "mentor")
    drawn = charts.kpi_intervals(september, "follow_up_rate", "Follow-up rate by mentor")
    assert not isinstance(drawn, str)
    counted = september[(september["kpi"] == "follow_up_rate") & (september["n"] > 0)]
    large = int((counted["n"] >= 5).sum())
    assert 0 < large < len(counted)
    assert charts.about(drawn).alt.startswith(f"Follow-up rate by mentor: {large} of {len(counted)} (n ≥ 5): ")


def test_the_rules_table_names_rules_as_readers_know_them(first_months: pd.DataFrame, tmp_path: Path) -> None:
    from mentortrack.analytics.early_warnings import rule_said
    from mentortrack.reports.pages import render

    rules = SETTINGS.warnings.rules
    assert [rule_said(rules[r]) for r in ("low_rating", "negative_feedback", "repeated_learner_no_show",
                                          "mentor_cancellations")] == [
        "rated below 3/5", "negative feedback", "learner no-show #2 or later", "mentor cancels often (25% or more)"]
    assert rule_said(rules["serious_issue_flag"]) == ("flag: Mentor late to join / Dismissive tone noted / "
                                                      "Session ended early (< 20 mins)")
    assert rule_said(rules["low_rating"].model_copy(update={"below": None})) == "rated …/5"
    ctx = ReportContext(history=first_months, scope=_september(first_months), month="2025-09",
                        data_label="first months", output_dir=tmp_path, settings=SETTINGS)
    html = " ".join(b.get("text/html", "") for b in render("06_early_warnings", ctx)["levels"])
    table = html.split("How often each rule fired", 1)[1]
    assert "rated below 3/5" in table and "…" not in table and "negative feedback" in table and "low_rating" not in table
    assert "How often each rule fired, 73 sessions (a session can fire several)" in html


def test_a_mentor_scored_in_one_month_gets_a_sentence_not_a_one_point_chart(first_months: pd.DataFrame,
                                                                            tmp_path: Path) -> None:
    ctx = _october_context(first_months, tmp_path)
    october = ctx.scope
    trend = ctx.tables.trend
    assert list(trend.columns) == ["2025-09", "2025-10"]
    once = [m for m in october["mentor_name"].unique() if trend.loc[m].notna().sum() == 1]
    assert once, "the fixture has a mentor scored in September only"
    write_contents(tmp_path, ctx.scope)
    (page,) = write_mentor_pages(tmp_path, ctx, ctx.tables, [once[0]])
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
    assert "A health score in one month so far: a trend needs a second month." in text
    assert "Health score by month" not in page.read_text(encoding="utf-8")


def test_a_mentor_watched_without_a_score_says_so_on_the_page(first_months: pd.DataFrame, tmp_path: Path) -> None:
    # the standing's row of a mentor with too few sessions this month for a score but many red in the window
    ctx = ReportContext(history=first_months, scope=_september(first_months), month="2025-09",
                        data_label="first months", output_dir=tmp_path, settings=SETTINGS)
    standing = ctx.tables.standing
    standing.loc[RED_MENTOR, ["health_score", "health_explanation", "health_weakest", "health_missing"]] = \
        [float("nan"), "no score: 1 session this month", "", "1 session this month"]
    standing.loc[RED_MENTOR, "watch_reason"] = "4 of 10 sessions red in Sep 2025, no health score (1 session this month)"
    write_contents(tmp_path, ctx.scope)
    (page,) = write_mentor_pages(tmp_path, ctx, ctx.tables, [RED_MENTOR])
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
    assert "no score 1 session this month. ◆ Watch (4 of 10 sessions red in Sep 2025, no health score" in text


def test_the_ranking_shows_the_rank_vs_health_column_only_when_a_note_exists(first_months: pd.DataFrame,
                                                                             tmp_path: Path) -> None:
    from mentortrack.reports.pages import render

    ctx = ReportContext(history=first_months, scope=_september(first_months), month="2025-09",
                        data_label="first months", output_dir=tmp_path, settings=SETTINGS)
    notes = ctx.tables.standing["note"].astype("string").fillna("")
    html = " ".join(b.get("text/html", "") for b in render("06_early_warnings", ctx)["ranking"])
    assert ("Rank vs health" in html) == (notes != "").any()


def test_a_grouping_of_tiny_groups_is_said_not_listed() -> None:
    from mentortrack.reports.pages import Sections
    from mentortrack.reports.pages.kpis import _group_table

    def table(batches: dict[str, int]) -> pd.DataFrame:
        return pd.DataFrame([{"batch": b, "kpi": "completion_rate", "sessions": n, "n": n, "value": 0.5, "low": 0.1,
                              "high": 0.9, "overall": 0.5, "verdict": "too few values (n < 5)" if n < 5 else
                              "no clear difference"} for b, n in batches.items()])

    out = Sections()
    _group_table(out, table({f"B{i}": 1 + i % 3 for i in range(85)}), "batch", False)
    assert out.sections["heading"][0]["text/markdown"] == (
        "KPIs by batch: none of the 85 batches has 5 or more values for any KPI (at most 3), so none is listed or "
        "compared.")
    out = Sections()
    _group_table(out, table({"Big": 12, "Small": 2}), "batch", False)
    shown = out.sections["heading"][0]["text/html"]
    assert "values with 5 or more in their denominator, 1 of 2 batches; 1 with fewer than 5 values for every KPI " \
           "is not listed" in shown
    assert ">Big<" in shown and ">Small<" not in shown


def test_the_health_trend_of_a_month_without_scores_is_a_sentence_naming_the_lowest(first_months: pd.DataFrame,
                                                                                    tmp_path: Path) -> None:
    from mentortrack.reports.pages import render

    ctx = _october_context(first_months, tmp_path)
    trend = ctx.tables.trend
    assert trend["2025-10"].isna().all(), "no mentor has enough October sessions for a score"
    html = " ".join(b.get("text/html", "") for b in render("06_early_warnings", ctx)["health"])
    lowest = trend["2025-09"].dropna().sort_values(kind="stable").head(5)
    said = ", ".join(f"{name} {score:.0f}" for name, score in lowest.items())
    assert f"Scores exist for 2025-09 only: a health trend needs a second scored month (lowest: {said})." in html
    assert "the five lowest now" not in html


def test_the_kpis_by_group_have_their_own_heading_and_two_batches_are_both(first_months: pd.DataFrame,
                                                                          tmp_path: Path) -> None:
    from mentortrack.reports.pages import render

    ctx = _october_context(first_months, tmp_path)
    assert ctx.scope["batch"].nunique() == 2
    shown = [b.get("text/markdown", "") + b.get("text/html", "") for blocks in render("05_kpis", ctx).values()
             for b in blocks]
    text = " ".join(shown)
    heading = next(i for i, b in enumerate(shown) if b.startswith("### KPIs by "))
    assert heading > next(i for i, b in enumerate(shown) if b.startswith("### Follow-up by mentor"))
    assert "both batches" in text and "all 2 batches" not in text


def test_a_mentor_without_sessions_this_month_has_a_health_explanation(first_months: pd.DataFrame,
                                                                      tmp_path: Path) -> None:
    ctx = _october_context(first_months, tmp_path)
    standing = ctx.tables.standing
    absent = standing[standing["health_sessions"] == 0]
    assert len(absent) and RED_MENTOR in absent.index
    assert (absent["health_explanation"] == "no score: no sessions in Oct 2025").all()
