"""Shared fixtures: small hand-built exports and a tiny generated sample."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mentortrack.config import Settings, load_settings
from mentortrack.contract.load import LoadResult, check_reconciliation, load_sessions
from mentortrack.contract.schema import COLUMNS
from mentortrack.paths import default_parameters_dir

SETTINGS: Settings = load_settings(default_parameters_dir())
"""The shipped settings, validated: what tests pass to the library (a test changes one with ``model_copy``)."""
TZ = SETTINGS.lifecycle.timezone
"""The program's time zone of the shipped settings."""

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
    result = load_sessions(path, timezone=TZ)
    check_reconciliation(result)
    assert result.rows_read == len(result.sessions) + len(result.quarantine) + len(result.duplicates) + len(result.skipped)
    return result


def enriched(tmp_path: Path, rows: list[dict[str, str]], sentiment: list[str], keywords: list[object]) -> pd.DataFrame:
    """An enriched table built by hand (given sentiment and keywords; points, themes, rules, levels and
    summaries computed)."""
    from mentortrack.analytics.early_warnings import assess, no_show_counts
    from mentortrack.analytics.kpis import add_month
    from mentortrack.analytics.summaries import summarize_sessions
    from mentortrack.analytics.themes import session_themes, taxonomy

    sessions = add_month(load_checked(write_csv(tmp_path / "s.csv", rows)).sessions)
    sessions["sentiment"] = sentiment
    sessions["keywords"] = pd.Series(keywords, dtype="string")
    sessions = sessions.join(session_themes(sessions["learner_feedback"], taxonomy(SETTINGS.themes)))
    sessions["no_show_count"] = no_show_counts(sessions)
    sessions = sessions.join(assess(sessions, SETTINGS.warnings.rules))
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

    return write_table(enrich(load_sessions(timezone=TZ).sessions, SETTINGS),
                       tmp_path_factory.mktemp("bundled") / "enriched.parquet")


FIRST_MONTHS_SESSIONS = [10, 10, 9, 10, 7, 7, 6, 6, 5, 5, 4, 3, 3, 2, 2]
"""Sessions per mentor in :func:`first_months_rows` (15 mentors, 2–10 each; 4 reach the ranking's 8)."""
FLAT_BATCH = "DSML Flat25"
"""The batch of :func:`first_months_rows` whose 6 ratings are all 3."""
RED_MENTOR = "Mentor D"
"""The mentor of :func:`first_months_rows` with half of their sessions red (rated 2, negative feedback)."""


def first_months_rows() -> list[dict[str, str]]:
    """An export shaped like a program's first months: sessions from 1 September to 9 October 2025,
    15 mentors with 2–10 sessions, one batch (:data:`FLAT_BATCH`) of 6 completed sessions all rated 3,
    and :data:`RED_MENTOR` with half their sessions rated 2 with negative feedback."""
    start, days = pd.Timestamp("2025-09-01"), 38  # 1 Sep + 38 days = 9 Oct
    rows, counter, flat = [], 0, 0
    for m, count in enumerate(FIRST_MONTHS_SESSIONS):
        mentor = f"Mentor {chr(ord('A') + m)}"
        for i in range(count):
            counter += 1
            offset = round(i * days / (count - 1)) if m < 2 else 3 * i if mentor == RED_MENTOR else (7 * i + 3 * m) % 39
            day = start + pd.Timedelta(days=offset)
            status = "No-show" if counter % 9 == 0 else "Cancelled" if counter % 13 == 0 else "Completed"
            completed = status == "Completed"
            rating = [5, 4, 4, 5, 3, 4, 5][counter % 7]
            feedback = "Very helpful session, clear guidance" if counter % 4 else ""
            batch = "DSML Aug25 Advanced" if m % 2 else "DSML Jul25 Core"
            if mentor == RED_MENTOR and completed and i % 2 == 0:
                rating, feedback = 2, "Not helpful, the mentor seemed unprepared and rushed"
            elif completed and flat < 6 and m >= 5 and i == 0 or (completed and flat < 6 and m >= 9 and i == 1):
                batch, rating, flat = FLAT_BATCH, 3, flat + 1
                day = start + pd.Timedelta(days=10 + flat)
            rows.append(row(Session_ID=f"FM{counter:04d}", Session_Date=f"{day:%Y-%m-%d}", Mentor_Name=mentor,
                            Batch=batch, Learner_ID=f"L{1000 + counter % 40}", Learner_Name=f"Learner_{counter % 40}",
                            Learner_Email=f"learner_{counter % 40}@example.org", Session_Status=status,
                            Actual_Duration_mins="44" if completed else "0",
                            Learner_Attended="Yes" if completed else "No",
                            Post_Session_Rating=str(rating) if completed else "",
                            Follow_Up_Scheduled="Yes" if counter % 3 else "No",
                            Action_Items_Documented="Yes" if completed else "No",
                            Mentor_Prep_Done="Yes" if completed else "No",
                            Learner_Feedback=feedback if completed else ""))
    return rows


def first_months_sentiment(rows: list[dict[str, str]]) -> list[str]:
    """The sentiment the suite gives :func:`first_months_rows`' feedback (fixed here, no model)."""
    return ["No feedback" if not r["Learner_Feedback"] else
            "Negative" if r["Learner_Feedback"].startswith("Not") else "Positive" for r in rows]


@pytest.fixture(scope="session")
def first_months_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """:func:`first_months_rows` written as an export CSV."""
    return write_csv(tmp_path_factory.mktemp("first-months") / "first_months.csv", first_months_rows())


@pytest.fixture()
def first_months(tmp_path: Path) -> pd.DataFrame:
    """:func:`first_months_rows` enriched by hand (sentiment fixed, levels and summaries computed)."""
    rows = first_months_rows()
    return enriched(tmp_path, rows, first_months_sentiment(rows), [[] for _ in rows])


@pytest.fixture(autouse=True)
def _no_data_folder_between_tests():
    """Each test starts with no data (CSV) folder set (:func:`mentortrack.reports.takeaway.use_folder`):
    a test that opened a report in this process must not make the next one write CSVs."""
    from mentortrack.reports import takeaway

    takeaway.use_folder(None)
    yield
    takeaway.use_folder(None)


CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars")
"""Flags of the browser tests' headless Chromium (no network of its own, no first-run pages)."""


@pytest.fixture()
def chromium() -> Iterator[Callable[..., Any]]:
    """Opens headless Chromium (Debian's chromium and chromium-driver): ``chromium(width, height)`` gives a
    Selenium driver with a window of that size; every driver opened is closed after the test. Skips the test
    when either is missing."""
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opened: list[Any] = []

    def open_window(width: int = 1366, height: int = 768) -> Any:
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or ""
        for flag in (*CHROMIUM_FLAGS, f"--window-size={width},{height}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
        opened.append(driver)
        return driver

    yield open_window
    for driver in opened:
        with contextlib.suppress(Exception):  # a test may have closed it already
            driver.quit()
