"""One mentor standing: the ranking, the health band and the reasons, computed once per report.

For every mentor with sessions in the ranking window (``mentors.window_months`` months
ending with the report month), one row holds:

=====================  ==========================================================================
column                 meaning
=====================  ==========================================================================
sessions … rank        :func:`mentortrack.analytics.early_warnings.mentor_table` over the window
                       (red_rate = red sessions / sessions; rank 1 = best, eligible mentors only)
ranked                 how many mentors were ranked (the same on every row)
lower_part             rank below the middle of the ranking: rank > (ranked + 1) / 2
bottom                 among the ``mentors.bottom_n`` worst ranks *of the lower part*, and only
                       when at least :data:`MIN_RANKED` mentors are ranked (with two or four ranked
                       mentors a bottom would be named on noise, and could hold the best)
unranked_reason        why a mentor has no rank ("5 sessions in Sep – Oct 2025; 8 needed")
health_sessions        the mentor's sessions in the report month (what the health score is of)
health_score …         the report month's health score, at-risk flag, explanation, weakest parts and
                       what a month without a score lacks
                       (:mod:`mentortrack.analytics.health`)
band                   ``at risk`` (score below ``health.threshold``), ``watch`` (less than
                       :data:`WATCH_MARGIN` points above it, or at least :data:`WATCH_RED_SHARE` of
                       the window's sessions red, from :data:`WATCH_MIN_SESSIONS` sessions and
                       :data:`WATCH_MIN_RED` red ones on, or an average rating below
                       :data:`WATCH_LOW_RATING` over the window from :data:`WATCH_MIN_RATED` ratings
                       on, with or without a score), ``healthy``, or ``no score``; scores are compared as
                       shown, in whole points (:func:`mentortrack.analytics.health.shown`)
watch_reason           why a ``watch`` mentor is watched (empty for the other bands)
note                   why rank and band point different ways, when they do: a ranked mentor in
                       the named bottom whose band is healthy, or in the upper part who is at risk
=====================  ==========================================================================

The dashboard, the ranking, the at-risk list, the health table and the mentor pages all
read this table, so they cannot disagree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentortrack.analytics.early_warnings import mentor_table
from mentortrack.analytics.health import month_scores, shown
from mentortrack.analytics.kpis import format_rating
from mentortrack.config import WarningSettings
from mentortrack.wording import plural, verb

AT_RISK, WATCH, HEALTHY, NO_SCORE = "at risk", "watch", "healthy", "no score"
WATCH_MARGIN = 20.0
"""Points above ``health.threshold`` within which a score is ``watch`` (amber in the health tables)."""
WATCH_RED_SHARE = 0.25
"""Share of a mentor's sessions in the ranking window that are red from which a mentor is ``watch`` whatever
the health score: the score weighs the month's ratings and follow-ups, and a mentor with 4 of 10 sessions
red can still score well above the at-risk threshold."""
WATCH_MIN_SESSIONS = 8
"""Sessions in the window a mentor needs before :data:`WATCH_RED_SHARE` is applied, as many as the ranking
needs by default (2 of 6 red is no pattern: its 95 % interval runs from 10 % to 70 %)."""
WATCH_MIN_RED = 3
"""Red sessions a mentor needs besides the share: no verdict from fewer than three."""
WATCH_LOW_RATING = 3.0
"""Average rating over the ranking window below which a mentor is ``watch`` whatever the health score (the
score needs 3 completed sessions in the month; a mentor rated 2.00 over a quarter may have none)."""
WATCH_MIN_RATED = 5
"""Rated sessions in the window a mentor needs before :data:`WATCH_LOW_RATING` is applied."""
MIN_RANKED = 5
"""Ranked mentors a ranking needs before it names a bottom: below it the ranks are shown, no one is named."""
STANDING_COLUMNS = ["sessions", "completed", "warning_rate", "red_count", "red_rate", "rated", "avg_rating",
                    "follow_up_rate",
                    "negative_feedback", "eligible", "rank", "ranked", "lower_part", "bottom", "unranked_reason",
                    "health_sessions", "health_score", "health_at_risk", "health_explanation", "health_weakest",
                    "health_missing", "band", "watch_reason",
                    "note"]


def mentor_standing(window: pd.DataFrame, scores: pd.DataFrame, month: str, settings: WarningSettings,
                    window_label: str) -> pd.DataFrame:
    """The standing of every mentor with sessions in ``window`` (indexed by mentor, best rank first).

    ``scores`` is :func:`mentortrack.analytics.health.health_scores` output, ``month`` the report
    month (or ``all``), ``settings`` ``parameters/warnings.yaml`` (``mentors`` and ``health.threshold``),
    ``window_label`` how the window is named in the reasons.
    """
    mentors = mentor_table(window, settings.mentors)
    ranked = int(mentors["rank"].notna().sum())
    rank = mentors["rank"].astype("float64")
    lower = (rank > (ranked + 1) / 2).fillna(False).astype(bool)
    worst = rank[lower].sort_values().tail(settings.mentors.bottom_n).index if ranked >= MIN_RANKED else []
    current = month_scores(scores, month)
    score = current["score"].reindex(mentors.index) if len(current) else pd.Series(np.nan, index=mentors.index)
    threshold = settings.health.threshold
    points = shown(score)
    at_risk = (points < threshold).fillna(False).astype(bool)
    red_heavy, low = many_red(mentors), low_rated(mentors)
    band = np.select([at_risk, (points < threshold + WATCH_MARGIN) | red_heavy | low, score.isna()],
                     [AT_RISK, WATCH, NO_SCORE], HEALTHY)
    month_sessions = current["sessions"].reindex(mentors.index) if len(current) else pd.Series(0, index=mentors.index)
    table = mentors.assign(
        ranked=ranked, lower_part=lower, bottom=mentors.index.isin(worst),
        unranked_reason=[_unranked(row, settings.mentors.min_sessions, window_label) for _, row in mentors.iterrows()],
        health_sessions=month_sessions.fillna(0).astype(int), health_score=score, health_at_risk=at_risk,
        health_explanation=_month_text(current, "explanation", mentors.index).fillna(
            f"no score: no sessions in {_month_name(month)}"),
        health_weakest=_month_text(current, "weakest", mentors.index),
        health_missing=_month_text(current, "missing", mentors.index), band=band)
    table["watch_reason"] = [_watch_reason(row, bool(red), bool(poor), threshold, window_label)
                             for (_, row), red, poor in zip(table.iterrows(), red_heavy.reindex(table.index),
                                                            low.reindex(table.index))]
    table["note"] = [_note(row, window_label) for _, row in table.iterrows()]
    return table[STANDING_COLUMNS]


def _unranked(row: pd.Series, minimum: int, window_label: str) -> str:
    if row["eligible"]:
        return ""
    return f"{plural(row['sessions'], 'session')} in {window_label}; {minimum} needed to be ranked"


def _note(row: pd.Series, window_label: str) -> str:
    """Why rank and band disagree (empty when they agree or one is missing)."""
    if pd.isna(row["rank"]) or pd.isna(row["health_score"]):
        return ""
    place = f"rank {int(row['rank'])} of {int(row['ranked'])} ({int(row['red_count'])} of {int(row['sessions'])} " \
            f"sessions red in {window_label})"
    health = f"health {row['health_score']:.0f}"
    if row["bottom"] and row["band"] == HEALTHY:
        return (f"{place}, yet {health}: the rank counts red sessions over the window, health weighs ratings, "
                f"feedback, follow-ups and attendance of the report month")
    if not row["lower_part"] and row["band"] == AT_RISK:
        return (f"{place}, yet {health}, at risk: few red sessions over the window, but the report month's "
                f"ratings, feedback or follow-ups are below the program")
    return ""


def _watch_reason(row: pd.Series, red_heavy: bool, poorly_rated: bool, threshold: float, window_label: str) -> str:
    """Why a ``watch`` mentor is watched ("4 of 10 sessions red in Sep 2025, health 77" when ``red_heavy``,
    :func:`many_red`; "average rating 2.00 over 10 rated sessions in Sep 2025, no health score (…)" when
    ``poorly_rated``, :func:`low_rated`; "health 52, within 20 points of 40"); empty for the other bands."""
    if row["band"] != WATCH:
        return ""
    if red_heavy:
        return _red_reason(row, window_label)
    if poorly_rated:
        return _rating_reason(row, window_label)
    return f"health {row['health_score']:.0f}, within {WATCH_MARGIN:.0f} points of {threshold:g}"


def many_red(mentors: pd.DataFrame) -> pd.Series:
    """Whether each mentor (a row with ``sessions``, ``red_count`` and ``red_rate``) has at least
    :data:`WATCH_RED_SHARE` of their sessions red, from :data:`WATCH_MIN_SESSIONS` sessions and
    :data:`WATCH_MIN_RED` red ones on: watched whatever the health."""
    return ((mentors["sessions"] >= WATCH_MIN_SESSIONS) & (mentors["red_count"] >= WATCH_MIN_RED)
            & (mentors["red_rate"] >= WATCH_RED_SHARE))


def low_rated(mentors: pd.DataFrame) -> pd.Series:
    """Whether each mentor (a row with ``rated`` and ``avg_rating``) averages below :data:`WATCH_LOW_RATING`
    over the window, from :data:`WATCH_MIN_RATED` rated sessions on: watched whatever the health."""
    return (mentors["rated"] >= WATCH_MIN_RATED) & (mentors["avg_rating"] < WATCH_LOW_RATING).fillna(False)


def _month_name(month: str) -> str:
    """"Oct 2025" for ``2025-10``; any other period label as given."""
    try:
        return pd.Period(month, freq="M").strftime("%b %Y")
    except ValueError:
        return month


def _month_text(current: pd.DataFrame, column: str, mentors: pd.Index) -> pd.Series:
    """Column ``column`` of the month's health (:func:`mentortrack.analytics.health.month_scores`) for each of
    ``mentors``; empty for a mentor with no sessions that month."""
    if not len(current):
        return pd.Series(pd.NA, index=mentors, dtype="object")
    return current[column].reindex(mentors)


def _health_said(row: pd.Series) -> str:
    """"health 77", or why there is none ("no health score (3 sessions, 1 completed this month; a score needs 3
    completed)", "no health score (0 sessions this month)")."""
    if pd.notna(row["health_score"]):
        return f"health {row['health_score']:.0f}"
    missing = row["health_missing"]
    why = missing if isinstance(missing, str) and missing else f"{plural(row['health_sessions'], 'session')} this month"
    return f"no health score ({why})"


def _rating_reason(row: pd.Series, window_label: str | None) -> str:
    """"average rating 2.00 over 10 rated sessions in Sep 2025, health 61"; without ``window_label``
    "rating 2.00 over 10 rated, health 61"."""
    if window_label:
        return (f"average rating {format_rating(row['avg_rating'])} over {plural(int(row['rated']), 'rated session')} "
                f"in {window_label}, {_health_said(row)}")
    return f"rating {format_rating(row['avg_rating'])} over {int(row['rated'])} rated, {_health_said(row)}"


def _red_reason(row: pd.Series, window_label: str | None) -> str:
    """"4 of 10 sessions red in Sep 2025, health 77"; without ``window_label`` (named once by the caller)
    "4 of 10 red, health 77"."""
    red = f"sessions red in {window_label}" if window_label else "red"
    return f"{int(row['red_count'])} of {int(row['sessions'])} {red}, {_health_said(row)}"


def watched(standing: pd.DataFrame) -> pd.DataFrame:
    """The rows of the ``watch`` mentors, lowest score first."""
    return standing[standing["band"] == WATCH].sort_values("health_score")


def to_watch(standing: pd.DataFrame, window_named: bool = False) -> list[str]:
    """The ``watch`` mentors, lowest score first, each with why ("Mentor D: 4 of 10 sessions red in Sep 2025,
    health 77"); with ``window_named`` (the caller names the ranking window once) "Mentor D: 4 of 10 red,
    health 77"."""
    rows = watched(standing)
    if not window_named:
        return [f"{name}: {reason}" for name, reason in rows["watch_reason"].items()]
    return [f"{name}: {_red_reason(row, None) if red else _rating_reason(row, None) if poor else row['watch_reason']}"
            for (name, row), red, poor in zip(rows.iterrows(), many_red(rows), low_rated(rows))]


def bottom(standing: pd.DataFrame) -> pd.DataFrame:
    """The mentors of the lower part of the ranking named as the bottom, worst last."""
    return standing[standing["bottom"]].sort_values("rank")


def ranking_sentence(standing: pd.DataFrame, minimum: int, window_label: str) -> str:
    """How many mentors were ranked and why the others were not, in one sentence."""
    ranked, total = int(standing["ranked"].iloc[0]) if len(standing) else 0, len(standing)
    unranked = total - ranked
    text = f"{ranked} of {total} mentors ranked over {window_label}"
    if unranked:
        text += f"; {unranked} had fewer than {minimum} sessions there and {verb(unranked, 'is', 'are')} not ranked"
    named = int(standing["bottom"].sum()) if len(standing) else 0
    if ranked:
        text += (f"; the bottom {named} named {'is' if named == 1 else 'are'} in the lower half of the ranking" if named else
                 f"; a bottom is named from {MIN_RANKED} ranked mentors on, so no one is named" if ranked < MIN_RANKED
                 else "; no ranked mentor is in the lower half")
    return text + "."
