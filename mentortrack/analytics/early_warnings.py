"""Early warnings: a green / amber / red level and the reasons for every session,
and a per-mentor ranking.

Rules, thresholds, levels and the statuses each rule applies to live in
``parameters/warnings.yaml``. A session's level is the worst level among the
rules that fire on it; no rule firing means green.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from mentortrack.config import MentorRanking, Rule

LEVELS = ("green", "amber", "red")
LEVEL_COLOURS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828"}
"""Display colour of each level (hex), used by charts, tables and Excel fills."""

Check = Callable[[pd.DataFrame, Rule], pd.Series]
"""A rule's vectorised condition: which sessions of the frame it fires on, given its settings."""


def _low_rating(s: pd.DataFrame, rule: Rule) -> pd.Series:
    return s["post_session_rating"] < rule.below


def _negative_feedback(s: pd.DataFrame, rule: Rule) -> pd.Series:
    return s["sentiment"].astype("string") == "Negative"


def _mixed_feedback(s: pd.DataFrame, rule: Rule) -> pd.Series:
    mixed = s["sentiment_mixed"] if "sentiment_mixed" in s else pd.Series(False, index=s.index)
    return mixed.fillna(False).astype(bool)


def _prep_is(level: str) -> Check:
    return lambda s, rule: s["mentor_prep_done"].astype("string") == level


def _no_follow_up(s: pd.DataFrame, rule: Rule) -> pd.Series:
    return s["follow_up_scheduled"] == False  # noqa: E712  (missing is not "no")


def _no_action_items(s: pd.DataFrame, rule: Rule) -> pd.Series:
    return s["action_items_documented"] == False  # noqa: E712


def _serious_issue_flag(s: pd.DataFrame, rule: Rule) -> pd.Series:
    return s["issue_flag"].isin(rule.flags or [])


def _repeated_learner_no_show(s: pd.DataFrame, rule: Rule) -> pd.Series:
    return s["no_show_count"] >= rule.min_no_shows


def _mentor_cancellations(s: pd.DataFrame, rule: Rule) -> pd.Series:
    return (s["mentor_cancel_rate"] >= rule.min_rate) & (s["mentor_resolved"] >= rule.min_sessions)


RULES: dict[str, Check] = {
    "low_rating": _low_rating,
    "negative_feedback": _negative_feedback,
    "mixed_feedback": _mixed_feedback,
    "no_prep": _prep_is("No"),
    "partial_prep": _prep_is("Partial"),
    "no_follow_up": _no_follow_up,
    "no_action_items": _no_action_items,
    "serious_issue_flag": _serious_issue_flag,
    "repeated_learner_no_show": _repeated_learner_no_show,
    "mentor_cancellations": _mentor_cancellations,
}
"""Rule name in ``warnings.yaml`` -> vectorised condition."""


def no_show_counts(sessions: pd.DataFrame) -> pd.Series:
    """Per session: the learner's no-shows up to and including this session, in date/time order."""
    status = sessions["session_status"].astype("string")
    order = sessions.sort_values(["session_date", "session_time"], na_position="first").index
    no_show = (status == "No-show").astype(int).loc[order]
    learner = sessions["learner_id"].fillna(sessions["session_id"]).loc[order]
    return no_show.groupby(learner).cumsum().reindex(sessions.index)


def _context(sessions: pd.DataFrame) -> pd.DataFrame:
    """Columns rules need beyond the session's own fields (counts over the data)."""
    status = sessions["session_status"].astype("string")
    no_show_count = sessions["no_show_count"] if "no_show_count" in sessions else no_show_counts(sessions)
    resolved = status.isin(["Completed", "No-show", "Cancelled"])
    by_mentor = pd.DataFrame({"mentor": sessions["mentor_name"], "resolved": resolved,
                              "cancelled": status == "Cancelled"}).groupby("mentor")[["resolved", "cancelled"]].sum()
    mentor_resolved = sessions["mentor_name"].map(by_mentor["resolved"])
    rate = sessions["mentor_name"].map(by_mentor["cancelled"] / by_mentor["resolved"].replace(0, np.nan))
    return sessions.assign(no_show_count=no_show_count, mentor_resolved=mentor_resolved, mentor_cancel_rate=rate)


def rule_said(rule: Rule) -> str:
    """A rule as a reader knows it: its ``reason`` of ``parameters/warnings.yaml`` with each row value
    replaced by the rule's threshold ("rated {rating}/5" with ``below: 3`` is "rated below 3/5",
    "flag: {issue_flag}" is "flag: " and the flags, "learner no-show #{no_show_count}" with
    ``min_no_shows: 2`` is "learner no-show #2 or later", "({mentor_cancel_rate:.0%})" with
    ``min_rate: 0.25`` is "(25 % or more)"); a placeholder without its threshold is "…"."""
    said = {"rating": None if rule.below is None else f"below {rule.below:g}",
            "issue_flag": None if not rule.flags else " / ".join(rule.flags),
            "no_show_count": None if rule.min_no_shows is None else f"{rule.min_no_shows} or later",
            "mentor_cancel_rate": None if rule.min_rate is None else f"{rule.min_rate:.0%} or more"}
    return re.sub(r"\{(\w+)[^}]*\}", lambda m: said.get(m.group(1)) or "…", rule.reason)


def _reason_text(template: str, rule: Rule, rows: pd.DataFrame) -> pd.Series:
    fields = [name for name in ("rating", "issue_flag", "no_show_count", "mentor_cancel_rate") if "{" + name in template]
    if not fields:
        return pd.Series(template, index=rows.index)
    values = rows.rename(columns={"post_session_rating": "rating"})
    thresholds = rule.model_dump()
    return pd.Series([template.format(**{f: values.at[i, f] for f in fields}, **thresholds) for i in rows.index],
                     index=rows.index)


def assess(sessions: pd.DataFrame, rules: dict[str, Rule]) -> pd.DataFrame:
    """Level (green/amber/red), fired rule names and reasons for every session.

    Needs the canonical columns plus ``sentiment``; ``rules`` is ``rules`` of ``parameters/warnings.yaml``.
    Returns a frame with the session's index and columns ``level``, ``rules`` and ``reasons`` (``; ``-joined).
    """
    frame = _context(sessions)
    status = frame["session_status"].astype("string")
    rank = pd.Series(0, index=frame.index)
    fired: dict[str, list[str]] = {i: [] for i in frame.index}
    reasons: dict[str, list[str]] = {i: [] for i in frame.index}
    for name, rule in rules.items():
        if name not in RULES:
            raise ValueError(f"warnings.yaml: unknown rule {name!r}; known rules: {', '.join(RULES)}")
        applies = status.isin(rule.statuses)
        hit = (RULES[name](frame, rule).fillna(False).astype(bool) & applies)
        if not hit.any():
            continue
        rank[hit] = np.maximum(rank[hit], LEVELS.index(rule.level))
        for i, text in _reason_text(rule.reason, rule, frame[hit]).items():
            fired[i].append(name)
            reasons[i].append(text)
    return pd.DataFrame({
        "level": pd.Categorical.from_codes(rank.to_numpy(), categories=LEVELS, ordered=True),
        "rules": ["; ".join(fired[i]) for i in frame.index],
        "reasons": ["; ".join(reasons[i]) for i in frame.index],
    }, index=frame.index)


def mentor_table(enriched: pd.DataFrame, settings: MentorRanking) -> pd.DataFrame:
    """Per-mentor warning summary and rank (1 = best).

    Columns: sessions, completed, warning_rate (amber or red sessions / sessions),
    red_count, red_rate (red / sessions), rated (completed with a rating), avg_rating (their mean),
    follow_up_rate (completed with follow-up / completed), negative_feedback,
    eligible (sessions >= ``settings.min_sessions``, ``mentors`` of ``parameters/warnings.yaml``) and rank.
    Eligible mentors are ranked by red_rate ascending, then avg_rating descending; others get no rank.
    """
    completed = enriched["session_status"].astype("string") == "Completed"
    level = enriched["level"].astype("string")
    frame = pd.DataFrame({
        "mentor_name": enriched["mentor_name"],
        "session": 1,
        "completed": completed.astype(int),
        "warned": level.isin(["amber", "red"]).astype(int),
        "red": (level == "red").astype(int),
        "rating": enriched["post_session_rating"].where(completed).astype("float64"),
        "follow_up": (enriched["follow_up_scheduled"].fillna(False) & completed).astype(int),
        "negative": ((enriched["sentiment"].astype("string") == "Negative") & completed).astype(int),
    })
    g = frame.groupby("mentor_name")
    table = pd.DataFrame({
        "sessions": g["session"].sum(),
        "completed": g["completed"].sum(),
        "warning_rate": g["warned"].sum() / g["session"].sum(),
        "red_count": g["red"].sum(),
        "red_rate": g["red"].sum() / g["session"].sum(),
        "rated": g["rating"].count(),
        "avg_rating": g["rating"].mean(),
        "follow_up_rate": g["follow_up"].sum() / g["completed"].sum().replace(0, np.nan),
        "negative_feedback": g["negative"].sum(),
    })
    table["eligible"] = table["sessions"] >= settings.min_sessions
    ranked = table[table["eligible"]].sort_values(["red_rate", "avg_rating"], ascending=[True, False])
    table["rank"] = pd.Series(np.arange(1, len(ranked) + 1), index=ranked.index).reindex(table.index).astype("Int64")
    return table.sort_values(["rank", "sessions"], ascending=[True, False], na_position="last")


def bottom_mentors(table: pd.DataFrame, settings: MentorRanking) -> pd.DataFrame:
    """The worst-ranked eligible mentors (``settings.bottom_n`` of them), worst last."""
    return table[table["eligible"]].sort_values("rank").tail(settings.bottom_n)
