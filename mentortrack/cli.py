"""The ``mentortrack`` command line: one sub-command per capability.

Every command that reads an export takes an optional FILE (the bundled sample
when omitted). A file that cannot be used ends the command with exit code 2 and
one line naming the file and the problem.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import click
import pandas as pd
import typer
from typer.core import TyperCommand, TyperGroup, TyperOption

from mentortrack.config import EmailSettings, Settings, WebhookSettings, load_settings
from mentortrack.contract.load import LoadResult, check_file, load_sessions, load_summary, quarantine_message
from mentortrack.errors import InputError, MentortrackError
from mentortrack.safe_paths import writing
from mentortrack.wording import plural, verb

if TYPE_CHECKING:
    from mentortrack.lifecycle.webhooks import Notice


def _flags_as_flags(params: list) -> list:  # type: ignore[type-arg]
    """Give on/off switches an empty metavar, so ``--help`` lists ``--pdf`` as a flag, not ``--pdf <bool>``."""
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""
    return params


class FlagCommand(TyperCommand):
    """A command whose help shows switches as flags (see :func:`_flags_as_flags`)."""

    def get_params(self, ctx: typer.Context) -> list:  # type: ignore[type-arg]
        return _flags_as_flags(super().get_params(ctx))


class FlagGroup(TyperGroup):
    """The command group, with switches shown as flags like :class:`FlagCommand`."""

    def get_params(self, ctx: typer.Context) -> list:  # type: ignore[type-arg]
        return _flags_as_flags(super().get_params(ctx))


class OneErrorPath(FlagGroup):
    """The command group: every user-facing error (:class:`mentortrack.errors.MentortrackError`) of any command
    ends here, as one line ``error: <message>`` and the error's exit code."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except MentortrackError as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(err.exit_code) from err


app = typer.Typer(cls=OneErrorPath, help="Analytics and reports for 1:1 mentorship programs.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)

FileArg = Annotated[Path | None, typer.Argument(help="Session export (CSV, .xlsx, .parquet); default: bundled sample.")]
SheetOpt = Annotated[str | None, typer.Option(
    help="Excel sheet to read (default: the first that holds the session columns; a note names any other).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]
SendOpt = Annotated[bool, typer.Option("--send", help="Send through SMTP (settings in parameters/lifecycle.yaml); "
                                                      "without it the messages are written as .eml files.")]


@dataclass(frozen=True)
class CommandSettings:
    """What the command group loaded once for the command it runs (:func:`main`): the validated settings and
    the folder they came from (``--parameters``, else the project's ``parameters/``; None: the shipped defaults)."""

    settings: Settings
    folder: Path | None


def _command_settings(ctx: typer.Context) -> CommandSettings:
    """The :class:`CommandSettings` :func:`main` loaded for the command of ``ctx``."""
    found = ctx.find_object(CommandSettings)
    if found is None:
        raise RuntimeError("a command ran outside the mentortrack command group")
    return found


def _settings(ctx: typer.Context) -> Settings:
    """The settings of the command of ``ctx``, loaded once by :func:`main`."""
    return _command_settings(ctx).settings


def _load(file: Path | None, settings: Settings, sheet: str | None = None) -> LoadResult:
    """The export loaded (``sheet``: the Excel sheet to read); what was set aside and the reading notes said on
    stderr (:func:`_say_load`)."""
    result = load_sessions(file, sheet, timezone=settings.lifecycle.timezone)
    _say_load(result.source, result.counts)
    return result


def _say_load(source: str, counts: dict[str, Any]) -> None:
    """On stderr, when a load set rows aside or has notes, one line of its accounting
    (:func:`mentortrack.contract.load.load_summary`) and its notes, so a command's output never hides that
    rows were left out; a load without one usable row ends the command (exit code 2)."""
    summary = load_summary(counts)
    if not counts["valid"]:
        raise InputError(f"{source}: no usable session rows ({summary}; `mentortrack validate {source}` lists the "
                         "rows and why).")
    if summary != plural(int(counts["valid"]), "session"):
        typer.echo(f"note: {source}: {summary}; `mentortrack validate {source}` lists the rows and why", err=True)
    for note in counts["notes"]:
        typer.echo(f"note: {note}", err=True)


def _version(value: bool) -> None:
    if value:
        from mentortrack import __version__

        typer.echo(f"mentortrack {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
    parameters: Annotated[Path | None, typer.Option(
        "--parameters", file_okay=False,
        help="Folder whose YAML files override the shipped defaults key by key (default: ./parameters if any).")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Analytics and reports for 1:1 mentorship programs."""
    from mentortrack.paths import user_parameters_dir

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if parameters is not None and not parameters.is_dir():
        raise InputError(f"--parameters {parameters}: no such folder.")
    folder = parameters.resolve() if parameters is not None else user_parameters_dir()
    ctx.obj = CommandSettings(load_settings(folder), folder)


@app.command(cls=FlagCommand)
def validate(
    ctx: typer.Context,
    file: FileArg = None,
    sheet: SheetOpt = None,
    quarantine: Annotated[Path | None, typer.Option(
        help="Where to write quarantined rows (CSV; default: <file name>.quarantine.csv in the current folder, "
             "written only when a row is quarantined).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check an export: rows read, valid, quarantined, duplicates, skipped rows, warnings by kind, and the
    months it covers with their valid sessions.

    Exit code 0 when at least one row is usable, 2 otherwise.
    """
    from mentortrack.contract.stream import stream_sessions
    from mentortrack.reports.privacy import neutralize_formulas

    if file is not None:
        check_file(file)
    quarantine_path = quarantine or Path(f"{file.stem if file is not None else 'sample'}.quarantine.csv")
    if file is not None and quarantine_path.resolve() == file.resolve():
        typer.echo(f"error: --quarantine {quarantine_path} is the file being checked; choose another path "
                   "(it would be overwritten).", err=True)
        raise typer.Exit(2)
    if not quarantine_path.parent.is_dir():
        typer.echo(f"error: --quarantine {quarantine_path}: the folder {quarantine_path.parent} does not exist "
                   "(create it or choose another).", err=True)
        raise typer.Exit(2)
    first_rows: list[pd.DataFrame] = []
    first_repeats: list[pd.DataFrame] = []
    months = pd.Series(dtype="int64")
    first_day, last_day = pd.NaT, pd.NaT
    written = False
    totals, chunks = stream_sessions(file, timezone=_settings(ctx).lifecycle.timezone, sheet=sheet)
    for chunk in chunks:
        dates = chunk.sessions["session_date"].dropna()
        if len(dates):
            months = months.add(dates.dt.strftime("%Y-%m").value_counts(), fill_value=0)
            first_day = min(d for d in (first_day, dates.min()) if pd.notna(d))
            last_day = max(d for d in (last_day, dates.max()) if pd.notna(d))
        if len(chunk.quarantine) or (quarantine is not None and not written):
            with writing(quarantine_path):
                neutralize_formulas(chunk.quarantine).to_csv(quarantine_path, index=False,
                                                             mode="a" if written else "w", header=not written)
            written = True
        first_rows.append(chunk.quarantine.head(5))
        first_repeats.append(chunk.duplicates.head(5))
    counts = totals.counts
    repeats = pd.concat(first_repeats).head(5)
    months = months.sort_index().astype(int)
    if as_json:
        typer.echo(json.dumps({**counts, "months": {m: int(n) for m, n in months.items()},
                               "first_session": None if pd.isna(first_day) else f"{first_day:%Y-%m-%d}",
                               "last_session": None if pd.isna(last_day) else f"{last_day:%Y-%m-%d}"}))
    else:
        typer.echo(f"{counts['file']}\n  rows read     {counts['rows_read']}\n  valid         {counts['valid']}\n"
                   f"  quarantined   {counts['quarantined']}\n  duplicates    {counts['duplicates']} (exact, dropped"
                   + "".join(f"{'; ' if i else ': '}row {r.source_row} repeats row {r.duplicate_of_row}"
                             for i, r in enumerate(repeats.itertuples()))
                   + ("; ..." if totals.duplicates > len(repeats) else "") + ")\n"
                   f"  skipped       {counts['skipped']} (repeated header or totals rows)")
        if len(months):
            typer.echo(f"  months        {len(months)} ({first_day:%Y-%m-%d} to {last_day:%Y-%m-%d})")
            for month, n in months.items():
                end = pd.Period(month, freq="M").end_time.normalize()
                partial = f" (through {last_day:%Y-%m-%d})" if month == months.index[-1] and last_day < end else ""
                typer.echo(f"    {month}     {plural(n, 'session')}{partial}")
        for kind, n in counts["warnings"].items():
            typer.echo(f"  warning       {kind}: {n}")
        for note in totals.notes:
            typer.echo(f"  note          {note}")
        for line in quarantine_message(pd.concat(first_rows), totals.quarantined):
            typer.echo(f"  quarantined   {line}")
        if totals.quarantined:
            typer.echo(f"  quarantine file: {quarantine_path}")
    if not totals.valid:
        raise InputError(f"{totals.source}: no usable session rows.")


@app.command(cls=FlagCommand)
def sample(
    out: Annotated[Path, typer.Option(help="File to write (.csv, .xlsx or .parquet).")] = Path("sample.csv"),
    rows: Annotated[int, typer.Option(help="Number of sessions.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    mentors: Annotated[int, typer.Option(help="Number of mentors.")] = 24,
    messy: Annotated[float, typer.Option(help="Fraction of rows with a defect (0–1).")] = 0.0,
) -> None:
    """Write a realistic generated export in the platform's column format."""
    from mentortrack.contract.sample import write_sample

    path = write_sample(out, rows=rows, seed=seed, mentors=mentors, messy=messy)
    typer.echo(f"wrote {path}")


@app.command(cls=FlagCommand)
def kpis(
    ctx: typer.Context,
    file: FileArg = None,
    sheet: SheetOpt = None,
    month: Annotated[str | None, typer.Option(help="Only this month (YYYY-MM), with month-over-month deltas.")] = None,
    by: Annotated[str | None, typer.Option(
        help="Group by mentor, program, batch, session_type, age_cohort, month, quarter or year; "
             "learner: engagement per learner (by ID) and cohort; pair: status per mentor-learner pair.")] = None,
    definitions: Annotated[str, typer.Option(help="standard (the suite's) or published (the original analysis).")] = "standard",
    as_json: JsonOpt = False,
) -> None:
    """Program KPIs; every definition is in the README and in mentortrack.analytics.kpis."""
    from mentortrack.analytics import kpis as k
    from mentortrack.analytics.comparisons import compare_sums
    from mentortrack.analytics.sentiment import published_scores, score_feedback

    if definitions not in ("standard", "published"):
        raise typer.BadParameter("use standard or published", param_hint="--definitions")
    if by is not None and by not in (*k.GROUPINGS, "learner", "pair"):
        raise typer.BadParameter(f"use one of {', '.join(k.GROUPINGS)}, learner, pair", param_hint="--by")
    if by == "learner":
        _learner_engagement(file, sheet, month, as_json, _settings(ctx))
        return
    if by == "pair":
        _pair_status(file, sheet, month, as_json, _settings(ctx))
        return

    settings = _settings(ctx)
    scorer = functools.partial(score_feedback, model=settings.nlp.sentiment.model) \
        if definitions == "standard" else published_scores
    chunks = _scored_chunks(file, sheet, scorer, settings.lifecycle.timezone)
    parts = (k.monthly_sums(scored, definitions, by) for scored in chunks)
    sums = functools.reduce(lambda total, part: total.add(part, fill_value=0), parts)
    months = sums.index.get_level_values(0)
    if month and not re.fullmatch(r"\d{4}-(?:0[1-9]|1[0-2])", month):
        raise InputError(f"--month {month}: not a month (YYYY-MM, e.g. 2025-09).")
    if month and month not in set(months):
        raise InputError(f"no sessions in {month} (data covers {months.dropna().min()} to {months.dropna().max()}).")
    if by:
        scope = sums[months == month] if month else sums
        level = 0 if by == "month" else 1
        grouped = scope.groupby(level=level, sort=True).sum().rename_axis(by)
        table = k.kpis_of_groups(grouped, definitions)
        compared = compare_sums(grouped, scope.sum()) if definitions == "standard" else None
        if as_json:
            out = json.loads(table.to_json(orient="index"))
            for row in compared.itertuples(index=False) if compared is not None else ():
                group = out[str(row[0])]
                group.setdefault("n", {})[row.kpi] = int(row.n)
                group.setdefault("interval", {})[row.kpi] = None if pd.isna(row.low) else [round(row.low, 6),
                                                                                             round(row.high, 6)]
                group.setdefault("verdict", {})[row.kpi] = row.verdict
            typer.echo(json.dumps(out))
        else:
            from mentortrack.reports.tables import format_value

            shown = table.T.apply(lambda row: row.map(lambda v: format_value(row.name, v)), axis=1)
            nouns = {}
            for group, group_sums in grouped.iterrows():
                for base in k.shares_of_sums(group_sums, definitions).to_dict("records"):
                    shown.loc[base["kpi"], group] += " · " + k.share_text(base["kpi"], base["count"], base["base"])
                    nouns[base["kpi"]] = base["base_label"]
            shown = shown.rename(index={kpi: f"{k.KPI_LABELS[kpi]} ({'over' if kpi == 'avg_rating' else 'of'} {noun})"
                                        for kpi, noun in nouns.items()}).rename(index=k.KPI_LABELS)
            for row in compared.itertuples(index=False) if compared is not None else ():
                interval = "–" if pd.isna(row.low) else \
                    f"{format_value(row.kpi, row.low)} – {format_value(row.kpi, row.high)}"
                shown.loc[f"{k.KPI_LABELS[row.kpi]}: n, 95 % interval", row[0]] = f"n={row.n}, {interval}"
            typer.echo(shown.fillna("").to_string())
        return
    if month:
        before = k.previous_month(month)
        month_sums = sums[months == month].sum()
        table = k.kpi_change(k.finish(month_sums, definitions), k.finish(sums[months == before].sum(), definitions),
                             month)
        if as_json:
            typer.echo(json.dumps({"month": month, "previous_month": table.attrs["previous_month"],
                                   "kpis": k.to_json_ready(dict(zip(table["kpi"], table["value"]))),
                                   "previous": k.to_json_ready(dict(zip(table["kpi"], table["previous"]))),
                                   "delta": k.to_json_ready(dict(zip(table["kpi"], table["delta"])))}))
        else:
            from mentortrack.reports.tables import kpi_comparison

            shown = kpi_comparison(table.set_index("kpi")[["value", "previous", "delta"]])
            texts = k.share_texts(month_sums, definitions)
            shown[f"Base in {month}"] = [texts.get(kpi, "") for kpi in table["kpi"]]
            typer.echo(shown.to_string(index=False))
        return
    values = k.to_json_ready(k.finish(sums.sum(), definitions))
    if as_json:
        typer.echo(json.dumps(values))
    else:
        texts = k.share_texts(sums.sum(), definitions)
        for key, value in values.items():
            typer.echo(f"{k.KPI_LABELS.get(key, key):<28} {value}" + (f"  ({texts[key]})" if key in texts else ""))


SchedulerOpt = Annotated[str | None, typer.Option(
    help="Run the NLP on a Dask cluster: tcp://HOST:PORT of a running scheduler, or local:N for N local workers.")]


def _scored_chunks(file: Path | None, sheet: str | None, scorer: Callable[[pd.Series], pd.DataFrame], timezone: str
                   ) -> Iterator[pd.DataFrame]:
    """The export's valid sessions chunk by chunk (streamed when large, dates in the program's ``timezone``), each
    joined with ``scorer``'s feedback columns; a file that cannot be used ends the command with one line and exit
    code 2, and what the load set aside is said once it is read (:func:`_say_load`)."""
    from mentortrack.contract.stream import stream_sessions

    totals, chunks = stream_sessions(file, timezone=timezone, sheet=sheet)
    for chunk in chunks:
        if chunk.sessions.empty:
            continue
        yield chunk.sessions.join(scorer(chunk.sessions["learner_feedback"]))
    _say_load(totals.source, totals.counts)


def _month_end(month: str | None, sessions: pd.DataFrame) -> pd.Timestamp:
    """The day ``kpis --by learner/pair`` looks from: the last day of ``--month``, else the data's last session day."""
    if not month:
        return sessions["session_date"].max()
    try:
        return pd.Period(month, freq="M").end_time.normalize()
    except ValueError as err:
        raise typer.BadParameter(f"not a month: {month!r}", param_hint="--month") from err


def _learner_engagement(file: Path | None, sheet: str | None, month: str | None, as_json: bool, settings: Settings
                        ) -> None:
    """``kpis --by learner``: engagement per learner and cohort up to the end of ``month`` (or of the data).

    The export is streamed; only the columns engagement reads are kept. Learners appear by ID only.
    """
    from mentortrack.analytics.engagement import NEEDED, cohort_engagement, learner_engagement
    from mentortrack.analytics.sentiment import score_feedback

    scorer = functools.partial(score_feedback, model=settings.nlp.sentiment.model)
    sessions = pd.concat([scored[NEEDED] for scored in _scored_chunks(file, sheet, scorer, settings.lifecycle.timezone)],
                         ignore_index=True)
    as_of = _month_end(month, sessions)
    learners = learner_engagement(sessions, as_of, settings.warnings.engagement)
    cohorts = cohort_engagement(learners)
    learners = learners.assign(last_session=learners["last_session"].dt.strftime("%Y-%m-%d"))
    if as_json:
        typer.echo(json.dumps({"as_of": f"{as_of:%Y-%m-%d}",
                               "learners": json.loads(learners.to_json(orient="records")),
                               "cohorts": json.loads(cohorts.to_json(orient="records"))}))
        return
    from mentortrack.reports.tables import format_value

    shown = cohorts.assign(attendance_rate=cohorts["attendance_rate"].map(lambda v: format_value("attendance_rate", v)),
                           repeat_rate=cohorts["repeat_rate"].map(lambda v: format_value("follow_up_rate", v)))
    typer.echo(f"Learner engagement up to {as_of:%Y-%m-%d} ({len(learners):,} learners)\n")
    typer.echo(shown.to_string(index=False))
    typer.echo("")
    typer.echo(learners.assign(attendance_rate=learners["attendance_rate"].round(3)).to_string(index=False))


def _pair_status(file: Path | None, sheet: str | None, month: str | None, as_json: bool, settings: Settings) -> None:
    """``kpis --by pair``: the status of every active mentor–learner pair at the end of ``month`` (or of the data)."""
    from mentortrack.analytics.pairs import pair_status, status_counts

    history = _enriched_history(file, settings, sheet=sheet)
    as_of = _month_end(month, history)
    pairs = pair_status(history, as_of, settings.warnings.pairs, settings.lifecycle.followups)
    counts = status_counts(pairs)
    if as_json:
        shown = pairs.assign(last_session=pairs["last_session"].dt.strftime("%Y-%m-%d"))
        typer.echo(json.dumps({"as_of": f"{as_of:%Y-%m-%d}", "counts": dict(zip(counts["status"], counts["pairs"])),
                               "pairs": json.loads(shown.to_json(orient="records"))}))
        return
    window = settings.warnings.pairs.window_days
    typer.echo(f"Mentor-learner pairs with a session in the {window} days to {as_of:%Y-%m-%d}: "
               + ", ".join(f"{r.status} {r.pairs} ({r.share:.0%})" for r in counts.itertuples())
               + f" of {len(pairs)}\n")
    typer.echo(pairs.assign(last_session=pairs["last_session"].dt.strftime("%Y-%m-%d"),
                            avg_rating=pairs["avg_rating"].round(2)).drop(columns="rating_trend").to_string(index=False))


@app.command(cls=FlagCommand)
def analyze(
    ctx: typer.Context,
    file: FileArg = None,
    sheet: SheetOpt = None,
    out: Annotated[Path, typer.Option(help="Enriched table to write (.parquet or .csv).")] = Path("outputs/enriched.parquet"),
    scheduler: SchedulerOpt = None,
) -> None:
    """Run all NLP once and write every session with sentiment, keywords, level, reasons and summary."""
    from mentortrack.analytics.enrich import enrich
    from mentortrack.reports.storage import write_table

    settings = _settings(ctx)
    result = _load(file, settings, sheet)
    if scheduler:
        from mentortrack.analytics.distributed import cluster_client  # Dask's import costs 0.7 s: only when asked

        with cluster_client(scheduler) as client:
            typer.echo(f"Dask: {len(client.scheduler_info().get('workers', {}))} workers, "
                       f"dashboard {client.dashboard_link}")
            enriched = enrich(result.sessions, settings, client=client)
    else:
        enriched = enrich(result.sessions, settings)
    path = write_table(enriched, out)
    typer.echo(f"wrote {path} ({len(result.sessions)} sessions; {len(result.quarantine)} quarantined)")


ModelOpt = Annotated[str | None, typer.Option(help="minilm-finetuned or static-linear; default: parameters/nlp.yaml.")]


def _sentiment_model(model: str | None, settings: Settings) -> str:
    from mentortrack.analytics.sentiment import SENTIMENT_MODELS

    chosen = model or settings.nlp.sentiment.model
    if chosen not in SENTIMENT_MODELS:
        raise typer.BadParameter(f"use one of {', '.join(SENTIMENT_MODELS)}", param_hint="--model")
    return chosen


@app.command("eval", cls=FlagCommand)
def evaluate_sentiment(
    ctx: typer.Context,
    model: ModelOpt = None,
    cross_source: Annotated[bool, typer.Option(
        "--cross-source", help="Also refit the static-linear model without each source family in turn.")] = False,
) -> None:
    """Score TextBlob, VADER and the suite's label on held-out real text and on domain sentences."""
    from mentortrack.analytics.evaluation import DOMAIN_SET, DYNASENT_SET, HEADLINE_SET, evaluate

    chosen = _sentiment_model(model, _settings(ctx))
    result = evaluate(chosen, cross_source=cross_source)
    columns = ["method", "n", "accuracy", "macro_f1", "negative_precision", "negative_recall", "negative_f1",
               "neutral_precision", "neutral_recall", "neutral_f1", "positive_f1"]
    typer.echo(f"Sentiment evaluation of the {chosen} model against TextBlob and VADER.\n")
    for name, table in result.scores.groupby("set", sort=False):
        typer.echo(f"{name}  (n = {int(table['n'].iloc[0])})")
        shown = table.reindex(columns=columns).drop(columns="n")
        typer.echo(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="–") + "\n")
    for name in (HEADLINE_SET, DYNASENT_SET):
        typer.echo(f"Confusion matrix, {name} (rows: true, columns: mentortrack):")
        typer.echo(result.confusion(name).to_string() + "\n")
    typer.echo("Errors it still makes (most confident first):")
    for name in (HEADLINE_SET, DYNASENT_SET, DOMAIN_SET):
        for row in result.errors(name, limit=5).itertuples():
            typer.echo(f"  [{row.label} -> {row.mentortrack}, {row.confidence:.2f}] {row.text[:110]}")


@app.command(cls=FlagCommand)
def train(ctx: typer.Context, model: ModelOpt = None, all_models: Annotated[bool, typer.Option(
        "--all", help="Distil the static encoder and build every sentiment model.")] = False) -> None:
    """Build the sentiment model(s) from the labelled real text (``--all``: about 15 minutes)."""
    from mentortrack.analytics.sentiment import SENTIMENT_MODELS
    from mentortrack.analytics.training import train as build

    models = list(SENTIMENT_MODELS) if all_models else [_sentiment_model(model, _settings(ctx))]
    for path in build(models, distil=all_models):
        typer.echo(f"wrote {path}")


@app.command(cls=FlagCommand)
def report(
    ctx: typer.Context,
    file: FileArg = None,
    sheet: SheetOpt = None,
    month: Annotated[str | None, typer.Option(
        help="Month to report (YYYY-MM) or 'all'; default: the latest complete month in the data.")] = None,
    out: Annotated[Path | None, typer.Option(help="Root folder; the report goes to OUT/MONTH/.")] = None,
    show_pii: Annotated[bool, typer.Option("--show-pii", envvar="SHOW_PII", help="Show learner names and e-mails.")] = False,
    force: Annotated[bool, typer.Option(help="Rebuild even if inputs are unchanged.")] = False,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print the dashboard to dashboard.pdf (needs Chromium).")] = False,
    scheduler: SchedulerOpt = None,
) -> None:
    """Build the month's HTML reports, Excel workbook and Power BI CSVs into OUT/MONTH/."""
    from mentortrack.reports.report import build_report

    loaded = _command_settings(ctx)
    run = build_report(file, month, out, settings=loaded.settings, parameters_dir=loaded.folder, show_pii=show_pii,
                       force=force, progress=lambda step, seconds: typer.echo(f"  {seconds:5.1f} s  {step}"), pdf=pdf,
                       scheduler=scheduler, sheet=sheet)
    state = "built" if run.rebuilt else "up to date (inputs unchanged; --force rebuilds)"
    if run.note and not run.rebuilt:
        typer.echo(run.note)
    typer.echo(f"{run.folder / 'index.html'}: {state} in {run.seconds:.1f} s")


@app.command(cls=FlagCommand)
def init(
    folder: Annotated[Path, typer.Argument(help="Folder for the project (created if needed).")] = Path("."),
    force: Annotated[bool, typer.Option(help="Overwrite files that exist.")] = False,
) -> None:
    """Write an editable report project: parameters/, notebooks/, a Makefile and .gitignore."""
    from mentortrack.reports.project import init_project

    written = init_project(folder, force)
    typer.echo(f"wrote {len(written)} files to {folder}: parameters/, notebooks/, Makefile, .gitignore. "
               f"Next: cd {folder} && make report")


def _enriched_history(history: Path | None, settings: Settings,
                      enrich_sessions: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
                      sheet: str | None = None) -> pd.DataFrame:
    """An enriched table from ``--history``: read as-is if it is one, else loaded (``sheet``: the Excel sheet)
    and enriched with ``settings`` (by ``enrich_sessions`` when given: the digest enriches only the sessions it
    reads enriched)."""
    from mentortrack.analytics.enrich import enrich
    from mentortrack.reports.storage import read_enriched

    if history is not None and history.suffix.lower() == ".parquet":
        frame = read_enriched(history)
        if "summary" in frame:
            return frame
    sessions = _load(history, settings, sheet).sessions
    return enrich_sessions(sessions) if enrich_sessions is not None else enrich(sessions, settings)


@app.command(cls=FlagCommand)
def agenda(
    ctx: typer.Context,
    upcoming: Annotated[Path | None, typer.Option(help="Booked sessions CSV (export column names); default: bundled example.")] = None,
    history: Annotated[Path | None, typer.Option(help="Export (or enriched .parquet) with past sessions; default: bundled sample.")] = None,
    out: Annotated[Path, typer.Option(help="Folder for <session_id>.md and .html.")] = Path("outputs/agendas"),
) -> None:
    """Write a Markdown and HTML agenda with checklists for every booked session (a safeguarding-flagged
    session reads as one without feedback: agendas reach the mentor)."""
    from mentortrack.analytics.safeguarding import reported_pairs, split_reported, told_to_mentor
    from mentortrack.lifecycle.agenda import load_upcoming, write_agendas
    from mentortrack.paths import package_data

    settings = _settings(ctx)
    source = upcoming or package_data("upcoming_sessions.csv")
    booked, skipped = load_upcoming(source)
    if skipped:
        typer.echo(f"skipped: rows of {source} with a problem get no agenda: "
                   + "; ".join(skipped[:5]) + (f" (and {len(skipped) - 5} more)" if len(skipped) > 5 else ""), err=True)
    past = _enriched_history(history, settings)
    written = write_agendas(booked, told_to_mentor(past, settings.safeguarding, settings.warnings.rules),
                            settings.lifecycle.agenda, out, settings.lifecycle.timezone)
    typer.echo(f"wrote {plural(len(written), 'agenda')} to {out}")
    _, reported = split_reported(booked, reported_pairs(past, settings.safeguarding))
    if len(reported):
        typer.echo(f"check: {plural(len(reported), 'booked session')} ({', '.join(reported['session_id'].astype(str))}) "
                   f"{verb(len(reported), 'pairs', 'pair')} a learner with the mentor they raised a safeguarding concern about; contact the learner "
                   "before it takes place (mentortrack alerts)", err=True)


@app.command(cls=FlagCommand)
def notes(
    ctx: typer.Context,
    transcripts: Annotated[list[Path], typer.Argument(help=".vtt/.srt/.txt transcripts or audio recordings (.wav, .mp3, …).")],
    session_id: Annotated[str | None, typer.Option(help="Session_ID (default: the file name before the first '_').")] = None,
    sessions: Annotated[Path | None, typer.Option(help="Export to look the session up in (learner, booked time).")] = None,
    recording_start: Annotated[str | None, typer.Option(help="Clock time the recording started (HH:MM), for lateness.")] = None,
    engine: Annotated[str, typer.Option(help="Speech-to-text engine for audio: whisper or pocketsphinx.")] = "whisper",
    out: Annotated[Path, typer.Option(help="Folder for <id>.md, <id>.json and notes.csv.")] = Path("outputs/notes"),
) -> None:
    """Notes from transcripts: attendance, engagement, summary, keywords and action items."""
    from mentortrack.lifecycle.speech import AUDIO_SUFFIXES, transcribe
    from mentortrack.lifecycle.transcripts import read_transcript, write_notes

    if recording_start is not None and not re.fullmatch(r"(?:[01]?\d|2[0-3]):[0-5]\d", recording_start.strip()):
        typer.echo(f"error: --recording-start {recording_start}: not a clock time (HH:MM, 00:00 to 23:59)", err=True)
        raise typer.Exit(2)
    settings = _settings(ctx)
    table = _load(sessions, settings).sessions
    for path in transcripts:
        try:
            utterances = transcribe(path, engine) if path.suffix.lower() in AUDIO_SUFFIXES else read_transcript(path)  # type: ignore[arg-type]
        except (FileNotFoundError, ValueError) as err:
            if isinstance(err, MentortrackError):
                raise
            raise InputError(str(err)) from err
        written = write_notes(utterances, path, out, table, settings.nlp.keywords,
                              session_id if len(transcripts) == 1 else None, recording_start)
        typer.echo(f"wrote {written}")


DirectoryOpt = Annotated[Path | None, typer.Option(help="Mentor directory CSV (Mentor_Name, Mentor_Email); default: the "
                                                         "bundled sample's (it knows only the sample's mentors).")]


def _as_of(value: str, zone: str, option: str = "--as-of") -> pd.Timestamp:
    """``value`` as the program's wall-clock time: a date-time with a zone ("2025-10-30T23:00Z",
    "… 23:00+05:30") is converted to ``zone``, as the export's own timestamps are."""
    from mentortrack.contract.parse import DATE_RANGE

    try:
        day = pd.Timestamp(value)
    except ValueError as err:
        raise typer.BadParameter(f"not a date or date-time: {value!r}", param_hint=option) from err
    if pd.isna(day):
        raise typer.BadParameter(f"not a date or date-time: {value!r}", param_hint=option)
    if day.tzinfo is not None:
        day = day.tz_convert(zone).tz_localize(None)
    if not DATE_RANGE[0] <= day.year <= DATE_RANGE[1]:
        typer.echo(f"error: {option} {value}: outside the years {DATE_RANGE[0]}–{DATE_RANGE[1]}", err=True)
        raise typer.Exit(2)
    return day.as_unit("ns")


def _day_in_data(value: str | None, history: pd.DataFrame, zone: str, option: str = "--as-of") -> pd.Timestamp:
    """``value`` as a day, or the data's last session day when it is not given (said in one line on
    stderr: never a fixed date). A day before the data's first session is an error in one line."""
    first, last = history["session_date"].min(), history["session_date"].max()
    if value is None:
        typer.echo(f"note: no {option} given: using the data's last day, {last:%Y-%m-%d}", err=True)
        return last
    day = _as_of(value, zone, option)
    if day.normalize() < first:
        typer.echo(f"error: {option} {day:%Y-%m-%d} is before the data's first session ({first:%Y-%m-%d}); "
                   "nothing to do then", err=True)
        raise typer.Exit(2)
    return day


@app.command(cls=FlagCommand)
def followups(
    ctx: typer.Context,
    file: FileArg = None,
    sheet: SheetOpt = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD) the queue is made on "
                                                              "(default: the data's last day).")] = None,
    directory: DirectoryOpt = None,
    out: Annotated[Path, typer.Option(help="Folder for followup_queue.csv and invites/*.ics.")] = Path("outputs/followups"),
) -> None:
    """Sessions needing a follow-up, with a proposed slot, an .ics invite each and a CSV queue."""
    from mentortrack.analytics.safeguarding import reported_pairs, withhold_from_mentor
    from mentortrack.lifecycle.followups import write_followups

    settings = _settings(ctx)
    lifecycle = settings.lifecycle
    history = _enriched_history(file, settings, sheet=sheet)
    known = _directory(directory, history, "their invites invite no mentor")
    written = write_followups(withhold_from_mentor(history, settings.safeguarding), _day_in_data(as_of, history, lifecycle.timezone),
                              lifecycle.followups, out, known, lifecycle.email.from_address, lifecycle.timezone,
                              reported=reported_pairs(history, settings.safeguarding))
    queue = written.queue
    typer.echo(f"{len(queue)} sessions need a follow-up ({int((queue['priority'] == 1).sum())} red); "
               f"queue: {out / 'followup_queue.csv'}, invites: {out / 'invites'}")
    if written.unusable_mentor_addresses:
        typer.echo(f"note: the directory's address of {', '.join(written.unusable_mentor_addresses)} is not a valid "
                   "e-mail address; their invites invite no mentor (correct the directory)", err=True)
    if (without := int(queue["learner_invite_note"].notna().sum())):
        typer.echo(f"note: {plural(without, 'follow-up')} {verb(without, 'has', 'have')} no learner copy of the invite "
                   "(the learner or the mentor has no valid address; see learner_invite_note in the queue)", err=True)
    _say_withheld(written.withheld, "follow-up call")


@app.command(cls=FlagCommand)
def email(
    ctx: typer.Context,
    file: FileArg = None,
    sheet: SheetOpt = None,
    period: Annotated[str | None, typer.Option(help="YYYY-MM or YYYY-MM-DD:YYYY-MM-DD (default: the month of the "
                                                    "data's last day).")] = None,
    directory: DirectoryOpt = None,
    out: Annotated[Path, typer.Option(help="Folder for .eml files, the sent-log and missing_addresses.csv.")] = Path("outputs/email"),
    send: SendOpt = False,
) -> None:
    """Session summary e-mails to mentor and learner, and a digest per mentor; .eml files unless --send.

    With --send the exit code is 0 when every message was sent (now or before), 3 when some
    were refused or deferred (listed in undeliverable.csv), 2 when nothing could be tried.
    """
    from mentortrack.lifecycle.mailer import compose, parse_period

    settings = _settings(ctx)
    history = _enriched_history(file, settings, sheet=sheet)
    if period is None:
        period = f"{history['session_date'].max():%Y-%m}"
        typer.echo(f"note: no --period given: using the month of the data's last day, {period}", err=True)
    try:
        first, last, label = parse_period(period)
    except ValueError as err:
        raise typer.BadParameter(f"not YYYY-MM or YYYY-MM-DD:YYYY-MM-DD (first day first): {period!r}",
                                 param_hint="--period") from err
    if last < history["session_date"].min() or first > history["session_date"].max():
        typer.echo(f"error: --period {period}: the data covers {history['session_date'].min():%Y-%m-%d} to "
                   f"{history['session_date'].max():%Y-%m-%d}, not {label}", err=True)
        raise typer.Exit(2)
    mails, missing, withheld = compose(history, period, _directory(directory, history), settings.lifecycle.email,
                                       settings.safeguarding, settings.warnings.rules)
    if len(withheld):
        typer.echo(f"withheld: the mentor's and the learner's e-mails of {plural(len(withheld), 'session')} "
                   f"({', '.join(withheld['session_id'].astype(str))}) whose learner raised a safeguarding concern "
                   "about that mentor; contact the learner yourself (mentortrack alerts)", err=True)
    _deliver(mails, missing, settings.lifecycle.email, out, send)


def _directory(directory: Path | None, history: pd.DataFrame,
               lacking: str = "their messages are listed in missing_addresses.csv") -> dict[str, str]:
    """The mentor directory (``--directory`` or the bundled sample's), checked against the data's mentors:
    one that knows none of them is an error saying how to give one; mentors it lacks are counted and named,
    with what ``lacking`` an address means for the command."""
    from mentortrack.lifecycle.followups import addresses_of, load_directory
    from mentortrack.paths import package_data

    source = directory or package_data("mentor_directory.csv")
    entries = load_directory(source)
    if entries.skipped:
        typer.echo(f"note: {plural(len(entries.skipped), 'row')} of {source} could not be read and "
                   f"{verb(len(entries.skipped), 'is', 'are')} left out: " + "; ".join(entries.skipped[:3])
                   + (f" (and {len(entries.skipped) - 3} more)" if len(entries.skipped) > 3 else ""), err=True)
    if entries.conflicts:
        typer.echo(f"note: {source} gives {', '.join(entries.conflicts)} more than one address; none is used "
                   "until the directory has one", err=True)
    known = addresses_of(entries, history["mentor_name"])
    mentors = sorted(set(history["mentor_name"].dropna().astype(str)))
    absent = [name for name in mentors if name not in known]
    if mentors and len(absent) == len(mentors):
        which = "the bundled sample's mentor directory" if directory is None else str(source)
        typer.echo(f"error: {which} has an address for none of the {len(mentors)} mentors in the data (e.g. "
                   f"{absent[0]!r}); give your program's directory with --directory FILE (a CSV with Mentor_Name "
                   "and Mentor_Email).", err=True)
        raise typer.Exit(2)
    if absent:
        shown = ", ".join(absent[:10]) + (f" and {len(absent) - 10} more" if len(absent) > 10 else "")
        typer.echo(f"note: {len(absent)} of {len(mentors)} mentors have no address in {source}: {shown} "
                   f"({lacking})", err=True)
    return known


def _deliver(mails: list, missing: pd.DataFrame, settings: EmailSettings, out: Path, send: bool) -> None:
    """Every command that mails: list unaddressable messages, then write .eml files (dry run) or send.

    Exit code 3 when a sending run left messages refused or deferred, 2 when nothing could be tried.
    """
    from mentortrack.lifecycle.mailer import send as send_mail
    from mentortrack.lifecycle.mailer import write_eml
    from mentortrack.reports.privacy import neutralize_formulas

    out.mkdir(parents=True, exist_ok=True)
    with writing(out / "missing_addresses.csv"):
        neutralize_formulas(missing).to_csv(out / "missing_addresses.csv", index=False)
    if missing.shape[0]:
        typer.echo(f"{plural(len(missing), 'message')} {verb(len(missing), 'has', 'have')} no address (listed in {out / 'missing_addresses.csv'})")
    if not send:
        paths = write_eml(mails, settings.from_address, out / "eml")
        typer.echo(f"wrote {plural(len(paths), 'message')} to {out / 'eml'} (review them; --send sends)")
        return
    delivery = send_mail(mails, settings, out / "sent_log.csv")
    if delivery.deferred and delivery.problem:
        typer.echo(f"error: SMTP {delivery.problem}", err=True)
    typer.echo(f"{delivery.line()}; sent-log {out / 'sent_log.csv'}")
    if not delivery.complete:
        raise typer.Exit(3)


@app.command(cls=FlagCommand)
def reminders(
    ctx: typer.Context,
    file: FileArg = None,
    sheet: SheetOpt = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Day the reminders are for (YYYY-MM-DD; default: the "
                                                              "data's last day).")] = None,
    out: Annotated[Path, typer.Option(help="Folder for reminder_queue.csv, .eml files and the sent-log.")] = Path(
        "outputs/reminders"),
    send: SendOpt = False,
    show_pii: Annotated[bool, typer.Option("--show-pii", envvar="SHOW_PII",
                                           help="Unmasked learner names and e-mails in the queue CSV.")] = False,
) -> None:
    """Feedback reminders to learners of completed sessions without feedback, and inactivity nudges to learners
    with no session booked for 30 and 90 days (days in parameters/lifecycle.yaml), in one queue."""
    from mentortrack.analytics.safeguarding import reported_pairs, split_reported
    from mentortrack.lifecycle.reminders import compose_nudges, compose_reminders, due_nudges, due_reminders
    from mentortrack.reports.privacy import mask_pii, neutralize_formulas

    settings = _settings(ctx)
    lifecycle = settings.lifecycle
    history = _enriched_history(file, settings, sheet=sheet)
    day = _day_in_data(as_of, history, lifecycle.timezone)
    reported = reported_pairs(history, settings.safeguarding)
    due, withheld = split_reported(due_reminders(history, day, lifecycle.reminders), reported)
    nudges, withheld_nudges = split_reported(due_nudges(history, day, lifecycle.nudges), reported)
    reach = pd.Timedelta(days=max(lifecycle.reminders.days) + lifecycle.reminders.catch_up_days)
    if history["session_date"].max() + reach < day:
        typer.echo(f"note: the data ends on {history['session_date'].max():%Y-%m-%d}: no session in it can have a "
                   f"reminder due on {day:%Y-%m-%d} (export a newer file?)", err=True)
    out.mkdir(parents=True, exist_ok=True)
    queue = pd.concat([due.assign(kind="feedback"), nudges.assign(kind="inactivity")], ignore_index=True)
    queue = queue[["kind", *dict.fromkeys([*due.columns, *nudges.columns])]]
    queue = queue.assign(session_date=queue["session_date"].dt.strftime("%Y-%m-%d"),
                         due_date=queue["due_date"].dt.strftime("%Y-%m-%d"), days_quiet=queue["days_quiet"].astype("Int64"))
    with writing(out / "reminder_queue.csv"):
        neutralize_formulas(mask_pii(queue, show_pii)).to_csv(out / "reminder_queue.csv", index=False)
    counts = ", ".join(f"day {d}: {n}" for d, n in due["stage_day"].value_counts().sort_index().items())
    steps = ", ".join(f"{d} days: {n}" for d, n in nudges["stage_day"].value_counts().sort_index().items())
    typer.echo(f"{plural(len(due), 'reminder')} due on {day:%Y-%m-%d}" + (f" ({counts})" if counts else "")
               + f"; {plural(len(nudges), 'inactivity nudge')}" + (f" ({steps} without a booking)" if steps else "")
               + f"; queue: {out / 'reminder_queue.csv'}")
    mails, missing = compose_reminders(due, lifecycle.email)
    nudge_mails, nudge_missing = compose_nudges(nudges, lifecycle.email)
    _say_withheld(pd.concat([withheld, withheld_nudges], ignore_index=True), "reminder or nudge")
    _deliver(mails + nudge_mails, pd.concat([missing, nudge_missing], ignore_index=True), lifecycle.email, out, send)


def _say_withheld(withheld: pd.DataFrame, what: str) -> None:
    """Say which learner-facing messages were not made because the learner raised a safeguarding concern
    about the mentor they would name (:func:`mentortrack.analytics.safeguarding.reported_pairs`)."""
    if len(withheld):
        sessions = ", ".join(dict.fromkeys(withheld["session_id"].astype(str)))
        typer.echo(f"withheld: {plural(len(withheld), what)} naming a mentor the learner raised a safeguarding "
                   f"concern about (session {sessions}); contact the learner yourself (mentortrack alerts)", err=True)


@app.command(cls=FlagCommand)
def digest(
    ctx: typer.Context,
    file: FileArg = None,
    sheet: SheetOpt = None,
    week_of: Annotated[str | None, typer.Option("--week-of", help="Any day of the week (Monday to Sunday) to digest.")] = None,
    month: Annotated[str | None, typer.Option(help="The month (YYYY-MM) to digest, instead of a week.")] = None,
    to: Annotated[str | None, typer.Option(help="Recipient (default: digest.to in parameters/lifecycle.yaml).")] = None,
    reports: Annotated[Path | None, typer.Option(help="Folder of the rendered reports (default: ./outputs).")] = None,
    out: Annotated[Path, typer.Option(help="Folder for the .eml file and the sent-log.")] = Path("outputs/digest"),
    send: SendOpt = False,
    webhook: WebhookOpt = None,
    webhook_service: WebhookServiceOpt = None,
) -> None:
    """The program manager's digest for a week or a month: safeguarding alerts, KPI changes, red sessions, mentors
    at risk, open follow-ups, reminders and nudges, the report link (and, monthly, the dashboard PDF).

    With --send (or --webhook) it is also posted to the Slack or Teams webhook when one is set."""
    from mentortrack.contract.addresses import address_problem
    from mentortrack.lifecycle.digest import Period, built_report, check_covered, compose_digest, enrich_period, gather
    from mentortrack.lifecycle.mailer import MISSING_COLUMNS
    from mentortrack.paths import default_sample_path, outputs_dir

    if (week_of is None) == (month is None):
        raise typer.BadParameter("give either --week-of DATE or --month YYYY-MM")
    settings = _settings(ctx)
    lifecycle = settings.lifecycle
    if month is not None:
        try:
            period = Period.month(month)
        except ValueError as err:
            raise typer.BadParameter(f"not a month: {month!r}", param_hint="--month") from err
    else:
        period = Period.week_of(_as_of(str(week_of), lifecycle.timezone, "--week-of"))
    recipient = to or lifecycle.digest.to
    if problem := address_problem(recipient.strip()):
        raise InputError(f"--to {recipient}: not an e-mail address ({problem}).")
    root = reports or outputs_dir()
    built = built_report(root / period.report_month, file or default_sample_path(), settings)
    history, tables = built if built is not None else (
        _enriched_history(file, settings, lambda sessions: enrich_period(sessions, period, settings), sheet), None)
    check_covered(history, period)
    facts = gather(history, period, settings, root, tables)
    mail = compose_digest(facts, recipient, lifecycle.email)
    typer.echo(f"digest, {period.label}: {plural(facts['sessions'], 'session')}, {facts['red_count']} red, "
               f"{plural(len(facts['at_risk']), 'mentor')} at risk, {plural(facts['followup_count'], 'open follow-up')}, "
               f"{plural(facts['reminder_count'], 'reminder')} due, {plural(facts['nudge_count'], 'inactivity nudge')}, "
               f"{plural(len(facts['safeguarding']), 'safeguarding alert')}" + (", dashboard PDF attached" if mail.attachments else ""))
    missing = pd.DataFrame(columns=MISSING_COLUMNS)
    _deliver([mail], missing, lifecycle.email, out, send)
    if send or webhook:
        from mentortrack.lifecycle.digest import format_kpi
        from mentortrack.lifecycle.webhooks import digest_notice, webhook_url

        if not _post(webhook_url(webhook, lifecycle.webhooks), webhook_service, lifecycle.webhooks,
                     digest_notice(facts, format_kpi), once=(out / "posted_log.csv", mail.key)):
            raise typer.Exit(3)


WebhookOpt = Annotated[str | None, typer.Option(
    "--webhook", help="Slack or Teams incoming-webhook URL (a secret; default: $MENTORTRACK_WEBHOOK_URL or "
                      "webhooks.url in parameters/lifecycle.yaml).", show_default=False)]
WebhookServiceOpt = Annotated[str | None, typer.Option(
    "--webhook-service", help="slack or teams (default: webhooks.service, auto from the URL's host).")]


def _post(url: str | None, service: str | None, settings: WebhookSettings, notice: Notice,
          once: tuple[Path, str] | None = None) -> bool:
    """Post ``notice`` when a webhook URL is set; one line either way, never the URL. False when it failed.

    With ``once`` (a post log and a key, e.g. the digest's period), a notice whose key and service the log
    holds is not posted again, and a successful post is logged (the key and service, never the URL), in the
    mailer's sent-log format (:func:`mentortrack.lifecycle.mailer.sent_keys`)."""
    from mentortrack.lifecycle.mailer import record_sent, sent_keys
    from mentortrack.lifecycle.webhooks import SERVICES, WebhookError, post, service_of

    if url is None:
        return True
    if service is not None and service not in SERVICES:
        raise typer.BadParameter("use slack or teams", param_hint="--webhook-service")
    try:
        chosen = service_of(url, service or settings.service)
        if once is not None and (once[1], chosen) in sent_keys(once[0]):
            typer.echo(f"already posted to the {'Slack' if chosen == 'slack' else 'Teams'} webhook "
                       f"({once[1]}, in {once[0]}); delete that line to post again")
            return True
        posting = post(url, notice, chosen, settings)
    except WebhookError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    if posting.ok and once is not None:
        record_sent(once[0], once[1], chosen)
    typer.echo(posting.line(), err=not posting.ok)
    return posting.ok


@app.command(cls=FlagCommand)
def alerts(
    ctx: typer.Context,
    file: FileArg = None,
    sheet: SheetOpt = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date-time the alert window ends (YYYY-MM-DD HH:MM; "
                                                              "default: the end of the data's last day).")] = None,
    out: Annotated[Path | None, typer.Option(help="Also write alerts.md, alerts.csv and safeguarding.csv to this folder.")] = None,
    notes: Annotated[Path | None, typer.Option(help="Folder of transcript notes (mentortrack notes --out) to scan too.")] = None,
    webhook: WebhookOpt = None,
    webhook_service: WebhookServiceOpt = None,
) -> None:
    """Safeguarding alerts (first), then red sessions whose feedback arrived in the last 24 hours.

    Posts to a Slack or Teams webhook when one is set and there is something to say; exit code 3
    when that post failed (the local files are written first)."""
    from mentortrack.analytics.safeguarding import in_window, read_transcript_notes, safeguarding_alerts
    from mentortrack.lifecycle.alerts import digest, red_alerts, safeguarding_digest, window_label
    from mentortrack.lifecycle.mailer import records
    from mentortrack.lifecycle.webhooks import alerts_notice, webhook_url
    from mentortrack.reports.privacy import neutralize_formulas

    settings = _settings(ctx)
    lifecycle = settings.lifecycle
    hours = lifecycle.alerts.window_hours
    history = _enriched_history(file, settings, sheet=sheet)
    moment = _day_in_data(as_of, history, lifecycle.timezone)
    moment = moment + pd.Timedelta(hours=23, minutes=59) if as_of is None else moment
    found = red_alerts(history, moment, hours)
    first = moment - pd.Timedelta(hours=hours)
    concerns = in_window(safeguarding_alerts(history, settings.safeguarding,
                                              read_transcript_notes(notes) if notes else None), first, moment)
    text = safeguarding_digest(concerns, first, moment) + "\n" + digest(found, moment, hours, lifecycle.timezone)
    typer.echo(text)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        with writing(out):
            (out / "alerts.md").write_text(text, encoding="utf-8")
            neutralize_formulas(found).to_csv(out / "alerts.csv", index=False)
            neutralize_formulas(concerns).to_csv(out / "safeguarding.csv", index=False)
    url = webhook_url(webhook, lifecycle.webhooks)
    if len(concerns) or len(found):
        window = window_label(moment, hours, lifecycle.timezone)
        if not _post(url, webhook_service, lifecycle.webhooks, alerts_notice(records(concerns), records(found), window)):
            raise typer.Exit(3)


def run() -> None:
    """The ``mentortrack`` executable: :data:`app`, with a full, read-only or forbidden disk, or a path of the
    wrong kind (a folder given for a file, a file for a folder), as one line.

    Exit code 2 for those, like every other problem the user can fix.
    """
    import errno
    import sys

    from mentortrack.reports.work_folder import DISK_ERRORS

    wrong_kind = {errno.EISDIR, errno.EEXIST, errno.ENOTDIR}  # --out is a file, --quarantine a folder, …
    try:
        app()
    except OSError as err:
        if err.errno not in DISK_ERRORS | wrong_kind:
            raise
        where = f" {err.filename}" if err.filename else ""
        cause = err.strerror or errno.errorcode.get(err.errno or 0, str(err))
        hint = ("free space or choose another folder" if err.errno in (errno.ENOSPC, errno.EDQUOT) else
                "give a file name, not a folder" if err.errno == errno.EISDIR else
                "a file is in the way: give a folder name" if err.errno in (errno.EEXIST, errno.ENOTDIR) else
                "choose another folder")
        print(f"error: cannot write{where}: {cause} ({hint})", file=sys.stderr)
        sys.exit(2)
