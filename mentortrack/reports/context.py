"""What a report notebook works with: the enriched table scoped to a month, titles, and recorded values.

Notebooks call :func:`open_report` in the cell after ``parameters`` and never
read files themselves. Key numbers a notebook shows are also written with
:func:`record` to ``<output_dir>/values/<notebook>.json`` so tests (and people)
can check what a rendered report said.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mentortrack.analytics.kpis import compute_kpis, month_over_month
from mentortrack.config import load_parameters
from mentortrack.reports.storage import read_enriched

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
    """

    history: pd.DataFrame
    scope: pd.DataFrame
    month: str
    data_label: str
    output_dir: Path

    @property
    def period(self) -> str:
        """The month as people read it ("September 2025", or "all months")."""
        if self.month == ALL_MONTHS:
            first, last = self.history["month"].min(), self.history["month"].max()
            return f"all months ({first} to {last})"
        return pd.Period(self.month, freq="M").strftime("%B %Y")

    def heading(self, what: str) -> str:
        """Markdown heading naming the report, the month and the data."""
        return f"# {what} — {self.period}\n\n*Data: {self.data_label}; {len(self.scope):,} sessions in scope.*"

    def kpi_table(self, definitions: str = "standard") -> pd.DataFrame:
        """KPIs of the scope with month-over-month deltas (no deltas for ``all``)."""
        if self.month != ALL_MONTHS:
            return month_over_month(self.history, self.month, definitions)  # type: ignore[arg-type]
        values = compute_kpis(self.history, definitions)  # type: ignore[arg-type]
        table = pd.DataFrame({"kpi": list(values), "value": list(values.values())})
        table["previous"] = math.nan
        table["delta"] = math.nan
        table.attrs.update(month=ALL_MONTHS, previous_month="previous period")
        return table

    def window(self, months: int) -> pd.DataFrame:
        """Sessions of the ``months`` months ending with the report month (all sessions for ``all``).

        Mentor rankings use a window because one month holds too few sessions per mentor.
        """
        if self.month == ALL_MONTHS:
            return self.history
        first = (pd.Period(self.month, freq="M") - (months - 1)).strftime("%Y-%m")
        return self.history[(self.history["month"] >= first) & (self.history["month"] <= self.month)]

    def window_label(self, months: int) -> str:
        """How the ranking window is named in captions."""
        if self.month == ALL_MONTHS or months <= 1:
            return self.period
        first = (pd.Period(self.month, freq="M") - (months - 1)).strftime("%b %Y")
        return f"{first} – {pd.Period(self.month, freq='M').strftime('%b %Y')}"

    def until(self) -> str:
        """Last month to show in trends."""
        return self.history["month"].max() if self.month == ALL_MONTHS else self.month

    @property
    def last_day(self) -> pd.Timestamp:
        """The day the report looks from (queues, days since): the month's last day, or the last session for ``all``."""
        if self.month == ALL_MONTHS:
            return self.history["session_date"].max().normalize()
        return pd.Period(self.month, freq="M").end_time.normalize()


def open_report(enriched_path: str | Path, month: str, output_dir: str | Path, data_label: str,
                show_pii: bool = False) -> ReportContext:
    """Read the enriched table and scope it to ``month``; the data of the charts and tables the notebook
    shows is written to ``<output_dir>/data/`` (:mod:`mentortrack.reports.takeaway`).

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

    takeaway.use_folder(out / "data", "data/")
    return ReportContext(history=history, scope=scope, month=month, data_label=data_label, output_dir=out)


def load_quality(load_report_path: str | Path) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """The load counts (``load.json``) and, beside it, the quarantine and data-quality warning tables."""
    path = Path(load_report_path)
    counts = json.loads(path.read_text(encoding="utf-8"))
    quarantine = pd.read_csv(path.parent / "quarantine.csv", dtype=str, keep_default_na=False)
    warnings = pd.read_csv(path.parent / "data_quality_warnings.csv")
    return counts, quarantine, warnings


def missing_share(scope: pd.DataFrame) -> pd.Series:
    """Share of sessions (0–1) with an empty value, per canonical column, largest first."""
    from mentortrack.contract.schema import COLUMNS

    names = [c.name for c in COLUMNS if c.name in scope]
    return scope[names].isna().mean().sort_values(ascending=False)


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


def report_settings(parameters_dir: str | Path | None = None) -> dict[str, Any]:
    """The report settings: shipped defaults overridden by ``parameters_dir`` (or ./parameters)."""
    return load_parameters("report", parameters_dir or None)
