"""Pair status: how each mentor–learner pair is doing, as *On track*, *Needs check-in* or *Too early to tell*.

Per pair (mentor, learner ID), over the sessions dated on or before ``as_of``, listed when
the pair's last booking lies within ``window_days`` (older pairs are closed). A pair whose
learner has booked another mentor since is not *quiet*, and is listed only when another
rule below asks for a check-in (otherwise it is closed too):

==================  ========================================================================
booked, attended    every session row of the pair; its completed sessions
no_shows            its no-show sessions
last_session        the date of its latest booking (any status); ``days_since_last`` to ``as_of``
ratings             the ratings of its completed sessions, oldest first (at most the last 5 shown)
rating_trend        the latest rating − the mean of the earlier ones (2 or more earlier ratings)
sentiment_trend     the feedback labels of its last 3 sessions with feedback, oldest first
open_followups      its sessions in :func:`mentortrack.analytics.open_followups.needing_followup`
==================  ========================================================================

*Needs check-in* when any of these holds (``pairs`` in ``parameters/warnings.yaml``), each
named in ``reason``: the pair's latest ``no_shows_in_a_row`` attended-or-missed sessions are
all no-shows; falling ratings (3+ ratings and the latest ``rating_drop`` or more below the
mean of the earlier ones); its latest completed session was negative (rated below
``bad_rating_below`` or feedback labelled Negative) with no follow-up scheduled and nothing
booked after it; no session booked for ``quiet_days``. These apply however few sessions
the pair has. Otherwise *Too early to tell* with fewer than ``min_sessions`` bookings, else
*On track*. Learners appear by ID only.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from mentortrack.analytics.kpis import format_rating
from mentortrack.analytics.open_followups import needing_followup
from mentortrack.config import FollowupSettings, PairSettings
from mentortrack.wording import plural

PAIR_COLUMNS = ["mentor_name", "learner_id", "status", "reason", "booked", "attended", "no_shows", "last_session",
                "days_since_last", "ratings", "avg_rating", "rating_trend", "sentiment_trend", "open_followups"]
STATUSES = ("Needs check-in", "Too early to tell", "On track")
PAIR_INPUTS = ["mentor_name", "learner_id", "session_id", "session_date", "session_status", "post_session_rating",
               "learner_feedback", "sentiment", "follow_up_scheduled"]
"""The columns of the enriched table a pair's status reads (the others are not copied into every pair)."""


class _Pair(NamedTuple):
    """One pair's sessions, oldest first, as plain arrays (columns of :data:`PAIR_INPUTS`)."""

    dates: np.ndarray
    """session dates (``datetime64``)"""
    statuses: np.ndarray
    """session statuses (str)"""
    ratings: np.ndarray
    """post-session ratings (float, NaN when none)"""
    labels: np.ndarray
    """sentiment labels as text"""
    with_feedback: np.ndarray
    """whether the session has feedback text"""
    followed: np.ndarray
    """whether a follow-up was scheduled (False when unknown)"""
    open: np.ndarray
    """whether the session is in the open follow-up queue"""


def _day(value: np.datetime64) -> str:
    return f"{pd.Timestamp(value):%Y-%m-%d}"


def _rated(pair: _Pair) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the pair's completed sessions, and the ratings they have (oldest first)."""
    done = np.flatnonzero(pair.statuses == "Completed")
    ratings = pair.ratings[done]
    return done, ratings[~np.isnan(ratings)]


def _reasons(pair: _Pair, done: np.ndarray, ratings: np.ndarray, days_since: int, settings: PairSettings,
             moved_on: bool) -> list[str]:
    """Why the pair needs a check-in (empty: it does not); ``done`` and ``ratings`` are :func:`_rated`. A learner
    who has ``moved_on`` (booked another mentor since) is not quiet."""
    found = []
    met = np.flatnonzero((pair.statuses == "Completed") | (pair.statuses == "No-show"))
    run = settings.no_shows_in_a_row
    if len(met) >= run and (pair.statuses[met[len(met) - run:]] == "No-show").all():
        found.append(f"{run} no-shows in a row (last on {_day(pair.dates[met[-1]])})")
    if len(ratings) >= 3 and ratings[-1] <= ratings[:-1].mean() - settings.rating_drop:
        found.append(f"ratings falling: {_listed(ratings)} (latest {ratings[-1]:.0f} vs "
                     f"{format_rating(ratings[:-1].mean())} before)")
    if len(done):
        last = done[-1]
        rating = pair.ratings[last]
        rated_low = not np.isnan(rating) and rating < settings.bad_rating_below
        negative = rated_low or pair.labels[last] == "Negative"
        booked_after = bool((pair.dates > pair.dates[last]).any())
        if negative and not pair.followed[last] and not booked_after:
            why = f"rated {rating:.0f}/5" if rated_low else "negative feedback"
            found.append(f"negative session on {_day(pair.dates[last])} ({why}) without a follow-up")
    if days_since >= settings.quiet_days and not moved_on:
        found.append(f"no session booked for {days_since} days")
    return found


def _listed(ratings: np.ndarray) -> str:
    shown = ", ".join(f"{r:.0f}" for r in ratings[-5:])
    return ("…, " if len(ratings) > 5 else "") + shown


def pair_status(enriched: pd.DataFrame, as_of: pd.Timestamp, settings: PairSettings,
                followup_settings: FollowupSettings, followups: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per active mentor–learner pair (columns :data:`PAIR_COLUMNS`), check-ins first.

    ``settings`` is ``pairs`` of ``parameters/warnings.yaml``; ``followup_settings`` is ``followups``
    of ``parameters/lifecycle.yaml`` (which sessions count as open follow-ups); ``followups`` is the
    follow-up queue of ``enriched`` at ``as_of`` when the caller already has it (a report run's shared table).

    Each column is converted once to a plain array and every pair reads its slice of them (a pair's status
    reads a handful of values; selecting a data frame per pair took most of a report's step 1).
    """
    if followups is None:
        followups = needing_followup(enriched, as_of, followup_settings)
    frame = enriched.loc[enriched["session_date"] <= as_of, PAIR_INPUTS].dropna(
        subset=["learner_id", "mentor_name"])
    frame = frame.sort_values(["session_date", "session_id"], kind="stable")
    learners = frame["learner_id"].astype(str)
    learner_last = frame.groupby(learners)["session_date"].max()
    pair_last = frame.groupby(["mentor_name", learners], observed=True)["session_date"].transform("max")
    listed = (as_of.normalize() - pair_last.dt.normalize()).dt.days <= settings.window_days
    frame, learners = frame[listed], learners[listed]  # pairs whose last booking is older are closed
    columns = _Pair(
        dates=frame["session_date"].to_numpy(),
        statuses=frame["session_status"].astype(str).to_numpy(),
        ratings=frame["post_session_rating"].astype("float64").to_numpy(),
        labels=frame["sentiment"].astype(str).to_numpy(),
        with_feedback=(frame["learner_feedback"].astype("string").str.strip().fillna("") != "").to_numpy(bool),
        followed=frame["follow_up_scheduled"].astype("boolean").fillna(False).to_numpy(bool),
        open=frame["session_id"].astype(str).isin(set(followups["session_id"].astype(str))).to_numpy(bool))
    today = as_of.normalize()
    rows = []
    for (mentor, learner), at in frame.groupby(["mentor_name", learners], sort=True, observed=True).indices.items():
        pair = _Pair(*(column[at] for column in columns))
        last_session = pd.Timestamp(pair.dates.max())
        days_since = int((today - last_session.normalize()).days)
        moved_on = bool(learner_last[learner] > last_session)
        done, ratings = _rated(pair)
        reasons = _reasons(pair, done, ratings, days_since, settings, moved_on)
        if moved_on and not reasons:
            continue
        booked, attended = len(at), len(done)
        if reasons:
            status, reason = STATUSES[0], "; ".join(reasons)
        elif booked < settings.min_sessions:
            status, reason = STATUSES[1], f"{plural(booked, 'session')} booked; {settings.min_sessions} needed to judge"
        else:
            status, reason = STATUSES[2], (f"{attended} of {booked} sessions attended, last {days_since} days ago, "
                                           "no warning sign")
        rows.append({
            "mentor_name": mentor, "learner_id": learner, "status": status, "reason": reason, "booked": booked,
            "attended": attended, "no_shows": int((pair.statuses == "No-show").sum()),
            "last_session": last_session, "days_since_last": days_since,
            "ratings": _listed(ratings), "avg_rating": float(ratings.mean()) if len(ratings) else np.nan,
            "rating_trend": float(ratings[-1] - ratings[:-1].mean()) if len(ratings) >= 3 else np.nan,
            "sentiment_trend": " → ".join(pair.labels[pair.with_feedback][-3:]),
            "open_followups": int(pair.open.sum()),
        })
    table = pd.DataFrame(rows, columns=PAIR_COLUMNS)
    order = table["status"].map({s: i for i, s in enumerate(STATUSES)})
    return table.assign(_order=order).sort_values(["_order", "days_since_last", "mentor_name", "learner_id"],
                                                  ascending=[True, False, True, True]).drop(
        columns="_order").reset_index(drop=True)


def status_counts(pairs: pd.DataFrame) -> pd.DataFrame:
    """Pairs per status (every status listed, 0 included), with the share of all pairs listed."""
    counts = pairs["status"].value_counts().reindex(list(STATUSES), fill_value=0)
    return pd.DataFrame({"status": counts.index, "pairs": counts.values,
                         "share": counts.values / max(len(pairs), 1)})

