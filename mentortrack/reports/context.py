"""What a report notebook works with: the enriched table scoped to a month, titles, and recorded values.

Notebooks call :func:`open_report` in the cell after ``parameters`` and never
read files themselves. Key numbers a notebook shows are also written with
:func:`record` to ``<output_dir>/values/<notebook>.json`` so tests (and people)
can check what a rendered report said.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mentortrack.analytics.kpis import compute_kpis, month_over_month, with_shares
from mentortrack.config import Settings
from mentortrack.reports.escape import markdown_text
from mentortrack.reports.storage import read_enriched

if TYPE_CHECKING:
    from mentortrack.reports.shared_tables import SharedTables

ALL_MONTHS = "all"


@dataclass
class ReportContext:
    """The data of one report run.

    Attributes:
        history: every enriched session (all months), PII already masked unless asked for.
        scope: the sessions of ``month`` (or all of them for ``month == "all"``).
        month: ``YYYY-MM`` or ``"all"``.
        data_label: how the input is named in headings (file name or "bundled sample").
        output_dir: where the notebook may write files.
        settings: the run's settings (:func:`mentortrack.config.load_settings`).
        shared: the run's shared tables, when already computed or read (see :attr:`tables`).
        show_pii: whether learner names and e-mails are shown (the pages' tables mask them otherwise).
    """

    history: pd.DataFrame
    scope: pd.DataFrame
    month: str
    data_label: str
    output_dir: Path
    settings: Settings = field(repr=False)
    shared: SharedTables | None = field(default=None, repr=False)
    show_pii: bool = False
    _windows: dict[int, pd.DataFrame] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def tables(self) -> SharedTables:
        """The shared tables of the run (:mod:`mentortrack.reports.shared_tables`): those the report run
        wrote into ``output_dir``, or, for a notebook run on its own, computed once here."""
        if self.shared is None:
            from mentortrack.reports.shared_tables import compute_tables

            self.shared = compute_tables(self, self.settings)
        return self.shared

    @property
    def safeguarding(self) -> pd.DataFrame:
        """The safeguarding alerts of the report's sessions: the run's shared table kept to :attr:`scope`."""
        alerts = self.tables.safeguarding
        return alerts[alerts["session_id"].isin(self.scope["session_id"])].reset_index(drop=True)

    @property
    def data_through(self) -> pd.Timestamp:
        """The day of the last session in the data."""
        return pd.Timestamp(self.history["session_date"].max()).normalize()

    @property
    def partial(self) -> bool:
        """Whether the report month is only partly covered: the data ends before the month's last day."""
        return self.month != ALL_MONTHS and f"{self.data_through:%Y-%m}" == self.month and \
            self.data_through < pd.Period(self.month, freq="M").end_time.normalize()

    @property
    def partial_note(self) -> str:
        """"data through 9 Oct 2025: partial month" for a partial month, else empty."""
        return f"data through {self.data_through.day} {self.data_through:%b %Y}: partial month" if self.partial else ""

    @property
    def months_in_data(self) -> int:
        """Months with sessions up to the report month (what a trend has to join)."""
        return int(self.history.loc[self.history["month"] <= self.until(), "month"].nunique())

    @property
    def period(self) -> str:
        """The month as people read it ("September 2025", or "all months")."""
        if self.month == ALL_MONTHS:
            first, last = self.history["month"].min(), self.history["month"].max()
            return f"all months ({first} to {last})"
        return pd.Period(self.month, freq="M").strftime("%B %Y")

    def heading(self, what: str) -> str:
        """Markdown heading naming the report, the month (and whether it is partial) and the data (the
        data's name is :func:`mentortrack.reports.escape.markdown_text`: a file name cannot add markup)."""
        partial = f" **{markdown_text(self.partial_note)}**;" if self.partial else ""
        return (f"# {markdown_text(what)} — {self.period}\n\n*Data: {markdown_text(self.data_label)};{partial} "
                f"{len(self.scope):,} sessions in scope.*")

    def kpi_table(self, definitions: str = "standard") -> pd.DataFrame:
        """KPIs of the scope with month-over-month deltas (no deltas for ``all``) and, for the rates and the
        average rating, the 95 % interval of the change (:func:`mentortrack.analytics.comparisons.change_intervals`)."""
        if self.month != ALL_MONTHS:
            table = month_over_month(self.history, self.month, definitions)  # type: ignore[arg-type]
            if definitions != "standard" or not table.attrs.get("previous_sessions"):
                return table
            from mentortrack.analytics.comparisons import change_intervals

            months = self.history["month"]
            evidence = change_intervals(self.history[months == self.month],
                                        self.history[months == table.attrs["previous_month"]])
            joined = table.merge(evidence, on="kpi", how="left")
            joined.attrs = dict(table.attrs)
            return joined
        values = compute_kpis(self.history, definitions)  # type: ignore[arg-type]
        table = pd.DataFrame({"kpi": list(values), "value": list(values.values())})
        table["previous"] = math.nan
        table["delta"] = math.nan
        table.attrs.update(month=ALL_MONTHS, previous_month="previous period")
        return with_shares(table, self.history) if definitions == "standard" else table

    def window(self, months: int) -> pd.DataFrame:
        """Sessions of the ``months`` months ending with the report month (all sessions for ``all``).

        Mentor rankings use a window because one month holds too few sessions per mentor. Each window is
        selected once per context (every page and mentor page reads the same one); callers do not change it.
        """
        if self.month == ALL_MONTHS:
            return self.history
        if months not in self._windows:
            first = (pd.Period(self.month, freq="M") - (months - 1)).strftime("%Y-%m")
            self._windows[months] = self.history[(self.history["month"] >= first) & (self.history["month"] <= self.month)]
        return self._windows[months]

    def window_label(self, months: int) -> str:
        """How the ranking window is named in captions: by the data it covers, not the months it could
        span ("Sep 2025" when a three-month window meets data that starts in September; "Sep 2025 –
        9 Oct 2025" when the data ends on 9 October)."""
        if self.month == ALL_MONTHS:
            return self.period
        month = pd.Period(self.month, freq="M")
        covered = self.window(months)["month"]
        first = pd.Period(covered.min(), freq="M") if len(covered) else month
        day = self.data_through
        if first == month:
            return f"1–{day.day} {day:%b %Y}" if self.partial else f"{month:%b %Y}"
        end = f"{day.day} {day:%b %Y}" if self.partial else f"{month:%b %Y}"
        return f"{first:%b %Y} – {end}"

    def until(self) -> str:
        """Last month to show in trends."""
        return self.history["month"].max() if self.month == ALL_MONTHS else self.month

    @property
    def last_day(self) -> pd.Timestamp:
        """The day the report looks from (queues, days since): the month's last day, or the day of the last session
        when that is earlier (a partial month, and ``all``)."""
        if self.month == ALL_MONTHS:
            return self.data_through
        return min(pd.Period(self.month, freq="M").end_time.normalize(), self.data_through)


def open_report(enriched_path: str | Path, month: str, output_dir: str | Path, data_label: str, show_pii: bool,
                settings: Settings) -> ReportContext:
    """Read the enriched table and scope it to ``month``, for a report with ``settings``; the data of the charts
    and tables the notebook shows is written to ``<output_dir>/data/`` (:mod:`mentortrack.reports.takeaway`).

    Raises:
        ValueError: the month has no sessions (the message gives the months that do).
    """
    from mentortrack.reports.privacy import mask_pii

    history = mask_pii(read_enriched(enriched_path), show_pii)
    scope = history if month == ALL_MONTHS else history[history["month"] == month]
    if scope.empty:
        raise ValueError(f"no sessions in {month}; the data covers {history['month'].min()} to {history['month'].max()}")
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    from mentortrack.reports import takeaway
    from mentortrack.reports.shared_tables import has_tables, read_tables

    takeaway.use_folder(out / "data", "data/")
    same_run = Path(enriched_path).resolve().parent == out.resolve() and has_tables(out)
    return ReportContext(history=history, scope=scope, month=month, data_label=data_label, output_dir=out,
                         settings=settings, shared=read_tables(out) if same_run else None, show_pii=show_pii)


def load_quality(load_report_path: str | Path) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """The load counts (``load.json``) and, beside it, the quarantine and data-quality warning tables."""
    path = Path(load_report_path)
    counts = json.loads(path.read_text(encoding="utf-8"))
    quarantine = pd.read_csv(path.parent / "quarantine.csv", dtype=str, keep_default_na=False)
    warnings = pd.read_csv(path.parent / "data_quality_warnings.csv")
    return counts, quarantine, warnings


ONLY_WHEN_COMPLETED = ("post_session_rating", "learner_feedback")
"""Columns the export fills only for completed sessions (a no-show has no rating or feedback to miss)."""
EMPTY_MEANS_NONE = ("issue_flag",)
"""Columns whose empty cell is a value ("no flag"), not a missing one."""


def missing_share(scope: pd.DataFrame) -> pd.DataFrame:
    """Per canonical column with gaps: ``missing`` values among the ``n`` sessions where a value can exist,
    and their share ``missing_rate`` (0–1), largest first.

    ``n`` is the completed sessions for :data:`ONLY_WHEN_COMPLETED`, the sessions other than rescheduled ones for
    ``actual_duration_mins`` (a rescheduled session has not happened), and every session otherwise;
    :data:`EMPTY_MEANS_NONE` columns are left out.
    """
    from mentortrack.contract.schema import COLUMNS

    status = scope["session_status"].astype("string")
    rows = []
    for name in (c.name for c in COLUMNS if c.name in scope and c.name not in EMPTY_MEANS_NONE):
        can_exist = (status == "Completed") if name in ONLY_WHEN_COMPLETED else \
            (status != "Rescheduled") if name == "actual_duration_mins" else pd.Series(True, index=scope.index)
        can_exist = can_exist.fillna(False).astype(bool)
        missing = int(scope.loc[can_exist, name].isna().sum())
        if name == "learner_feedback":
            missing = int((scope.loc[can_exist, name].astype("string").str.strip().fillna("") == "").sum())
        n = int(can_exist.sum())
        rows.append({"column": name, "missing": missing, "n": n, "missing_rate": missing / n if n else math.nan})
    table = pd.DataFrame(rows, columns=["column", "missing", "n", "missing_rate"]).set_index("column")
    return table[table["missing"] > 0].sort_values("missing_rate", ascending=False)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def record(output_dir: str | Path, notebook: str, values: dict[str, Any]) -> None:
    """Write the key values a notebook showed to ``values/<notebook>.json``."""
    path = Path(output_dir) / "values" / f"{notebook}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_plain(values), indent=2, default=str), encoding="utf-8")
