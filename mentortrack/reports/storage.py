"""Read and write the enriched session table (Parquet or CSV) without loading any NLP library.

Reports and notebooks only need this module to get the table ``mentortrack analyze`` wrote.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mentortrack.contract.schema import canonical_dtypes
from mentortrack.errors import InputError
from mentortrack.reports.privacy import neutralize_formulas
from mentortrack.safe_paths import writing


def write_table(frame: pd.DataFrame, out: str | Path) -> Path:
    """Write the enriched table as Parquet (``.parquet``) or CSV (``.csv``; text cells a spreadsheet
    would run as formulas get a leading ``'``, :func:`mentortrack.reports.privacy.neutralize_formulas`).

    Raises:
        InputError: ``out`` ends in another suffix (CSV text under an ``.xlsx`` name would not open).
    """
    out = Path(out)
    if out.suffix.lower() not in (".parquet", ".csv"):
        raise InputError(f"{out}: the enriched table is written as .parquet or .csv, not {out.suffix or 'a name without a suffix'}.")
    out.parent.mkdir(parents=True, exist_ok=True)
    with writing(out):
        if out.suffix.lower() == ".parquet":
            frame.to_parquet(out, index=False)
        else:
            neutralize_formulas(frame).to_csv(out, index=False)
    return out


def read_enriched(path: str | Path) -> pd.DataFrame:
    """Read a table written by :func:`write_table` back with its types."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path)
    frame = pd.read_csv(path, parse_dates=["session_date"])
    return frame.astype({k: v for k, v in canonical_dtypes().items() if k in frame and k != "session_date"})
