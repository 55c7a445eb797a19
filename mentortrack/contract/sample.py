"""Seeded generator of realistic session exports, in the platform's column format.

The mix follows the real export (``shared/docs/session-export.md``): about 56 %
completed, 16 % no-show, 15 % cancelled, 13 % rescheduled; ratings only on
completed sessions (mean about 3.6); feedback on about three quarters of
completed sessions and on no other row. Mentors differ: a few are clearly
worse (more cancellations, less preparation, lower ratings, fewer follow-ups),
so early warnings have something to find. ``messy`` is the fraction of rows
given one realistic defect (odd casing, Y/N spellings, bad ratings, blank IDs,
unparseable dates, exact and conflicting duplicates) for testing the loader.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from mentortrack.contract.schema import EXPORT_NAMES
from mentortrack.paths import package_data

START, END = pd.Timestamp("2024-04-01"), pd.Timestamp("2025-10-31")
PROGRAMS = {"DSML": 0.35, "Academy": 0.25, "DevOps": 0.2, "AIML": 0.2}
LEVELS = ("", " Beginner", " Intermediate", " Advanced")
SESSION_TYPES = {
    "Resume Review": (30, 0.25),
    "Career Guidance": (45, 0.2),
    "Mock Interview": (60, 0.25),
    "Project Discussion": (45, 0.15),
    "Learning Roadmap": (30, 0.15),
}
AGE_COHORTS = ("a_1M", "b_2-3M", "c_4-6M", "d_7-9M", "e_10-24M", "f_>24M")
FIRST = ("Sneha", "Vikram", "Ananya", "Rahul", "Priya", "Arjun", "Kavya", "Rohan", "Meera", "Aditya", "Ishita",
         "Karan", "Neha", "Siddharth", "Pooja", "Nikhil", "Divya", "Manish", "Shreya", "Varun", "Lakshmi", "Amit",
         "Tanvi", "Harsh", "Riya", "Deepak", "Nisha", "Gaurav", "Swati", "Abhishek")
LAST = ("Reddy", "Singh", "Sharma", "Iyer", "Patel", "Nair", "Gupta", "Menon", "Das", "Kapoor", "Joshi", "Rao",
        "Verma", "Bose", "Kulkarni", "Chopra", "Pillai", "Mehta", "Banerjee", "Saxena")
STATUS_BASE = {"Completed": 0.558, "No-show": 0.158, "Cancelled": 0.15, "Rescheduled": 0.134}
QUALITY_FLAGS = ("Mentor late to join", "Vague guidance provided", "Dismissive tone noted")
OTHER_FLAGS = ("Learner seemed confused", "Mentioned external resources (Udemy, etc.)")


@dataclass(frozen=True)
class FeedbackPool:
    """Labelled feedback sentences: ``sentences[label]`` lists every composed sentence."""

    sentences: dict[str, tuple[str, ...]]

    def labelled(self) -> pd.DataFrame:
        """All sentences with their label (columns ``text``, ``label``)."""
        return pd.DataFrame([(t, label.capitalize()) for label, texts in self.sentences.items() for t in texts],
                            columns=["text", "label"])


@cache
def feedback_pool() -> FeedbackPool:
    """Compose the labelled pool from ``data/feedback_pool.yaml`` (cores alone, and core + tail)."""
    spec = yaml.safe_load(package_data("feedback_pool.yaml").read_text(encoding="utf-8"))
    sentences: dict[str, tuple[str, ...]] = {}
    for label, parts in spec.items():
        composed = list(parts["cores"])
        for i, core in enumerate(parts["cores"]):
            for j, tail in enumerate(parts["tails"]):
                if (i + j) % 3 == 0:
                    composed.append(f"{core}, {tail}" if j % 2 else f"{core}. {tail[0].upper()}{tail[1:]}")
        sentences[label] = tuple(composed)
    return FeedbackPool(sentences)


def _mentors(rng: np.random.Generator, n: int) -> pd.DataFrame:
    names: list[str] = []
    while len(names) < n:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in names:
            names.append(name)
    quality = rng.normal(0.3, 0.6, n)
    quality[rng.choice(n, size=max(2, n // 8), replace=False)] = rng.uniform(-2.2, -1.5, max(2, n // 8))
    return pd.DataFrame({"name": names, "quality": quality, "weight": rng.uniform(0.5, 1.5, n)})


def _pick(rng: np.random.Generator, options: list[str], n: int, zipf: float = 1.1) -> np.ndarray:
    """Draw with a long-tailed frequency, as real feedback repeats a few sentences often."""
    order = rng.permutation(len(options))
    weights = 1.0 / np.arange(1, len(options) + 1) ** zipf
    return np.asarray(options, dtype=object)[order][rng.choice(len(options), size=n, p=weights / weights.sum())]


def generate(rows: int = 2000, seed: int = 7, mentors: int = 24, messy: float = 0.0) -> pd.DataFrame:
    """A session export as the platform writes it (export column names, text cells).

    Args:
        rows: number of booked sessions before messy duplicates are added.
        seed: random seed; the same arguments always give the same table.
        mentors: number of mentors (15–40 is realistic).
        messy: fraction of rows given one defect (0 gives a clean export).
    """
    rng = np.random.default_rng(seed)
    team = _mentors(rng, mentors)
    mentor = rng.choice(mentors, size=rows, p=team["weight"] / team["weight"].sum())
    q = team["quality"].to_numpy()[mentor]

    days = (END - START).days + 1
    date = START + pd.to_timedelta(np.sort(rng.integers(0, days, rows)), unit="D")
    hour = rng.integers(9, 21, rows)
    minute = rng.choice([0, 0, 0, 30], rows)
    learners = max(rows // 4, 10)
    learner = rng.integers(0, learners, rows)
    learner_ids = rng.choice(np.arange(10000, max(100000, 10000 + 4 * learners)), size=learners, replace=False)
    absentee = rng.random(learners) < 0.08
    program = rng.choice(list(PROGRAMS), size=learners, p=list(PROGRAMS.values()))[learner]
    joined = START + pd.to_timedelta(rng.integers(-200, (END - START).days, learners), unit="D")
    cohort_month = pd.DatetimeIndex(joined[learner]).strftime("%b%y")
    level = rng.choice(LEVELS, size=learners)[learner]
    cohort = rng.choice(AGE_COHORTS, size=learners, p=[0.2, 0.25, 0.2, 0.15, 0.15, 0.05])[learner]
    types = list(SESSION_TYPES)
    stype = rng.choice(types, size=rows, p=[v[1] for v in SESSION_TYPES.values()])
    base_len = np.array([SESSION_TYPES[t][0] for t in stype])
    scheduled = np.where(rng.random(rows) < 0.2, rng.choice([30, 45, 60], rows), base_len)

    p = np.tile(np.array(list(STATUS_BASE.values())), (rows, 1))
    p[:, 2] *= np.exp(-0.6 * q)
    p[:, 1] *= np.where(absentee[learner], 3.0, 1.0)
    p /= p.sum(axis=1, keepdims=True)
    status = np.array(list(STATUS_BASE))[(rng.random((rows, 1)) > p.cumsum(axis=1)).sum(axis=1)]
    completed = status == "Completed"

    prep_score = q + rng.normal(0, 0.9, rows)
    prep = np.where(prep_score > -0.05, "Yes", np.where(prep_score > -0.75, "Partial", "No"))

    ended_early = completed & (rng.random(rows) < np.clip(0.05 - 0.05 * q, 0.01, 0.2))
    actual = np.where(ended_early, rng.integers(8, 20, rows), scheduled + np.round(rng.normal(0, 6, rows)))
    actual = np.where(completed, np.clip(actual, 5, None), 0).astype(int)
    actual_text = np.where(status == "Rescheduled", "", actual.astype(str))

    prep_effect = np.select([prep == "Yes", prep == "No"], [0.35, -0.5], 0.0)
    rating = np.clip(np.round(3.55 + 0.55 * q + prep_effect - 1.2 * ended_early + rng.normal(0, 0.9, rows)), 1, 5)
    rating_text = np.where(completed, rating.astype(int).astype(str), "")

    attended = np.where(completed, "Yes", "No")
    attended = np.where((status == "Cancelled") & (rng.random(rows) < 0.06), "Yes", attended)
    follow_up = completed & (rng.random(rows) < np.clip(0.72 + 0.12 * q, 0.2, 0.95))
    action_items = completed & (rng.random(rows) < np.clip(0.66 + 0.12 * q, 0.2, 0.95))

    flag = np.full(rows, "", dtype=object)
    status_flag = {"No-show": "Session No-show", "Cancelled": "Session Cancelled", "Rescheduled": "Session Rescheduled"}
    for name, text in status_flag.items():
        flag[(status == name) & (rng.random(rows) < 0.7)] = text
    quality_issue = completed & (rng.random(rows) < np.clip(0.06 - 0.08 * q, 0.0, 0.45))
    flag[quality_issue] = rng.choice(QUALITY_FLAGS, size=int(quality_issue.sum()))
    other = completed & (flag == "") & (rng.random(rows) < 0.05)
    flag[other] = rng.choice(OTHER_FLAGS, size=int(other.sum()))
    flag[completed & ~follow_up & (flag == "") & (rng.random(rows) < 0.15)] = "No follow-up scheduled"
    flag[completed & ~action_items & (flag == "") & (rng.random(rows) < 0.15)] = "No action items documented"
    flag[ended_early & (rng.random(rows) < 0.8)] = "Session ended early (< 20 mins)"

    feedback = np.full(rows, "", dtype=object)
    has_feedback = completed & (rng.random(rows) < 0.75)
    low, mid = rating <= 2, rating == 3
    p_neg = np.select([low, mid], [0.72, 0.35], 0.06) + 0.3 * np.isin(flag, QUALITY_FLAGS)
    p_pos = np.select([low, mid], [0.08, 0.25], 0.68)
    u = rng.random(rows)
    label = np.where(u < p_neg, "negative", np.where(u < p_neg + p_pos, "positive", "neutral"))
    pool = feedback_pool().sentences
    for name, texts in pool.items():
        mask = has_feedback & (label == name)
        feedback[mask] = _pick(rng, list(texts), int(mask.sum()))

    learner_no = learner_ids[learner]
    frame = pd.DataFrame({
        "session_id": [f"SS{1001 + i}" for i in range(rows)],
        "session_date": date.strftime("%Y-%m-%d"),
        "session_time": [f"{h}:{m:02d}" for h, m in zip(hour, minute)],
        "program": program,
        "batch": [f"{p} {c}{lv}" for p, c, lv in zip(program, cohort_month, level)],
        "learner_id": [f"L{n}" for n in learner_no],
        "learner_name": [f"Learner_{n % 1000}" for n in learner_no],
        "learner_email": [f"learner_{n}@gmail.com" for n in learner_no],
        "age_cohort": cohort,
        "mentor_name": team["name"].to_numpy()[mentor],
        "session_type": stype,
        "scheduled_duration_mins": scheduled.astype(str),
        "actual_duration_mins": actual_text,
        "session_status": status,
        "mentor_prep_done": prep,
        "learner_attended": attended,
        "post_session_rating": rating_text,
        "action_items_documented": np.where(action_items, "Yes", "No"),
        "follow_up_scheduled": np.where(follow_up, "Yes", "No"),
        "issue_flag": flag,
        "learner_feedback": feedback,
    })
    if messy > 0:
        frame = make_messy(frame, messy, rng)
    return frame.rename(columns=EXPORT_NAMES)


def make_messy(frame: pd.DataFrame, fraction: float, rng: np.random.Generator) -> pd.DataFrame:
    """Give ``fraction`` of the rows one realistic defect each (in canonical column names)."""
    frame = frame.copy()
    n = int(round(len(frame) * fraction))
    rows = rng.choice(len(frame), size=n, replace=False)
    defects = rng.integers(0, 10, n)
    status_variants = {"Completed": ["completed ", "COMPLETED", " Completed"], "No-show": ["No-Show", "no show", "noshow"],
                       "Cancelled": ["canceled", "CANCELLED"], "Rescheduled": ["rescheduled", "Re-scheduled"]}
    extra: list[pd.Series] = []
    for row, defect in zip(rows, defects):
        match defect:
            case 0 | 1:
                frame.at[row, "session_status"] = rng.choice(status_variants[frame.at[row, "session_status"]])
            case 2:
                frame.at[row, "follow_up_scheduled"] = {"Yes": "Y", "No": "n"}[frame.at[row, "follow_up_scheduled"]]
            case 3:
                frame.at[row, "post_session_rating"] = str(rng.choice([0, 6, 7, 10]))
            case 4:
                frame.at[row, "session_id"] = ""
            case 5:
                frame.at[row, "session_date"] = rng.choice(["2025-13-45", "soon", "31/02/2025"])
            case 6:
                extra.append(frame.loc[row].copy())
            case 7:
                twin = frame.loc[row].copy()
                twin["post_session_rating"] = "1" if twin["post_session_rating"] != "1" else "5"
                twin["session_status"] = "Completed"
                extra.append(twin)
            case 8:
                frame.at[row, "session_status"] = rng.choice(["Done?", "Pending", "In progress"])
            case _:
                frame.at[row, "mentor_name"] = frame.at[row, "mentor_name"].lower()
    if extra:
        frame = pd.concat([frame, pd.DataFrame(extra)], ignore_index=True)
        frame = frame.sort_values("session_date", kind="stable").reset_index(drop=True)
    return frame


def write_sample(out: str | Path, rows: int = 2000, seed: int = 7, mentors: int = 24, messy: float = 0.0) -> Path:
    """Generate an export and write it as CSV, ``.xlsx`` or ``.parquet`` by the file's suffix."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame = generate(rows, seed, mentors, messy)
    match out.suffix.lower():
        case ".xlsx":
            frame.to_excel(out, index=False)
        case ".parquet":
            frame.to_parquet(out, index=False)
        case _:
            frame.to_csv(out, index=False)
    return out
