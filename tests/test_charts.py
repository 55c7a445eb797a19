"""Charts: plain Figures (no pyplot state), values on bars, n on trend points, the image grid."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from mentortrack.reports import charts


def _sessions() -> pd.DataFrame:
    return pd.DataFrame({
        "session_status": ["Completed"] * 5 + ["No-show"],
        "post_session_rating": pd.array([5, 4, 2, 3, 4, pd.NA], dtype="Int64"),
        "month": ["2025-08", "2025-08", "2025-09", "2025-09", "2025-09", "2025-09"],
        "mentor_name": ["A", "A", "B", "B", "B", "A"],
        "level": ["green", "amber", "red", "red", "amber", "green"],
    })


def test_charts_are_not_registered_with_pyplot() -> None:
    before = plt.get_fignums()
    fig = charts.rating_trend(_sessions(), "2025-09")
    assert plt.get_fignums() == before and fig.axes


def test_trend_points_carry_their_number_of_ratings() -> None:
    fig = charts.rating_trend(_sessions(), "2025-09")
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels == ["n=2", "n=3"]


def test_a_month_without_ratings_is_a_gap_in_the_trend_not_skipped() -> None:
    sessions = _sessions().assign(month=["2025-06", "2025-06", "2025-09", "2025-09", "2025-09", "2025-09"])
    ax = charts.rating_trend(sessions, "2025-09").axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2025-06", "2025-07", "2025-08", "2025-09"]
    line = ax.get_lines()[0].get_ydata()
    assert line[0] == pytest.approx(4.5) and pd.isna(line[1]) and pd.isna(line[2]) and line[3] == pytest.approx(3)
    assert [t.get_text() for t in ax.texts] == ["n=2", "n=3"]


def test_bars_carry_their_values_including_zero() -> None:
    table = pd.DataFrame({"completion_rate": [0.0, 0.5]}, index=["AIML", "DSML"])
    fig = charts.kpi_by_group(table, "completion_rate", "Completion rate by program")
    assert [t.get_text() for t in fig.axes[0].texts] == ["0.0%", "50.0%"]
    stacked = charts.warnings_per_mentor(_sessions())
    assert sorted(t.get_text() for t in stacked.axes[0].texts if t.get_text()) == ["1", "1", "2"]


@pytest.mark.parametrize("columns", [1, 2, 3])
def test_grid_embeds_every_figure_with_alt_text(columns: int) -> None:
    html = charts.grid([charts.rating_trend(_sessions(), "2025-09"), charts.sentiment_split(
        pd.DataFrame({"sentiment": ["Positive", "Negative"], "session_status": "Completed"}))], columns)
    assert html.count("<img") == 2 and f"repeat({columns}," in html
    assert 'alt="Average rating 3.00 in September 2025, n = 3 rated sessions (August 2025: 4.50, n = 2)"' in html
    assert 'alt="Feedback sentiment: 2 completed sessions, all with feedback: Positive 1 (50%), Negative 1 (50%)"' in html
    assert "data (CSV)" not in html, "outside a report run nothing is written"


def test_a_report_run_writes_each_charts_data_beside_the_page(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from mentortrack.reports import takeaway

    takeaway.use_folder(tmp_path / "data")
    try:
        html = charts.image_html(charts.counts_bar(pd.Series({"=cmd()": 3, "B": 1}), "Warnings by kind", "Rows"))
    finally:
        takeaway.use_folder(None)
    href = html.split('href="')[1].split('"')[0]
    assert href.startswith("data/warnings-by-kind-") and ">data (CSV)</a>" in html
    table = pd.read_csv(tmp_path / href, dtype=str, encoding="utf-8-sig")
    assert table.to_dict("list") == {"category": ["'=cmd()", "B"], "Rows": ["3", "1"]}, "formulas neutralised"
    assert 'alt="Warnings by kind: =cmd() 3, B 1; n = 4 rows"' in html


def test_count_axes_have_whole_ticks_and_long_titles_wrap() -> None:
    fig = charts.status_mix(pd.DataFrame({"session_status": pd.Series(["Completed", "No-show", "Completed"])}))
    fig.canvas.draw()
    ticks = [t for t in fig.axes[0].get_yticks() if 0 <= t <= 2]
    assert ticks and all(float(t).is_integer() for t in ticks)
    title = "Share of sessions with an empty value (columns with gaps only, this period)"
    table = pd.DataFrame({"missing_rate": [0.14, 0.5]}, index=["actual_duration_mins", "post_session_rating"])
    for long in (charts.sentiment_split(pd.DataFrame({"sentiment": ["Positive"], "session_status": "Completed"}),
                                        title=title + " " + title),
                 charts.kpi_by_group(table, "missing_rate", title)):  # centred over axes pushed right by labels
        charts.image_html(long)
        title_box = long.axes[0].title.get_window_extent(long._get_renderer())
        assert "\n" in long.axes[0].get_title() and title_box.x0 >= 0 and title_box.x1 <= long.bbox.width
    assert [t.get_text() for t in long.axes[0].get_yticklabels()] == ["Actual duration mins", "Rating"]


def test_rating_spread_boxes_only_groups_with_five_ratings_that_differ() -> None:
    ratings = {"Varied": [1, 2, 3, 4, 5], "Flat": [3] * 6, "Few": [2, 4, 5]}
    sessions = pd.DataFrame([{"mentor_name": m, "session_status": "Completed", "post_session_rating": r}
                             for m, values in ratings.items() for r in values]
                            + [{"mentor_name": "Few", "session_status": "No-show", "post_session_rating": None}])
    fig = charts.rating_spread(sessions)
    table = charts.about(fig).data.set_index("mentor_name")
    assert list(table.index) == ["Flat", "Varied", "Few"]  # most ratings first
    assert table["ratings"].to_dict() == {"Flat": 6, "Varied": 5, "Few": 3}
    assert table["boxed"].to_dict() == {"Flat": False, "Varied": True, "Few": False}
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["Flat (n=6)", "Varied (n=5)", "Few (n=3)"]
    assert len(fig.axes[0].patches) == 1  # one box
    assert "14 ratings of 3 groups" in charts.about(fig).alt


def test_group_bars_say_what_each_share_is_of_on_a_0_to_100_axis() -> None:
    table = pd.DataFrame({"follow_up_rate": [1.0, 1 / 3], "completed_sessions": [2, 3]},
                         index=pd.Index(["L", "I"], name="mentor"))
    fig = charts.kpi_by_group(table, "follow_up_rate", "Follow-up rate by mentor", base="completed_sessions")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["33.3% of 3", "100.0% of 2"]
    assert max(ax.get_xticks()) == 1.0
    assert "highest L 100.0% of 2, lowest I 33.3% of 3" in charts.about(fig).alt


def test_warnings_per_mentor_counts_the_mentors_it_cuts_off() -> None:
    levels = {"A": ["red", "red"], "B": ["red", "amber"], "C": ["amber"], "D": ["amber"], "E": ["amber"], "F": ["green"]}
    sessions = pd.DataFrame([{"mentor_name": m, "level": lv} for m, values in levels.items() for lv in values])
    fig = charts.warnings_per_mentor(sessions, top=3, title="Warnings per mentor (top 3)")
    shown = charts.about(fig).data
    assert list(shown["mentor_name"]) == ["A", "B", "C"]
    assert "2 more mentors with warnings not shown, 2 tied with the last shown (0 red, 1 amber)" in \
        charts.about(fig).alt
    everyone = charts.warnings_per_mentor(sessions, top=10)
    assert "not shown" not in charts.about(everyone).alt
    assert ": most red A (2 red, 0 amber);" in charts.about(fig).alt
    # a month with no red session does not say "most red sessions"
    amber = charts.warnings_per_mentor(sessions[sessions["level"] != "red"], top=10)
    assert ": no red session; most amber sessions (1 each): 4 mentors, B, C, D, E;" in charts.about(amber).alt
    alone = charts.warnings_per_mentor(sessions[sessions["mentor_name"].isin(["C", "F"])], top=10)
    assert ": no red session; most amber C (0 red, 1 amber);" in charts.about(alone).alt


def _standing(ratings: list[float]) -> pd.DataFrame:
    names = [f"Mentor {chr(65 + i)}" for i in range(len(ratings))]
    return pd.DataFrame({"eligible": True, "avg_rating": ratings, "red_rate": 0.5, "sessions": 8,
                         "rank": range(1, len(ratings) + 1)}, index=pd.Index(names, name="mentor_name"))


def test_the_mentor_scatter_names_every_mentor_when_few_are_ranked() -> None:
    two = _standing([4.5, 3.0])
    fig = charts.mentor_scatter(two, two.iloc[[1]], "two ranked")
    assert sorted(t.get_text() for t in fig.axes[0].texts) == ["Mentor A", "Mentor B"]
    six = _standing([4.5, 4.4, 4.3, 4.2, 4.1, 3.0])
    fig = charts.mentor_scatter(six, six.iloc[[5]], "six ranked")
    assert [t.get_text() for t in fig.axes[0].texts] == ["Mentor F"]
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["bottom 1 (highest share of sessions red)",
                                                                            "other ranked mentors"]


def test_the_mentor_scatter_names_close_points_in_their_order_without_overlap() -> None:
    # the first months' October: three ranked mentors at 0 % red, 4.33, 4.25 and 4.29
    three = _standing([4.33, 4.25, 4.29]).assign(red_rate=0.0)
    ax = charts.mentor_scatter(three, three.iloc[0:0], "three ranked").axes[0]
    heights = {t.get_text(): t.get_position()[1] for t in ax.texts}
    assert sorted(heights, key=heights.get, reverse=True) == ["Mentor A", "Mentor C", "Mentor B"]
    assert min(heights["Mentor A"] - heights["Mentor C"], heights["Mentor C"] - heights["Mentor B"]) >= charts.LABEL_GAP - 1e-9
    assert all(0 < h < 1 for h in heights.values())


def test_the_mentor_scatter_without_a_bottom_says_so_and_keeps_its_dots_off_the_frame() -> None:
    # two ranked mentors (the first months): no bottom named (the title says so), so no grey "others" of nothing
    two = _standing([4.5, 3.25]).assign(red_rate=[2 / 3, 0.75])
    ax = charts.mentor_scatter(two, two.iloc[0:0], "two ranked").axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["ranked mentors"]
    (low, high), (bottom, top) = ax.get_xlim(), ax.get_ylim()
    x_span, y_span = 0.75 - 2 / 3, 4.5 - 3.25
    assert min(2 / 3 - low, high - 0.75) >= 0.15 * x_span and min(3.25 - bottom, top - 4.5) >= 0.15 * y_span


def test_the_mentor_scatter_keeps_rates_on_0_to_100_percent_and_says_which_dots_hold_several_mentors() -> None:
    # rates at 0 % and 100 %: the margins stop at the scale's ends; two mentors share one point
    table = _standing([4.0, 4.0, 2.0, 5.0]).assign(red_rate=[0.875, 0.875, 0.0, 1.0])
    ax = charts.mentor_scatter(table, table.iloc[[2]], "four ranked").axes[0]
    (low, high), (bottom, top) = ax.get_xlim(), ax.get_ylim()
    assert -0.05 <= low < 0 and 1 < high <= 1.05 and 0.9 <= bottom < 2 and 5 < top <= 5.1
    assert all(0 <= t <= 1 for t in ax.get_xticks())
    assert "1 dot stands for 2 mentors at the same point" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "100%"


def test_the_health_trend_says_what_it_draws() -> None:
    trend = pd.DataFrame({"2025-08": [55.0, 70.0], "2025-09": [60.0, 30.0]}, index=["A", "B"])
    assert charts.about(charts.health_trend(trend, 40, "Health")).alt == \
        "Health: 2 mentors drawn; in 2025-09, 1 of the 2 with a score below 40 (lowest B 30)"
    one = charts.health_trend(trend.iloc[[0]], 40, "Health")
    assert charts.about(one).alt == "Health: A scored 60 in 2025-09 (before: 55 in 2025-08)"
    assert [t.get_text() for t in one.axes[0].texts if t.get_text().isdigit()] == ["55", "60"], "each point's score"


def test_a_chart_is_an_svg_whose_text_is_escaped_and_whose_bytes_do_not_change() -> None:
    import base64
    import re

    def svg() -> str:
        html = charts.image_html(charts.counts_bar(pd.Series({"<b>A & B</b>": 3, "C": 1}), "Warnings by kind", "Rows"))
        found = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
        assert found, html[:200]
        return base64.b64decode(found.group(1)).decode("utf-8")

    first = svg()
    assert "&lt;b&gt;A &amp; B&lt;/b&gt;" in first and "<b>" not in first, "labels are SVG text, escaped"
    assert "<script" not in first and "<text" in first
    assert svg() == first, "the same chart gives the same bytes (fixed ids, no date)"


def test_rating_trend_labels_stay_inside_the_frame() -> None:
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    ratings = [1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5]
    frame = pd.DataFrame({"session_status": "Completed", "post_session_rating": ratings, "month": months})
    ax = charts.rating_trend(frame).axes[0]
    offsets = {t.xy[1]: t.xyann[1] for t in ax.texts if t.get_text().startswith("n=")}
    assert offsets == {1.0: 7, 5.0: -15}, "a point at 1 is labelled above it, one at 5 below it"


def test_an_interval_chart_of_groups_without_spread_draws_their_points() -> None:
    # every rating 2: no group has an interval (no spread), and the chart still draws, inside finite limits
    table = pd.DataFrame({"mentor": ["A", "B"], "kpi": "avg_rating", "n": [6, 5], "value": [2.0, 2.0],
                          "low": [float("nan")] * 2, "high": [float("nan")] * 2, "verdict": [None, None],
                          "overall": 2.0})
    ax = charts.kpi_intervals(table, "avg_rating", "Average rating by mentor").axes[0]
    low, high = ax.get_xlim()
    assert low < 2.0 < high and all(map(np.isfinite, (low, high)))
