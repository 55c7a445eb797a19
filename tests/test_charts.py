"""Charts: plain Figures (no pyplot state), values on bars, n on trend points, the image grid."""

from __future__ import annotations

import matplotlib.pyplot as plt
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


def test_bars_carry_their_values_including_zero() -> None:
    table = pd.DataFrame({"completion_rate": [0.0, 0.5]}, index=["AIML", "DSML"])
    fig = charts.kpi_by_group(table, "completion_rate", "Completion rate by program")
    assert [t.get_text() for t in fig.axes[0].texts] == ["0.0%", "50.0%"]
    stacked = charts.warnings_per_mentor(_sessions())
    assert sorted(t.get_text() for t in stacked.axes[0].texts if t.get_text()) == ["1", "1", "2"]


@pytest.mark.parametrize("columns", [1, 2, 3])
def test_grid_embeds_every_figure_with_alt_text(columns: int) -> None:
    html = charts.grid([charts.rating_trend(_sessions(), "2025-09"), charts.sentiment_split(
        pd.DataFrame({"sentiment": ["Positive", "Negative"]}))], columns)
    assert html.count("<img") == 2 and f"repeat({columns}," in html
    assert 'alt="Average rating by month (n = rated sessions)"' in html and 'alt="Feedback sentiment"' in html
