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

import numpy as np
import pandas as pd

from mentortrack.analytics.kpis import format_rating
from mentortrack.analytics.open_followups import needing_followup
from mentortrack.config import FollowupSettings, PairSettings

PAIR_COLUMNS = ["mentor_name", "learner_id", "status", "reason", "booked", "attended", "no_shows", "last_session",
                "days_since_last", "ratings", "avg_rating", "rating_trend", "sentiment_trend", "open_followups"]
STATUSES = ("Needs check-in", "Too early to tell", "On track")


def _reasons(pair: pd.DataFrame, days_since: int, settings: PairSettings, moved_on: bool) -> list[str]:
    """Why the pair needs a check-in (empty: it does not); ``pair`` is date-sorted. A learner who has
    ``moved_on`` (booked another mentor since) is not quiet."""
    found = []
    met = pair[pair["session_status"].isin(["Completed", "No-show"])]
    run = settings.no_shows_in_a_row
    if len(met) >= run and (met["session_status"].tail(run) == "No-show").all():
        found.append(f"{run} no-shows in a row (last on {met['session_date'].iloc[-1]:%Y-%m-%d})")
    done = pair[pair["session_status"] == "Completed"]
    ratings = done["post_session_rating"].dropna()
    if len(ratings) >= 3 and ratings.iloc[-1] <= ratings.iloc[:-1].mean() - settings.rating_drop:
        found.append(f"ratings falling: {_listed(ratings)} (latest {ratings.iloc[-1]:.0f} vs "
                     f"{format_rating(ratings.iloc[:-1].mean())} before)")
    if len(done):
        last = done.iloc[-1]
        rated_low = pd.notna(last["post_session_rating"]) and last["post_session_rating"] < settings.bad_rating_below
        negative = rated_low or str(last.get("sentiment")) == "Negative"
        booked_after = (pair["session_date"] > last["session_date"]).any()
        followed = pd.notna(last["follow_up_scheduled"]) and bool(last["follow_up_scheduled"])
        if negative and not followed and not booked_after:
            why = f"rated {last['post_session_rating']:.0f}/5" if rated_low else "negative feedback"
            found.append(f"negative session on {last['session_date']:%Y-%m-%d} ({why}) without a follow-up")
    if days_since >= settings.quiet_days and not moved_on:
        found.append(f"no session booked for {days_since} days")
    return found


def _listed(ratings: pd.Series) -> str:
    shown = ", ".join(f"{r:.0f}" for r in ratings.tail(5))
    return ("…, " if len(ratings) > 5 else "") + shown


def pair_status(enriched: pd.DataFrame, as_of: pd.Timestamp, settings: PairSettings,
                followup_settings: FollowupSettings, followups: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per active mentor–learner pair (columns :data:`PAIR_COLUMNS`), check-ins first.

    ``settings`` is ``pairs`` of ``parameters/warnings.yaml``; ``followup_settings`` is ``followups``
    of ``parameters/lifecycle.yaml`` (which sessions count as open follow-ups); ``followups`` is the
    follow-up queue of ``enriched`` at ``as_of`` when the caller already has it (a report run's shared table)."""
    if followups is None:
        followups = needing_followup(enriched, as_of, followup_settings)
    open_ids = set(followups["session_id"].astype(str))
    frame = enriched[enriched["session_date"] <= as_of].dropna(subset=["learner_id", "mentor_name"])
    frame = frame.sort_values(["session_date", "session_id"], kind="stable")
    learner_last = frame.groupby(frame["learner_id"].astype(str))["session_date"].max()
    rows = []
    for (mentor, learner), pair in frame.groupby(["mentor_name", frame["learner_id"].astype(str)], sort=True,
                                                 observed=True):
        days_since = int((as_of.normalize() - pair["session_date"].max().normalize()).days)
        if days_since > settings.window_days:
            continue
        moved_on = bool(learner_last[learner] > pair["session_date"].max())
        ratings = pair.loc[pair["session_status"] == "Completed", "post_session_rating"].dropna()
        labels = pair.loc[pair["learner_feedback"].astype("string").str.strip().fillna("") != "", "sentiment"]
        reasons = _reasons(pair, days_since, settings, moved_on)
        if moved_on and not reasons:
            continue
        if reasons:
            status, reason = STATUSES[0], "; ".join(reasons)
        elif len(pair) < settings.min_sessions:
            status, reason = STATUSES[1], f"{len(pair)} of {settings.min_sessions} sessions needed to judge"
        else:
            status, reason = STATUSES[2], (f"{int((pair['session_status'] == 'Completed').sum())} of {len(pair)} "
                                           f"sessions attended, last {days_since} days ago, no warning sign")
        rows.append({
            "mentor_name": mentor, "learner_id": learner, "status": status, "reason": reason, "booked": len(pair),
            "attended": int((pair["session_status"] == "Completed").sum()),
            "no_shows": int((pair["session_status"] == "No-show").sum()),
            "last_session": pair["session_date"].max(), "days_since_last": days_since,
            "ratings": _listed(ratings), "avg_rating": float(ratings.mean()) if len(ratings) else np.nan,
            "rating_trend": float(ratings.iloc[-1] - ratings.iloc[:-1].mean()) if len(ratings) >= 3 else np.nan,
            "sentiment_trend": " → ".join(labels.astype(str).tail(3)),
            "open_followups": int(pair["session_id"].astype(str).isin(open_ids).sum()),
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

