"""Pair status computed by hand on a small frame: every rule, the order of precedence, the window, a learner
who moved on to another mentor."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import SETTINGS, enriched, row

from mentortrack.analytics.pairs import PAIR_COLUMNS, pair_status, status_counts

AS_OF = pd.Timestamp("2025-09-30")
NO_SHOW = {"Session_Status": "No-show", "Learner_Attended": "No", "Post_Session_Rating": "", "Actual_Duration_mins": "0",
           "Learner_Feedback": "", "Follow_Up_Scheduled": "No"}


def s(sid: str, day: str, mentor: str, learner: str, rating: str = "4", follow: str = "Yes", **more: str
      ) -> dict[str, str]:
    return row(**{"Session_ID": sid, "Session_Date": day, "Mentor_Name": mentor, "Learner_ID": learner,
                  "Post_Session_Rating": rating, "Follow_Up_Scheduled": follow, **more})


@pytest.fixture()
def sessions(tmp_path: Path) -> pd.DataFrame:
    rows = [
        s("A1", "2025-09-01", "Mira", "A", "5"), s("A2", "2025-09-08", "Mira", "A", "4"),
        s("A3", "2025-09-15", "Mira", "A", "2"),                      # falling: 2 <= 4.5 - 1 (follow-up scheduled)
        s("B1", "2025-09-01", "Mira", "B", "5"), s("B2", "2025-09-08", "Mira", "B", **NO_SHOW),
        s("B3", "2025-09-15", "Mira", "B", **NO_SHOW),                 # two no-shows in a row
        s("C1", "2025-09-20", "Ravi", "A", "5"),                       # one session: too early
        s("D1", "2025-09-02", "Ravi", "C", "4"), s("D2", "2025-09-09", "Ravi", "C", "4"),
        s("D3", "2025-09-16", "Ravi", "C", "5"),                       # on track
        s("E1", "2025-08-21", "Tara", "D", "5"),                       # 40 days quiet
        s("F1", "2025-06-01", "Tara", "E", "5"),                       # 121 days: closed, not listed
        s("G1", "2025-09-25", "Mira", "F", "2", follow="No"),          # negative without follow-up, 1 session
        s("H0", "2025-07-25", "Tara", "G", "4"),
        s("H1", "2025-08-01", "Tara", "G", "4"),                       # G moved on to Ravi: not quiet, closed
        s("H2", "2025-08-20", "Ravi", "G", "5"),                       # ... and G is quiet with Ravi (41 days)
    ]
    labels = ["Positive", "Positive", "Negative", "Positive", "No feedback", "No feedback", "Positive", "Positive",
              "Positive", "Positive", "Positive", "Positive", "Negative", "Positive", "Positive", "Positive"]
    return enriched(tmp_path, rows, labels, [None] * len(rows))


@pytest.fixture()
def pairs(sessions: pd.DataFrame) -> pd.DataFrame:
    return pair_status(sessions, AS_OF, SETTINGS.warnings.pairs, SETTINGS.lifecycle.followups)


def test_each_pair_gets_the_status_and_reason_worked_out_by_hand(pairs: pd.DataFrame) -> None:
    got = {(r.mentor_name, r.learner_id): (r.status, r.reason) for r in pairs.itertuples()}
    assert got == {
        ("Mira", "A"): ("Needs check-in", "ratings falling: 5, 4, 2 (latest 2 vs 4.50 before)"),   # A moved on
                                                                                                  # to Ravi: kept
        ("Mira", "B"): ("Needs check-in", "2 no-shows in a row (last on 2025-09-15)"),
        ("Tara", "D"): ("Needs check-in", "no session booked for 40 days"),
        ("Ravi", "G"): ("Needs check-in", "no session booked for 41 days"),
        ("Mira", "F"): ("Needs check-in", "negative session on 2025-09-25 (rated 2/5) without a follow-up"),
        ("Ravi", "A"): ("Too early to tell", "1 session booked; 3 needed to judge"),
        ("Ravi", "C"): ("On track", "3 of 3 sessions attended, last 14 days ago, no warning sign"),
    }
    assert list(pairs.columns) == PAIR_COLUMNS


def test_the_columns_of_a_pair(pairs: pd.DataFrame) -> None:
    a = pairs[(pairs["mentor_name"] == "Mira") & (pairs["learner_id"] == "A")].iloc[0]
    assert (a.booked, a.attended, a.no_shows, a.days_since_last, a.ratings) == (3, 3, 0, 15, "5, 4, 2")
    assert a.avg_rating == pytest.approx(11 / 3) and a.rating_trend == pytest.approx(2 - 4.5)
    assert a.sentiment_trend == "Positive → Positive → Negative" and a.last_session == pd.Timestamp("2025-09-15")
    b = pairs[pairs["learner_id"] == "B"].iloc[0]
    assert (b.booked, b.attended, b.no_shows, pd.isna(b.rating_trend)) == (3, 1, 2, True)


def test_check_ins_come_first_and_counts_have_every_status(pairs: pd.DataFrame) -> None:
    assert pairs["status"].tolist()[:5] == ["Needs check-in"] * 5
    assert pairs["learner_id"].tolist()[:5] == ["G", "D", "A", "B", "F"]       # longest quiet first
    counts = status_counts(pairs)
    assert counts["pairs"].tolist() == [5, 1, 1] and counts["share"].sum() == pytest.approx(1)
    assert status_counts(pairs.iloc[0:0])["pairs"].tolist() == [0, 0, 0]


def test_kpis_by_pair_json(sessions: pd.DataFrame, tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from mentortrack.cli import app
    from mentortrack.reports.storage import write_table

    path = write_table(sessions, tmp_path / "enriched.parquet")
    result = CliRunner().invoke(app, ["kpis", str(path), "--by", "pair", "--month", "2025-09", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["as_of"] == "2025-09-30" and data["counts"] == {"Needs check-in": 5, "Too early to tell": 1,
                                                                "On track": 1}
    first = data["pairs"][0]
    assert (first["learner_id"], first["last_session"], first["reason"]) == ("G", "2025-08-20",
                                                                            "no session booked for 41 days")
