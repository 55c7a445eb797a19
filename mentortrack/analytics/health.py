"""Mentor health: one 0–100 score per mentor and month, from parts a manager can check.

Components, each a share between 0 (worst) and 1 (best), over the mentor's sessions of
the month (``n`` is the component's denominator):

==================  ====================================================  ===============================
component           value                                                 n
==================  ====================================================  ===============================
rating              (average post-session rating − 1) / 4                 completed sessions with a rating
positive_feedback   1 − Negative / completed sessions with feedback       completed sessions with feedback
follow_up           completed with a follow-up scheduled / completed      completed sessions
action_items        completed with action items documented / completed    completed sessions
prep                completed with prep ``Yes`` / completed with prep      completed sessions with prep recorded
kept_sessions       1 − Cancelled / (Completed + No-show + Cancelled)     resolved sessions
learner_attendance  1 − No-show / (Completed + No-show)                   attended-or-missed sessions
==================  ====================================================  ===============================

(The export does not say who cancelled, so ``kept_sessions`` counts every cancellation.)

**Small samples are shrunk towards the program.** Each component is estimated as
``(n · mentor value + k · program value) / (n + k)``, the program value being that of
all mentors in the same month and ``k`` = ``health.prior_sessions`` (5): a mentor with two
sessions sits close to the program, one with forty shows their own record. A mentor with
fewer than ``health.min_sessions`` *completed* sessions in the month gets no score: five of the
seven components (9 of the 10.5 default weight) are counted over completed sessions, so a month of
no-shows and cancellations would otherwise score the program's average, not the mentor. The score is
``100 × Σ weight · component / Σ weight`` over the components the program has data for
(weights in ``parameters/warnings.yaml``); below ``health.threshold`` (40) the mentor is
at risk. The explanation names the components furthest below the program, in the
mentor's raw figures: a share with its denominator as the KPI names it ("follow-ups 40% of 5 completed
sessions"), counts ("2 negative comments"), a mean rating with the KPI's two decimals ("rating 3.25/5",
:func:`mentortrack.analytics.kpis.format_rating`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mentortrack.analytics.kpis import BASES, COMPLETED, PREP_RECORDED, format_rating
from mentortrack.config import HealthSettings
from mentortrack.wording import counted, plural

COMPONENTS = ("rating", "positive_feedback", "follow_up", "action_items", "prep", "kept_sessions",
              "learner_attendance")
LABELS = {"rating": "Rating", "positive_feedback": "Feedback not negative", "follow_up": "Follow-ups",
          "action_items": "Action items", "prep": "Prep", "kept_sessions": "Kept sessions",
          "learner_attendance": "Learner attendance"}
SHARE_BASES = {"follow_up": COMPLETED, "action_items": COMPLETED, "prep": PREP_RECORDED}
"""The components an explanation says as a share, and their denominator in
:data:`mentortrack.analytics.kpis.BASES` (the KPI's: "follow-ups 25% of 4 completed sessions")."""
NOTHING_BELOW = "no part below the program"
"""The weakest parts of a score none of whose components is below the program."""
HEALTH_COLUMNS = ["mentor_name", "month", "sessions", "completed", "score", "at_risk", "weakest", "missing",
                  "explanation", *[f"{c}_raw" for c in COMPONENTS], *[f"{c}_n" for c in COMPONENTS]]


def _parts(sessions: pd.DataFrame) -> pd.DataFrame:
    """Per session, the numerator (``<c>_hit``) and denominator (``<c>_n``) of every component."""
    status = sessions["session_status"].astype("string")
    completed = (status == "Completed").fillna(False).to_numpy()
    rating = sessions["post_session_rating"].astype("float64")
    rated = completed & rating.notna().to_numpy()
    feedback = sessions["learner_feedback"].astype("string").str.strip().fillna("") != ""
    with_feedback = completed & feedback.to_numpy()
    negative = (sessions["sentiment"].astype("string") == "Negative").fillna(False).to_numpy()
    prep = sessions["mentor_prep_done"].astype("string")
    prep_recorded = completed & prep.notna().to_numpy()
    resolved = status.isin(["Completed", "No-show", "Cancelled"]).fillna(False).to_numpy()
    attendance = status.isin(["Completed", "No-show"]).fillna(False).to_numpy()
    flag = {name: sessions[name].fillna(False).astype(bool).to_numpy() for name in
            ("follow_up_scheduled", "action_items_documented")}
    parts = {
        "rating_hit": np.where(rated, (rating.fillna(1).to_numpy() - 1) / 4, 0.0), "rating_n": rated,
        "positive_feedback_hit": with_feedback & ~negative, "positive_feedback_n": with_feedback,
        "follow_up_hit": completed & flag["follow_up_scheduled"], "follow_up_n": completed,
        "action_items_hit": completed & flag["action_items_documented"], "action_items_n": completed,
        "prep_hit": prep_recorded & (prep == "Yes").fillna(False).to_numpy(), "prep_n": prep_recorded,
        "kept_sessions_hit": resolved & (status != "Cancelled").fillna(False).to_numpy(), "kept_sessions_n": resolved,
        "learner_attendance_hit": attendance & (status == "Completed").fillna(False).to_numpy(),
        "learner_attendance_n": attendance,
    }
    frame = pd.DataFrame({k: np.asarray(v, dtype="float64") for k, v in parts.items()}, index=sessions.index)
    frame["sessions"] = 1.0
    return frame


def health_scores(sessions: pd.DataFrame, settings: HealthSettings) -> pd.DataFrame:
    """One row per mentor and month (``YYYY-MM``): score, at-risk flag, raw components and their n, and the
    words pages show: ``weakest`` (the parts furthest below the program, empty without a score), ``missing``
    (what a month without a score lacks, empty with one) and ``explanation`` (both in one line).

    ``sessions`` needs the enriched columns (``sentiment``) and ``month``; ``settings`` is
    ``health`` of ``parameters/warnings.yaml``. Scores are NaN for mentors with fewer than
    ``settings.min_sessions`` completed sessions in the month.
    """
    weights = {c: float(getattr(settings.weights, c)) for c in COMPONENTS}
    k = float(settings.prior_sessions)
    if sessions.empty:
        return pd.DataFrame(columns=HEALTH_COLUMNS)
    parts = _parts(sessions)
    keys = [sessions["mentor_name"].astype("string"), sessions["month"].astype("string")]
    sums = parts.groupby(keys, observed=True).sum().rename_axis(["mentor_name", "month"])
    program = parts.groupby(sessions["month"].astype("string").to_numpy()).sum()
    table = pd.DataFrame(index=sums.index)
    table["sessions"] = sums["sessions"].astype(int)
    table["completed"] = sums["follow_up_n"].astype(int)
    weighted, total_weight = pd.Series(0.0, index=sums.index), pd.Series(0.0, index=sums.index)
    for c in COMPONENTS:
        hit, n = sums[f"{c}_hit"], sums[f"{c}_n"]
        months = sums.index.get_level_values("month")
        prior = (program[f"{c}_hit"] / program[f"{c}_n"].replace(0, np.nan)).reindex(months).to_numpy()
        table[f"{c}_raw"] = hit / n.replace(0, np.nan)
        table[f"{c}_n"] = n.astype(int)
        table[f"{c}_program"] = prior
        shrunk = (hit + k * prior) / (n + k)
        usable = ~np.isnan(prior) & (weights[c] > 0)
        weighted += np.where(usable, weights[c] * np.nan_to_num(shrunk), 0.0)
        total_weight += np.where(usable, weights[c], 0.0)
    score = 100 * weighted / total_weight.replace(0, np.nan)
    table["score"] = score.where(table["completed"] >= settings.min_sessions).round(1)
    table["at_risk"] = (shown(table["score"]) < settings.threshold).astype(bool)
    table["weakest"] = [_weakest(row, weights) for _, row in table.iterrows()]
    table["missing"] = [_missing(row, settings.min_sessions) for _, row in table.iterrows()]
    table["explanation"] = [f"no score: {missing}" if missing else f"{score:.0f}: {weakest}"
                            for score, weakest, missing in zip(table["score"], table["weakest"], table["missing"])]
    return table.reset_index()


def shown(score: Any) -> Any:
    """Scores (a Series or one float) as the pages show them, in whole points (59.6 is 60): bands and the
    at-risk flag compare these, so a score shown as 60 is never in a band that ends below 60."""
    return np.round(score)


def _missing(row: pd.Series, min_completed: int) -> str:
    """What a month without a score lacks ("2 sessions, 2 completed this month; a score needs 3 completed");
    empty when it has a score."""
    if pd.notna(row["score"]):
        return ""
    return (f"{plural(row['sessions'], 'session')}, {row['completed']} completed this month; "
            f"a score needs {min_completed} completed")


def _weakest(row: pd.Series, weights: dict[str, float]) -> str:
    """The (at most two) components furthest below the program, in raw figures ("rating 2.50/5, 1 learner
    no-show"), or "no part below the program"; empty without a score."""
    if pd.isna(row["score"]):
        return ""
    gaps = {c: weights[c] * (row[f"{c}_program"] - row[f"{c}_raw"]) for c in COMPONENTS
            if weights[c] > 0 and pd.notna(row[f"{c}_raw"]) and pd.notna(row[f"{c}_program"])
            and row[f"{c}_raw"] < row[f"{c}_program"]}
    worst = sorted(gaps, key=lambda c: -gaps[c])[:2]
    return ", ".join(_figure(c, row) for c in worst) if worst else NOTHING_BELOW


def _figure(component: str, row: pd.Series) -> str:
    raw, n = row[f"{component}_raw"], int(row[f"{component}_n"])
    misses = round(n * (1 - raw))
    match component:
        case "rating":
            return f"rating {format_rating(1 + 4 * raw)}/5"
        case "positive_feedback":
            return plural(misses, "negative comment")
        case "kept_sessions":
            return plural(misses, "cancellation")
        case "learner_attendance":
            return plural(misses, "learner no-show")
        case _:
            return f"{LABELS[component].lower()} {raw:.0%} of {n:,} {counted(n, BASES[SHARE_BASES[component]].noun)}"


def scored_mentors(scores: pd.DataFrame, month: str) -> tuple[int, int]:
    """Mentors of ``month`` (YYYY-MM) with a health score, and mentors with sessions that month."""
    rows = scores[scores["month"] == month]
    return int(rows["score"].notna().sum()), len(rows)


def scored_sentence(scores: pd.DataFrame, month: str, min_completed: int) -> str:
    """How many of the month's mentors have a score, for a page that says how many are at risk:
    "5 of 24 mentors with sessions in 2025-09 have a health score (3 completed sessions needed)"."""
    scored, mentors = scored_mentors(scores, month)
    return (f"{scored:,} of {plural(mentors, 'mentor')} with sessions in {month} "
            f"{'has' if scored == 1 else 'have'} a health score ({min_completed} completed sessions needed)")


def none_at_risk_sentence(scores: pd.DataFrame, month: str, period: str, threshold: float, min_completed: int) -> str:
    """What a page says when no mentor of ``month`` is at risk: that none scored below ``threshold``, or, when
    no mentor has a score yet, that none can be at risk (never "0 below 40" of nobody); with
    :func:`scored_sentence`."""
    lead = (f"No mentor has a health score (0–100) below {threshold:g} in {period}" if scored_mentors(scores, month)[0]
            else f"No mentor has a health score in {period} yet, so none can be at risk")
    return f"{lead}: {scored_sentence(scores, month, min_completed)}."


def health_trend(scores: pd.DataFrame, month: str, months: int) -> pd.DataFrame:
    """Scores of the ``months`` months ending with ``month``: mentors as rows, months as columns.

    Months before the first month of ``scores`` (before the data starts) are left out, not shown empty.
    """
    last = pd.Period(month, freq="M")
    first = str(scores["month"].min()) if len(scores) else month
    wanted = [m for m in ((last - i).strftime("%Y-%m") for i in range(months - 1, -1, -1)) if m >= first]
    window = scores[scores["month"].isin(wanted)]
    return window.pivot(index="mentor_name", columns="month", values="score").reindex(columns=wanted)


def month_scores(scores: pd.DataFrame, month: str) -> pd.DataFrame:
    """Each mentor's health in ``month`` (``all``: in the last month they had sessions), indexed by mentor."""
    if month == "all":
        latest = scores.sort_values("month").groupby("mentor_name").tail(1)
    else:
        latest = scores[scores["month"] == month]
    return latest.set_index("mentor_name")
