"""Shared fixtures: small hand-built exports and a tiny generated sample."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mentortrack.contract.load import LoadResult, check_reconciliation, load_sessions
from mentortrack.contract.schema import COLUMNS

HEADER = [c.export_name for c in COLUMNS]

GOOD_ROW = {
    "Session_ID": "SS1001", "Session_Date": "2025-09-08", "Session_Time": "15:00", "Program": "DSML",
    "Batch": "DSML Aug25 Advanced", "Learner_ID": "L46048", "Learner_Name": "Learner_126",
    "Learner_Email": "learner_126@gmail.com", "Age_Cohort": "b_2-3M", "Mentor_Name": "Sneha Reddy",
    "Session_Type": "Mock Interview", "Scheduled_Duration_mins": "45", "Actual_Duration_mins": "44",
    "Session_Status": "Completed", "Mentor_Prep_Done": "Yes", "Learner_Attended": "Yes",
    "Post_Session_Rating": "4", "Action_Items_Documented": "Yes", "Follow_Up_Scheduled": "No",
    "Issue_Flag": "", "Learner_Feedback": "Very helpful session",
}


def row(**changes: str) -> dict[str, str]:
    """A valid export row with some cells changed."""
    return {**GOOD_ROW, **changes}


def write_csv(path: Path, rows: list[dict[str, str]], sep: str = ",", encoding: str = "utf-8") -> Path:
    """Write rows as an export CSV with the given delimiter and encoding."""
    pd.DataFrame(rows, columns=HEADER).to_csv(path, sep=sep, index=False, encoding=encoding)
    return path


def load_checked(path: Path) -> LoadResult:
    """Load and assert the row accounting identity."""
    result = load_sessions(path)
    check_reconciliation(result)
    assert result.rows_read == len(result.sessions) + len(result.quarantine) + len(result.duplicates) + len(result.skipped)
    return result


def enriched(tmp_path: Path, rows: list[dict[str, str]], sentiment: list[str], keywords: list[object]) -> pd.DataFrame:
    """An enriched table built by hand (given sentiment and keywords; points, themes, rules, levels and
    summaries computed)."""
    from mentortrack.analytics.early_warnings import assess, no_show_counts
    from mentortrack.analytics.kpis import add_month
    from mentortrack.analytics.summaries import summarize_sessions
    from mentortrack.analytics.themes import session_themes

    sessions = add_month(load_checked(write_csv(tmp_path / "s.csv", rows)).sessions)
    sessions["sentiment"] = sentiment
    sessions["keywords"] = pd.Series(keywords, dtype="string")
    sessions = sessions.join(session_themes(sessions["learner_feedback"]))
    sessions["no_show_count"] = no_show_counts(sessions)
    sessions = sessions.join(assess(sessions))
    sessions["summary"] = summarize_sessions(sessions)
    return sessions


@pytest.fixture(scope="session")
def tiny_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 300-row generated export with a few messy rows (shared by slow tests)."""
    from mentortrack.contract.sample import write_sample

    return write_sample(tmp_path_factory.mktemp("data") / "tiny.csv", rows=300, seed=3, mentors=15, messy=0.02)


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """NLP cache in a fresh folder for the whole test session (tests must not depend on a warm user cache)."""
    import os

    os.environ["MENTORTRACK_CACHE_DIR"] = str(tmp_path_factory.mktemp("nlp-cache"))
    os.environ["HF_HUB_OFFLINE"] = "1"


@pytest.fixture(scope="session")
def bundled_enriched(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample, enriched once per test session (NLP on the packaged model)."""
    from mentortrack.analytics.enrich import enrich
    from mentortrack.reports.storage import write_table

    return write_table(enrich(load_sessions().sessions), tmp_path_factory.mktemp("bundled") / "enriched.parquet")
