"""Program KPIs under two sets of definitions: ``standard`` and ``published``.

Notation: *all* = every valid session row; *completed*, *no-show*, *cancelled*,
*rescheduled* = rows with that canonical status; *resolved* = completed +
no-show + cancelled (a rescheduled booking has no outcome yet). Rates are
fractions 0–1; durations are minutes.

Standard definitions (the suite's):

================================  =========================================================  ==========================================
KPI                               numerator                                                  denominator
================================  =========================================================  ==========================================
total_sessions                    all                                                        –
completed_sessions                completed                                                  –
completion_rate                   completed                                                  resolved
no_show_rate                      no-show                                                    resolved
cancellation_rate                 cancelled                                                  resolved
reschedule_rate                   rescheduled                                                all
avg_rating                        sum of ratings of completed sessions with a rating         completed with a rating
rating_1 … rating_5               completed sessions rated 1 … 5                             –
prep_done_rate                    completed with Mentor_Prep_Done = Yes                      completed with prep recorded
prep_partial_rate                 completed with Mentor_Prep_Done = Partial                  completed with prep recorded
follow_up_rate                    completed with Follow_Up_Scheduled = Yes                   completed
action_items_rate                 completed with Action_Items_Documented = Yes               completed
feedback_coverage                 completed with non-empty feedback                          completed
missing_feedback_rate             completed with empty feedback                              completed
negative_feedback_count           completed whose feedback the suite labels Negative         –
negative_feedback_rate            negative_feedback_count                                    completed with feedback
positive_feedback_rate            completed whose feedback is labelled Positive              completed with feedback
avg_actual_duration_mins          sum of actual minutes of completed sessions                completed with actual minutes
avg_scheduled_duration_mins       sum of scheduled minutes of completed sessions             completed with scheduled minutes
duration_ratio                    sum of actual minutes                                      sum of scheduled minutes (completed, both)
attendance_rate                   completed + no-show with Learner_Attended = Yes            completed + no-show with attendance recorded
================================  =========================================================  ==========================================

In code the rates of this table are :data:`RATES` (numerator and denominator components) and
:data:`BASES` (what each denominator counts, as the pages say it, and the statuses it counts);
:func:`finish` computes from them and :func:`shares_of_sums` says each share's base next to it.

Published definitions reproduce the original analysis exactly: every rate has
*all* rows as denominator; statuses are compared after title-casing, so
``No-show`` (title-cased ``No-Show``) never matches and the no-show rate is 0;
average rating is over every row with a rating; feedback sentiment is TextBlob
polarity > 0.1 Positive, < -0.1 Negative, otherwise (and empty) Neutral;
``missing_feedback_rate`` is empty feedback / all.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from mentortrack.wording import counted

Definitions = Literal["standard", "published"]
CATEGORY_GROUPINGS = ("program", "batch", "session_type", "age_cohort")
"""The categorical columns of the contract a month's KPIs are grouped by (notebook 05's charts and tables):
the one list of them; :data:`COMPARED_GROUPINGS` and :data:`GROUPINGS` are built from it."""
COMPARED_GROUPINGS = (*CATEGORY_GROUPINGS, "mentor")
"""Groupings a report compares the month's KPIs by, with intervals (its shared tables, notebook 05 and the
mentor pages)."""
GROUPINGS = {"mentor": "mentor_name", **{name: name for name in CATEGORY_GROUPINGS},
             "month": "month", "quarter": "quarter", "year": "year"}
"""``--by`` name -> grouping column: the mentor, every categorical column of the contract
(:data:`CATEGORY_GROUPINGS`), and calendar periods. ``quarter`` (``2025Q3``) and ``year`` come from
``session_date``; sessions without a value in the grouping column are left out of the table."""

KPI_LABELS: dict[str, str] = {
    "total_sessions": "Total sessions",
    "completed_sessions": "Completed sessions",
    "completion_rate": "Completion rate",
    "no_show_rate": "No-show rate",
    "cancellation_rate": "Cancellation rate",
    "reschedule_rate": "Reschedule rate",
    "avg_rating": "Average rating",
    "prep_done_rate": "Mentor prep done",
    "prep_partial_rate": "Mentor prep partial",
    "follow_up_rate": "Follow-up scheduled",
    "action_items_rate": "Action items documented",
    "feedback_coverage": "Feedback coverage",
    "missing_feedback_rate": "Missing feedback",
    "negative_feedback_count": "Negative feedback",
    "negative_feedback_rate": "Negative feedback rate",
    "positive_feedback_rate": "Positive feedback rate",
    "avg_actual_duration_mins": "Avg actual minutes",
    "avg_scheduled_duration_mins": "Avg scheduled minutes",
    "duration_ratio": "Actual / scheduled time",
    "attendance_rate": "Learner attendance",
}
"""Display label of every KPI, in report order."""

COUNTS: dict[str, str] = {"total_sessions": "n", "completed_sessions": "completed", "negative_feedback_count": "negative",
                          **{f"rating_{r}": f"rating_{r}" for r in range(1, 6)}}
"""Count KPIs -> the :func:`components` they are."""
COUNT_KPIS = set(COUNTS)
"""KPIs that are whole counts; every other KPI is a rate, an average or a ratio."""


class Base(NamedTuple):
    """A share's denominator as people read it: what it counts and the statuses among which it counts."""

    noun: str
    """What the denominator counts, as the pages say it ("89 of 108 *non-rescheduled sessions*")."""
    statuses: tuple[str, ...]
    """The canonical session statuses a session needs to be in the denominator."""


EVERY_STATUS = ("Completed", "No-show", "Cancelled", "Rescheduled")
RESOLVED = ("completed", "no_show", "cancelled")
ALL = ("n",)
COMPLETED = ("completed",)
PREP_RECORDED = ("prep_recorded",)
WITH_FEEDBACK = ("with_feedback",)
ATTENDANCE_RECORDED = ("attendance_n",)
RATED = ("rated",)
BASES: dict[tuple[str, ...], Base] = {
    RESOLVED: Base("non-rescheduled sessions", ("Completed", "No-show", "Cancelled")),
    ALL: Base("sessions", EVERY_STATUS),
    COMPLETED: Base("completed sessions", ("Completed",)),
    PREP_RECORDED: Base("completed with prep recorded", ("Completed",)),
    WITH_FEEDBACK: Base("completed with feedback", ("Completed",)),
    ATTENDANCE_RECORDED: Base("completed or no-show with attendance recorded", ("Completed", "No-show")),
    RATED: Base("rated sessions", ("Completed",)),
}
"""Every denominator of the standard definitions: the :func:`components` summed into it -> what it counts and
the statuses it counts. The published definitions divide every rate by :data:`ALL`."""


class Rate(NamedTuple):
    """A share of the standard definitions: the :func:`components` it is a ratio of."""

    numerator: str
    """The component counted on top (``completed``)."""
    parts: tuple[str, ...]
    """The components summed into the denominator, a key of :data:`BASES` (``RESOLVED``)."""

    @property
    def base(self) -> Base:
        """What the denominator counts and the statuses it counts."""
        return BASES[self.parts]


RATES: dict[str, Rate] = {
    "completion_rate": Rate("completed", RESOLVED),
    "no_show_rate": Rate("no_show", RESOLVED),
    "cancellation_rate": Rate("cancelled", RESOLVED),
    "reschedule_rate": Rate("rescheduled", ALL),
    "prep_done_rate": Rate("prep_yes", PREP_RECORDED),
    "prep_partial_rate": Rate("prep_partial", PREP_RECORDED),
    "follow_up_rate": Rate("follow_up", COMPLETED),
    "action_items_rate": Rate("action_items", COMPLETED),
    "feedback_coverage": Rate("with_feedback", COMPLETED),
    "missing_feedback_rate": Rate("without_feedback", COMPLETED),
    "negative_feedback_rate": Rate("negative", WITH_FEEDBACK),
    "positive_feedback_rate": Rate("positive", WITH_FEEDBACK),
    "attendance_rate": Rate("attended", ATTENDANCE_RECORDED),
}
"""Rate KPI -> its numerator and denominator: the one definition of every share, which :func:`finish`
computes, :func:`shares` says next to the value ("x of N <noun>"), the comparisons' intervals and the
satisfaction targets count their n with."""

MEANS: dict[str, tuple[str, tuple[str, ...]]] = {
    "avg_rating": ("rating_sum", RATED),
    "avg_actual_duration_mins": ("actual_sum", ("actual_n",)),
    "avg_scheduled_duration_mins": ("scheduled_sum", ("scheduled_n",)),
    "duration_ratio": ("both_actual", ("both_scheduled",)),
}
"""Averages and the ratio of minutes -> (summed component, component it is divided by), in both definitions."""

PUBLISHED_RATED = Base("rated sessions", EVERY_STATUS)
"""What the published average rating is over: every row with a rating, whatever its status."""


def base_of(kpi: str, definitions: Definitions = "standard") -> tuple[tuple[str, ...], Base]:
    """The denominator of a share of :data:`RATES` or of ``avg_rating``: its components and what it counts
    (the published definitions divide every share by all rows)."""
    if kpi == "avg_rating":
        return RATED, BASES[RATED] if definitions == "standard" else PUBLISHED_RATED
    return (RATES[kpi].parts, BASES[RATES[kpi].parts]) if definitions == "standard" else (ALL, BASES[ALL])


RATING_DECIMALS = 2
"""Decimals of a mean rating wherever it is said (KPI tiles, health explanations, digests): 3.25, not 3.2."""


def format_rating(value: float | None) -> str:
    """A mean rating on the 1–5 scale with :data:`RATING_DECIMALS` decimals ("3.25"); "–" when missing."""
    if value is None or np.isnan(value):
        return "–"
    return f"{value:.{RATING_DECIMALS}f}"


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else float("nan")


def add_month(sessions: pd.DataFrame) -> pd.DataFrame:
    """Add a ``month`` column (``YYYY-MM`` text) from ``session_date`` if missing."""
    if "month" in sessions:
        return sessions
    return sessions.assign(month=sessions["session_date"].dt.strftime("%Y-%m"))


def _flag(mask: pd.Series) -> np.ndarray:
    return mask.fillna(False).to_numpy(dtype=bool).astype(np.int64)


def _value(values: pd.Series, where: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``values`` as floats (0 where missing or not ``where``) and whether each one counts."""
    present = values.notna().to_numpy(dtype=bool) & where.fillna(False).to_numpy(dtype=bool)
    numbers = values.astype("float64").fillna(0.0).to_numpy()
    return np.where(present, numbers, 0.0), present.astype(np.int64)


def components(sessions: pd.DataFrame, definitions: Definitions = "standard") -> pd.DataFrame:
    """Per session, the additive parts every KPI is a ratio of (counts and sums; see the module docstring).

    Summing this frame over any group of sessions and passing the sums to :func:`finish`
    gives the group's KPIs exactly; chunks of a large export are summed the same way.
    """
    if definitions == "published":
        status = sessions["session_status"].astype("string").str.title()
        scope = pd.Series(True, index=sessions.index)
        label = sessions["sentiment_published"].astype("string")
    else:
        status = sessions["session_status"].astype("string")
        scope = status == "Completed"
        label = sessions["sentiment"].astype("string")
    completed = status == "Completed"
    prep = sessions["mentor_prep_done"].astype("string")
    feedback = sessions["learner_feedback"].astype("string").str.strip().fillna("") != ""
    rating, rated = _value(sessions["post_session_rating"], scope)
    actual, has_actual = _value(sessions["actual_duration_mins"], scope)
    scheduled, has_scheduled = _value(sessions["scheduled_duration_mins"], scope)
    both = (has_actual & has_scheduled).astype(bool)
    if definitions == "published":
        both = np.ones(len(sessions), dtype=bool)
        attendance_scope = scope
    else:
        attendance_scope = status.isin(["Completed", "No-show"])
    attended = sessions["learner_attended"]
    parts = {
        "n": np.ones(len(sessions), dtype=np.int64),
        "completed": _flag(completed),
        "no_show": _flag(status == "No-show"),
        "cancelled": _flag(status == "Cancelled"),
        "rescheduled": _flag(status == "Rescheduled"),
        "rating_sum": rating, "rated": rated, "rating_sq_sum": rating * rating,
        "prep_recorded": _flag(scope & prep.notna()),
        "prep_yes": _flag(scope & (prep == "Yes")),
        "prep_partial": _flag(scope & (prep == "Partial")),
        "follow_up": _flag(scope & sessions["follow_up_scheduled"].fillna(False).astype(bool)),
        "action_items": _flag(scope & sessions["action_items_documented"].fillna(False).astype(bool)),
        "with_feedback": _flag(scope & feedback),
        "without_feedback": _flag(scope & ~feedback),
        "negative": _flag(scope & (label == "Negative")),
        "positive": _flag(scope & (label == "Positive")),
        "neutral": _flag(scope & (label == "Neutral")),
        "actual_sum": actual, "actual_n": has_actual,
        "scheduled_sum": scheduled, "scheduled_n": has_scheduled,
        "both_actual": np.where(both, actual, 0.0), "both_scheduled": np.where(both, scheduled, 0.0),
        "attendance_n": _flag(attendance_scope & attended.notna()),
        "attended": _flag(attendance_scope & attended.fillna(False).astype(bool)),
    }
    for r in range(1, 6):
        parts[f"rating_{r}"] = rated * (rating == r)
    return pd.DataFrame(parts, index=sessions.index)


def finish(sums: pd.Series, definitions: Definitions = "standard") -> dict[str, float]:
    """The KPIs from summed :func:`components` (a Series indexed by component name), in :data:`KPI_LABELS`
    order then ``rating_1`` … ``rating_5``: counts from :data:`COUNTS`, shares from :data:`RATES` (the
    published definitions divide each by all rows, and add ``neutral_feedback_rate``), averages from
    :data:`MEANS`."""
    kpis: dict[str, float] = {}
    for kpi in (*KPI_LABELS, *(f"rating_{r}" for r in range(1, 6))):
        if kpi in COUNTS:
            kpis[kpi] = int(sums[COUNTS[kpi]])
        elif kpi in RATES:
            parts = RATES[kpi].parts if definitions == "standard" else ALL
            kpis[kpi] = _ratio(sums[RATES[kpi].numerator], sum(sums[p] for p in parts))
        else:
            numerator, parts = MEANS[kpi]
            kpis[kpi] = _ratio(sums[numerator], sum(sums[p] for p in parts))
    if definitions == "published":
        kpis["neutral_feedback_rate"] = _ratio(sums["neutral"], sums["n"])
    return kpis


def compute_kpis(sessions: pd.DataFrame, definitions: Definitions = "standard") -> dict[str, float]:
    """KPIs of a session table under the chosen definitions (standard needs ``sentiment``,
    published needs ``sentiment_published``)."""
    return finish(components(sessions, definitions).sum(), definitions)


def shares(sessions: pd.DataFrame) -> pd.DataFrame:
    """:func:`shares_of_sums` of ``sessions``' summed :func:`components`."""
    return shares_of_sums(components(sessions).sum())


def shares_of_sums(sums: pd.Series, definitions: Definitions = "standard") -> pd.DataFrame:
    """The base of every share and of the average rating, for showing a KPI next to it: per KPI, ``count`` of
    ``base`` ``base_label`` (a rate of :data:`RATES`: its numerator and denominator; ``avg_rating``: the rated
    sessions it averages, ``count`` = ``base``) and the ``statuses`` the base counts
    (``"Completed, No-show, Cancelled"``), from summed :func:`components` (see :func:`base_of`)."""
    rows = []
    for kpi in (*RATES, "avg_rating"):
        parts, base = base_of(kpi, definitions)
        rows.append({"kpi": kpi, "count": int(sums[RATES[kpi].numerator if kpi in RATES else "rated"]),
                     "base": int(sum(sums[p] for p in parts)), "base_label": base.noun,
                     "statuses": ", ".join(base.statuses)})
    return pd.DataFrame(rows, columns=["kpi", "count", "base", "base_label", "statuses"])


def share_texts(sums: pd.Series, definitions: Definitions = "standard") -> dict[str, str]:
    """:func:`share_text` of every share and of the average rating, by KPI, from summed :func:`components`."""
    return {row["kpi"]: share_text(row["kpi"], row["count"], row["base"], row["base_label"])
            for row in shares_of_sums(sums, definitions).to_dict("records")}


def share_text(kpi: str, count: int, base: int, noun: str = "") -> str:
    """A KPI's base said next to its value: "89 of 108 non-rescheduled sessions" for a share, "over 53 rated
    sessions" for the average rating (``count``, ``base`` and ``noun`` of :func:`shares_of_sums`; without
    ``noun``, "89 of 108" where a heading names it)."""
    said = f"over {int(base):,}" if kpi == "avg_rating" else f"{int(count):,} of {int(base):,}"
    return f"{said} {counted(int(base), noun)}" if noun else said


def _with_periods(frame: pd.DataFrame, by: str | None) -> pd.DataFrame:
    if by in ("quarter", "year"):
        period = frame["session_date"].dt.to_period("Q" if by == "quarter" else "Y")
        frame = frame.assign(**{GROUPINGS[by]: period.astype("string")})
    return frame


def kpis_by(sessions: pd.DataFrame, by: str, definitions: Definitions = "standard") -> pd.DataFrame:
    """One row of KPIs per group of :data:`GROUPINGS` (mentor, program, batch, session type, age cohort,
    month, quarter or year)."""
    column = GROUPINGS[by]
    frame = _with_periods(add_month(sessions), by)
    sums = components(frame, definitions).groupby(frame[column], observed=True, sort=True).sum()
    return kpis_of_groups(sums.rename_axis(by), definitions)


def kpis_of_groups(sums: pd.DataFrame, definitions: Definitions = "standard") -> pd.DataFrame:
    """One row of KPIs per row of summed components (the index names the groups)."""
    rows = {key: finish(row, definitions) for key, row in sums.iterrows()}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(sums.index.name)


def monthly_sums(sessions: pd.DataFrame, definitions: Definitions = "standard", by: str | None = None) -> pd.DataFrame:
    """Components summed per month and, with ``by``, per group: the additive state of a chunk of an export.

    Sessions without a date keep a missing month (they count in totals); chunks combine with
    ``a.add(b, fill_value=0)``.
    """
    frame = _with_periods(add_month(sessions), by)
    keys = [frame["month"], *([frame[GROUPINGS[by]]] if by and by != "month" else [])]
    return components(frame, definitions).groupby(keys, observed=True, sort=True, dropna=False).sum()


def previous_month(month: str) -> str:
    """The month before ``YYYY-MM``."""
    return (pd.Period(month, freq="M") - 1).strftime("%Y-%m")


def month_over_month(sessions: pd.DataFrame, month: str, definitions: Definitions = "standard") -> pd.DataFrame:
    """KPIs of ``month`` beside the previous month, with the change (``delta`` = this − previous).

    Rates change in fraction points (0.05 = five percentage points). A previous month without
    sessions has no values (NaN), so nothing is compared with it; ``attrs["first_month"]`` says
    whether ``month`` is the first month in the data.
    """
    frame = add_month(sessions)
    before = previous_month(month)
    first = bool(frame["month"].notna().any()) and month <= str(frame["month"].dropna().min())
    table = kpi_change(compute_kpis(frame[frame["month"] == month], definitions),
                       compute_kpis(frame[frame["month"] == before], definitions), month, first)
    return with_shares(table, frame[frame["month"] == month]) if definitions == "standard" else table


def with_shares(table: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """``table`` (a KPI per row, column ``kpi``) with the :func:`shares` of ``sessions`` joined: ``count``,
    ``base``, ``base_label`` and ``statuses``, empty for KPIs that are counts or averages of minutes."""
    joined = table.merge(shares(sessions), on="kpi", how="left")
    joined.attrs.update(table.attrs)
    return joined


def kpi_change(current: dict[str, float], previous: dict[str, float], month: str,
               first_month: bool = False) -> pd.DataFrame:
    """The table of :func:`month_over_month` from the KPIs of the two months (a previous month without
    sessions gives NaN values and changes)."""
    empty = not previous["total_sessions"]
    table = pd.DataFrame({"kpi": list(current), "value": list(current.values()),
                          "previous": [float("nan") if empty else previous[k] for k in current]})
    table["delta"] = table["value"] - table["previous"]
    table["label"] = table["kpi"].map(KPI_LABELS).fillna(table["kpi"])
    table.attrs.update(month=month, previous_month=previous_month(month), sessions=int(current["total_sessions"]),
                       previous_sessions=int(previous["total_sessions"]), first_month=first_month)
    return table


def rating_by_sentiment(sessions: pd.DataFrame, column: str = "sentiment") -> pd.DataFrame:
    """Sessions, rated sessions and average rating per sentiment label."""
    grouped = sessions.groupby(sessions[column].astype("string"))["post_session_rating"]
    table = pd.DataFrame({"sessions": grouped.size(), "rated": grouped.count(),
                          "avg_rating": grouped.mean().astype("float64")})
    return table.rename_axis("sentiment")


def to_json_ready(kpis: dict[str, float]) -> dict[str, float | int | None]:
    """KPIs with NaN as ``None``, counts as ``int`` and other values as ``float`` rounded to 6 places."""
    out: dict[str, float | int | None] = {}
    for key, value in kpis.items():
        if np.isnan(value):
            out[key] = None
        elif key in COUNT_KPIS:
            out[key] = int(value)
        else:
            out[key] = round(float(value), 6)
    return out
