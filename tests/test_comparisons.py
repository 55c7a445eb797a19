"""95 % intervals and verdicts computed by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import enriched, row

from mentortrack.analytics.comparisons import (
    NO_VALUES,
    ONLY_GROUP,
    TOO_FEW,
    compare,
    compare_sums,
    mean_interval,
    rating_interval,
    wilson,
)
from mentortrack.analytics.kpis import month_over_month
from mentortrack.reports.tables import comparison_table, kpi_tiles

Z = 1.959963984540054


def test_wilson_interval_by_hand() -> None:
    # 8/10: centre (0.8 + z²/20) / (1 + z²/10), half z/(1 + z²/10) * sqrt(0.8*0.2/10 + z²/400), z = 1.96
    low, high = wilson(8, 10)
    assert (float(low), float(high)) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    low, high = wilson([0, 5], [4, 0])
    assert low[0] == 0 and high[0] == pytest.approx(0.4899, abs=1e-4) and pd.isna(low[1])


def test_wilson_bounds_stay_inside_0_1_when_all_or_none_succeed() -> None:
    # 13 of 13: the formula's upper bound is 1 up to rounding (0.9999999999999999); it is clipped to exactly 1
    low, high = wilson([13, 0, 8], [13, 13, 8])
    assert high[0] == 1.0 and high[2] == 1.0 and low[1] == 0.0
    assert float(low[0]) == pytest.approx(13 / (13 + Z ** 2), abs=1e-12)


def test_no_verdict_from_rounding_or_from_a_sole_group() -> None:
    # two groups, follow-up 13/13 and 8/8 completed: program 21/21 = 100 %; neither is below it
    sums = pd.DataFrame({"follow_up": [13, 8], "completed": [13, 8], "n": [13, 8]},
                        index=pd.Index(["A", "B"], name="batch"))
    table = compare_sums(sums, sums.sum(), ["follow_up_rate"]).set_index("batch")
    assert table["verdict"].to_dict() == {"A": "no clear difference", "B": "no clear difference"}
    # one program: it is the program, no verdict
    sole = compare_sums(sums.iloc[:1].rename_axis("program"), sums.iloc[0], ["follow_up_rate"])
    assert sole["verdict"].tolist() == [ONLY_GROUP]
    # a batch whose 3 sessions were all no-shows has no completed session: no value, and the verdict says why
    empty = pd.concat([sums, pd.DataFrame({"follow_up": [0], "completed": [0], "n": [3]}, index=pd.Index(["C"], name="batch"))])
    table = compare_sums(empty, empty.sum(), ["follow_up_rate"]).set_index("batch")
    assert table.loc["C", "verdict"] == NO_VALUES and pd.isna(table.loc["C", "value"])


def test_t_interval_of_a_mean_by_hand() -> None:
    # ratings 4, 5, 3: mean 4, sd 1, t(0.975, 2) = 4.3027 -> 4 ± 4.3027 / sqrt(3)
    low, high = mean_interval(12, 16 + 25 + 9, 3)
    assert (float(low), float(high)) == pytest.approx((1.5159, 6.4841), abs=1e-4)
    assert pd.isna(mean_interval(4, 16, 1)[0])


def test_rating_intervals_stay_on_the_scale_and_need_values_that_differ() -> None:
    # the t interval of 4, 5, 3 runs past 5; with fewer than MIN_VALUES ratings there is none
    assert pd.isna(rating_interval(12, 50, 3)[0])
    # 5, 5, 5, 5, 4: mean 4.8, sd 0.447, t(0.975, 4) = 2.7764 -> 4.8 ± 0.555 -> 4.245 – 5.355, clipped to 5
    low, high = rating_interval(24, 4 * 25 + 16, 5)
    assert (float(low), float(high)) == pytest.approx((4.2447, 5.0), abs=1e-4)
    # six ratings all 3: no spread, no interval
    assert pd.isna(rating_interval(18, 54, 6)[0])


def test_groups_are_called_out_only_when_the_interval_says_so(tmp_path: Path) -> None:
    rows, labels = [], []
    for i in range(10):
        rows.append(row(Session_ID=f"X{i}", Program="X", Session_Status="Completed" if i < 9 else "No-show",
                        Learner_Attended="Yes" if i < 9 else "No", Post_Session_Rating="4" if i < 9 else "",
                        Learner_Feedback="good" if i < 9 else "", Actual_Duration_mins="40" if i < 9 else "0"))
        labels.append("Positive" if i < 9 else "No feedback")
    for i in range(10):
        done = i < 2
        rows.append(row(Session_ID=f"Y{i}", Program="Y", Session_Status="Completed" if done else "No-show",
                        Learner_Attended="Yes" if done else "No", Post_Session_Rating="4" if done else "",
                        Learner_Feedback="good" if done else "", Actual_Duration_mins="40" if done else "0"))
        labels.append("Positive" if done else "No feedback")
    rows.append(row(Session_ID="Z0", Program="Z"))
    labels.append("Positive")
    table = compare(enriched(tmp_path, rows, labels, [None] * len(rows)), "program", ["completion_rate"])
    table = table.set_index("program")
    # program: 12 completed of 21 resolved
    assert table["overall"].unique().tolist() == pytest.approx([12 / 21])
    assert (table.loc["X", "low"], table.loc["X", "high"]) == pytest.approx((0.5958, 0.9821), abs=1e-4)
    assert (table.loc["Y", "low"], table.loc["Y", "high"]) == pytest.approx((0.0567, 0.5098), abs=1e-4)
    assert table["verdict"].to_dict() == {"X": "above", "Y": "below", "Z": TOO_FEW}
    assert table["n"].to_dict() == {"X": 10, "Y": 10, "Z": 1} and table.loc["X", "sessions"] == 10
    shown = comparison_table(table.reset_index()).set_index("program")
    assert shown.loc["X", "value"] == "90.0%" and shown.loc["X", "interval"] == "59.6% – 98.2%"


def test_tiles_say_when_a_month_is_too_small_to_compare(tmp_path: Path) -> None:
    rows = [row(Session_ID=f"S{i}", Session_Date="2025-09-10" if i < 3 else "2025-08-10") for i in range(10)]
    table = month_over_month(enriched(tmp_path, rows, ["Positive"] * 10, [None] * 10), "2025-09")
    assert (table.attrs["sessions"], table.attrs["previous_sessions"]) == (3, 7)
    assert "too few sessions to compare (3 vs 7)" in kpi_tiles(table, ["completion_rate"], min_sessions=5)
    assert "pp vs 2025-08" in kpi_tiles(table, ["completion_rate"], min_sessions=3)
