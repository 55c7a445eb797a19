"""The ``mentortrack`` command line: one sub-command per capability.

Every command that reads an export takes an optional FILE (the bundled sample
when omitted). A file that cannot be used ends the command with exit code 2 and
one line naming the file and the problem.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated, Optional

import typer

from mentortrack.load import LoadError, LoadResult, load_sessions, quarantine_message

app = typer.Typer(help="Analytics and reports for 1:1 mentorship programs.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)

FileArg = Annotated[Optional[Path], typer.Argument(help="Session export (CSV, .xlsx, .parquet); default: bundled sample.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]


def _load(file: Path | None) -> LoadResult:
    try:
        return load_sessions(file)
    except LoadError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False) -> None:
    """Analytics and reports for 1:1 mentorship programs."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@app.command()
def validate(
    file: FileArg = None,
    quarantine: Annotated[Optional[Path], typer.Option(help="Where to write quarantined rows (CSV).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check an export: rows read, valid, quarantined, duplicates and warnings by kind.

    Exit code 0 when at least one row is usable, 2 otherwise.
    """
    result = _load(file)
    quarantine_path = quarantine or Path("quarantine.csv")
    if len(result.quarantine) or quarantine is not None:
        result.quarantine.to_csv(quarantine_path, index=False)
    counts = result.counts
    if as_json:
        typer.echo(json.dumps(counts))
    else:
        typer.echo(f"{counts['file']}\n  rows read     {counts['rows_read']}\n  valid         {counts['valid']}\n"
                   f"  quarantined   {counts['quarantined']}\n  duplicates    {counts['duplicates']} (exact, dropped)")
        for kind, n in counts["warnings"].items():
            typer.echo(f"  warning       {kind}: {n}")
        for note in result.notes:
            typer.echo(f"  note          {note}")
        for line in quarantine_message(result):
            typer.echo(f"  quarantined   {line}")
        if len(result.quarantine):
            typer.echo(f"  quarantine file: {quarantine_path}")
    if result.sessions.empty:
        typer.echo(f"error: {result.source}: no usable session rows.", err=True)
        raise typer.Exit(2)


@app.command()
def sample(
    out: Annotated[Path, typer.Option(help="File to write (.csv, .xlsx or .parquet).")] = Path("sample.csv"),
    rows: Annotated[int, typer.Option(help="Number of sessions.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    mentors: Annotated[int, typer.Option(help="Number of mentors.")] = 24,
    messy: Annotated[float, typer.Option(help="Fraction of rows with a defect (0–1).")] = 0.0,
) -> None:
    """Write a realistic generated export in the platform's column format."""
    from mentortrack.sample import write_sample

    path = write_sample(out, rows=rows, seed=seed, mentors=mentors, messy=messy)
    typer.echo(f"wrote {path}")
