"""Filtering behind the exploratory notebook's widgets (program, mentor, type, months, level)."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd


def filter_sessions(enriched: pd.DataFrame, programs: Collection[str] = (), mentors: Collection[str] = (),
                    session_types: Collection[str] = (), months: tuple[str, str] | None = None,
                    levels: Collection[str] = ()) -> pd.DataFrame:
    """Sessions matching every given filter; an empty selection means "any".

    Args:
        months: inclusive ``(first, last)`` ``YYYY-MM`` range.
    """
    keep = pd.Series(True, index=enriched.index)
    for column, chosen in (("program", programs), ("mentor_name", mentors), ("session_type", session_types),
                           ("level", levels)):
        if chosen:
            keep &= enriched[column].astype("string").isin(list(chosen)).fillna(False)
    if months is not None:
        keep &= (enriched["month"] >= months[0]) & (enriched["month"] <= months[1])
    return enriched[keep]


def options(enriched: pd.DataFrame, column: str) -> list[str]:
    """Sorted distinct non-empty values of a column, for a widget's choices."""
    return sorted(enriched[column].dropna().astype(str).unique())
