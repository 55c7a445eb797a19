"""A report run on a program's first months: each shared table computed once, every page honest about
time, an output folder that is the user's, and a fingerprint of the bytes that were loaded."""

from __future__ import annotations

import html
import json
import os
import re
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import SETTINGS, TZ, first_months_rows, write_csv
from typer.testing import CliRunner

from mentortrack import config
from mentortrack.analytics import comparisons, engagement, health, kpis, pairs, safeguarding, standing, summaries
from mentortrack.analytics.kpis import COMPARED_GROUPINGS as GROUPINGS
from mentortrack.cli import app
from mentortrack.errors import MentortrackError, ReportError
from mentortrack.reports import context, renderers, report
from mentortrack.reports.fingerprint import FINGERPRINT_FILE, file_digest, fingerprint, load_fingerprinted
from mentortrack.reports.work_folder import remove_leftovers, work_folder

NOTEBOOKS = ["01_data_quality", "02_descriptive", "03_sentiment", "04_keywords_summaries", "05_kpis",
             "06_early_warnings", "07_dashboard"]


def _text(page: Path) -> str:
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def _counting(monkeypatch: pytest.MonkeyPatch, calls: dict[str, int], module: object, name: str) -> None:
    original = getattr(module, name)

    def counted(*args: object, **kwargs: object) -> object:
        calls[name] = calls.get(name, 0) + 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], Path]:
    """The report of September (chosen as the latest complete month) and of October (partial), with the calls
    of the shared computations counted over the September run."""
    export = write_csv(tmp_path_factory.mktemp("export") / "first_months.csv", first_months_rows())
    root = tmp_path_factory.mktemp("outputs")
    calls: dict[str, int] = {}
    with pytest.MonkeyPatch.context() as patch:
        for module, name in ((health, "health_scores"), (standing, "mentor_standing"), (comparisons, "compare"),
                             (standing, "mentor_table"), (pairs, "pair_status"), (safeguarding, "safeguarding_alerts"),
                             (context, "month_over_month"), (engagement, "learner_engagement"), (kpis, "kpis_by"),
                             (summaries, "mentor_digest"), (config, "load_settings")):
            _counting(patch, calls, module, name)
        september = report.build_report(export, None, root, settings=SETTINGS)
    assert september.folder == root / "2025-09" and "latest complete month" in september.note
    october = report.build_report(export, "2025-10", root, settings=SETTINGS)
    return september.folder, calls, october.folder


def test_a_run_computes_health_the_standing_and_the_comparisons_once(runs: tuple[Path, dict[str, int], Path]) -> None:
    _, calls, _ = runs
    # the KPI table once per definitions (standard, published), the learners once; no KPIs by group beside the
    # comparisons, and the settings are the run's (never loaded again)
    assert calls == {"health_scores": 1, "mentor_standing": 1, "mentor_table": 1, "compare": len(GROUPINGS),
                     "pair_status": 1, "safeguarding_alerts": 1, "month_over_month": 2, "learner_engagement": 1,
                     "mentor_digest": 1}
    # the pages are rendered in this process (counted above) and no notebook computes anything: each displays
    # the sections rendered for it
    for name in NOTEBOOKS:
        source = json.loads(Path(f"notebooks/{name}.ipynb").read_text(encoding="utf-8"))
        code = "".join("".join(c["source"]) for c in source["cells"] if c["cell_type"] == "code")
        assert "import pandas" not in code and "load_settings" not in code and "open_page(" in code, name
        for computed in ("health_scores(", "mentor_table(", "compare(", "needing_followup(",
                         "pair_status(", "report_pairs(", "safeguarding_alerts(", "learner_engagement(", "kpis_by(",
                         "kpi_table("):
            assert computed not in code, f"{name} computes {computed}"
    # nor do the modules that render the pages (in processes forked from the run, where calls are not counted)
    for module in Path("mentortrack/reports/pages").glob("*.py"):
        code = module.read_text(encoding="utf-8")
        for computed in ("health_scores(", "mentor_table(", "compare(", "needing_followup(", "pair_status(",
                         "safeguarding_alerts(", "learner_engagement(", "kpis_by(", "kpi_table(", "mentor_digest("):
            assert computed not in code, f"{module.name} computes {computed}"


def test_the_first_month_changes_against_nothing_and_flags_nothing_as_new(runs: tuple[Path, dict[str, int], Path]
                                                                           ) -> None:
    september, _, _ = runs
    for page in [september / "index.html", *(september / f"{n}.html" for n in NOTEBOOKS)]:
        assert "vs 2025-08" not in _text(page), page.name
    assert _text(september / "index.html").count("first month in the data") == 5
    values = json.loads((september / "values" / "06_early_warnings.json").read_text())
    assert values["new_red_mentors"] == [] and values["ranked_mentors"] == 2
    assert "no red flag can be new yet" in _text(september / "06_early_warnings.html")
    dashboard = _text(september / "07_dashboard.html")
    assert "2 of 15 mentors ranked over Sep 2025; 13 had fewer than 8 sessions there" in dashboard
    assert "so a trend needs a second month" in dashboard
    # the mixed rule found nothing: the page says what it looked for, not that no text mixes praise and complaint
    assert "No feedback found mixed among the" in _text(september / "03_sentiment.html")
    assert "each at 90% or more" in _text(september / "03_sentiment.html")
    # two ranked mentors name no bottom; the one with 4 of 10 sessions red is to watch, not called healthy
    assert values["bottom_mentors"] == []
    assert json.loads((september / "values" / "07_dashboard.json").read_text())["bottom_mentors"] == []
    assert "To watch (1; red sessions and ratings over Sep 2025): Mentor D: 4 of 10 red, health 77." in dashboard
    assert "Watch (4 of 10 sessions red in Sep 2025, health 77)." in _text(september / "mentors" / "Mentor_D.html")
    assert "Named though their health is good" not in dashboard


def test_intervals_in_the_kpis_report_stay_on_their_scale(runs: tuple[Path, dict[str, int], Path]) -> None:
    september, _, _ = runs
    intervals = pd.DataFrame(json.loads((september / "values" / "05_kpis.json").read_text())["intervals"])
    shown = intervals.dropna(subset=["low"])
    rating = shown["kpi"] == "avg_rating"
    assert shown.loc[rating, "low"].min() >= 1 and shown.loc[rating, "high"].max() <= 5
    assert shown.loc[~rating, "low"].min() >= 0 and shown.loc[~rating, "high"].max() <= 1
    flat = intervals[(intervals["group"] == "DSML Flat25") & (intervals["kpi"] == "avg_rating")]
    assert flat["verdict"].tolist() == [comparisons.NO_SPREAD]


def test_sentiment_chart_and_tile_share_one_base(runs: tuple[Path, dict[str, int], Path]) -> None:
    september, _, _ = runs
    enriched = pd.read_parquet(september / "enriched.parquet")
    done = enriched[(enriched["month"] == "2025-09") & (enriched["session_status"] == "Completed")]
    with_feedback = int((done["learner_feedback"].fillna("").str.strip() != "").sum())
    values = json.loads((september / "values" / "07_dashboard.json").read_text())
    assert values["feedback_base"] == with_feedback
    assert f"Feedback sentiment, September 2025: {len(done)} completed sessions, shares of the {with_feedback} with feedback" in \
        (september / "notebooks" / "07_dashboard.ipynb").read_text()


def test_a_partial_month_is_called_partial_on_every_page(runs: tuple[Path, dict[str, int], Path]) -> None:
    _, _, october = runs
    pages = [october / "index.html", *(october / f"{n}.html" for n in NOTEBOOKS),
             *sorted((october / "mentors").glob("*.html"))]
    assert len(pages) > 10
    for page in pages:
        assert "data through 9 Oct 2025: partial month" in _text(page), page.name
    assert "Data through 9 Oct 2025: partial month: counts cover only part of the month." in _text(october / "index.html")
    assert "Sep 2025 – 9 Oct 2025" in _text(october / "06_early_warnings.html")
    digests = pd.read_csv(october / "exports" / "mentor_digests.csv")
    assert len(digests) and digests["digest"].str.contains("2025-10 (data through 9 Oct 2025: partial month): ",
                                                            regex=False).all()
    # 16 sessions in October against 73 in September: no change on the tiles, none in the definitions table
    kpis_page = _text(october / "05_kpis.html")
    assert "too few sessions to compare (16 vs 73)" in kpis_page
    assert not re.search(r"[-−]57\b", kpis_page)
    # no red session in October: a sentence, not a header row over nothing
    dashboard = _text(october / "07_dashboard.html")
    assert "No red session in October 2025 (16 sessions)." in dashboard and "0 red sessions" not in dashboard
    assert ("No mentor has a health score in October 2025 yet, so none can be at risk: 0 of 11 mentors with "
            "sessions in 2025-10 have a health score (3 completed sessions needed).") in dashboard
    # the early warnings say the same, and an empty month is sentences, not header rows over nothing
    warnings = _text(october / "06_early_warnings.html")
    assert ("No mentor has a health score in October 2025 yet, so none can be at risk: 0 of 11 mentors with "
            "sessions in 2025-10 have a health score (3 completed sessions needed).") in warnings
    assert "0 mentors below 40" not in warnings and "How often each rule fired" not in warnings
    assert "No rule fired on any of the 16 sessions in October 2025." in warnings
    assert "No session of October 2025 is amber or red: none needs attention." in warnings


def test_the_landing_page_has_the_headline_and_the_shared_title(runs: tuple[Path, dict[str, int], Path]) -> None:
    september, _, _ = runs
    index = (september / "index.html").read_text()
    assert "<title>Mentor sessions — September 2025</title>" in index
    assert "<title>Dashboard — September 2025</title>" in (september / "07_dashboard.html").read_text()
    text = _text(september / "index.html")
    for label in ("Sessions", "Completion rate", "Average rating", "Red sessions", "Mentors at risk"):
        assert f" {label} " in text
    # none at risk, but Mentor D (4 of 10 sessions red) to watch: the tile says so
    assert " Mentors at risk 0 of 11 with a score; 1 to watch: Mentor D " in text
    assert ("No mentor has a health score (0–100) below 40 in September 2025: 11 of 15 mentors with sessions in "
            "2025-09 have a health score (3 completed sessions needed).") in _text(september / "07_dashboard.html")
    # the rendered sections were displayed and removed; the executed notebooks hold them
    assert not (september / "products").exists()


def test_out_keeps_what_the_user_made(tmp_path: Path) -> None:
    day_ago = time.time() - 3 * 24 * 3600
    theirs = [tmp_path / name for name in (".config.d", ".backup.2024", ".emacs.d", ".2025-09.abc123",
                                           ".2025-09.mentortrack-xyz")]
    for folder in theirs:
        folder.mkdir()
        (folder / "keep.txt").write_text("mine")
        os.utime(folder, (day_ago, day_ago))
    assert remove_leftovers(tmp_path) == []
    assert all((folder / "keep.txt").exists() for folder in theirs)
    # a month folder the user made is not replaced
    (tmp_path / "2025-09").mkdir()
    with pytest.raises(ReportError, match="exists and is not a mentortrack report"):
        with work_folder(tmp_path, "2025-09"):
            pass
    assert sorted(p.name for p in (tmp_path / "2025-09").iterdir()) == []


def test_a_failed_run_keeps_the_last_report_and_removes_its_own_work(tmp_path: Path) -> None:
    final = tmp_path / "2025-09"
    final.mkdir()
    (final / FINGERPRINT_FILE).write_text("old")
    with pytest.raises(RuntimeError, match="boom"):
        with work_folder(tmp_path, "2025-09"):
            raise RuntimeError("boom")
    assert (final / FINGERPRINT_FILE).read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["2025-09"]
    with work_folder(tmp_path, "2025-09") as work:
        (work / FINGERPRINT_FILE).write_text("new")
    assert (final / FINGERPRINT_FILE).read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["2025-09"]


def test_out_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "reports.txt"
    out.write_text("not a folder")
    result = CliRunner().invoke(app, ["report", "--month", "2025-09", "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"error: --out {out}: is a file, not a folder; choose a folder "
                                                  "for the reports."]
    assert out.read_text() == "not a folder"


def test_the_fingerprint_is_of_the_bytes_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = first_months_rows()
    path = write_csv(tmp_path / "export.csv", rows[:40])
    stale = load_fingerprinted(path, TZ)
    write_csv(path, rows)  # the export changes while this run waits for another run's lock
    seen: dict[str, object] = {}
    monkeypatch.setattr(report, "execute", lambda name, folder, *args: folder / f"{name}.html")
    monkeypatch.setattr(report, "RENDER_PROCESSES", 1)  # rendered in a thread of this process, stubbed here
    monkeypatch.setattr(renderers, "_mentor_pages", lambda folder, mentors: folder)
    monkeypatch.setattr(renderers, "_sections", lambda name, parameters: Path(str(parameters["output_dir"])))
    monkeypatch.setattr(report, "write_index", lambda work, ctx, *args: seen.update(valid=len(ctx.history)))
    (tmp_path / "out").mkdir()
    inputs = report._Inputs(path, "export.csv", "2025-09", False, SETTINGS, None, None)
    run = report._build_locked(inputs, tmp_path / "out", False, 1, time.perf_counter(), None, stale)
    assert seen["valid"] == len(rows)
    assert (run.folder / FINGERPRINT_FILE).read_text() == fingerprint(file_digest(path), path, "2025-09", False, SETTINGS)


def test_a_file_changing_while_it_is_read_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mentortrack.contract import load

    rows = first_months_rows()
    path = write_csv(tmp_path / "export.csv", rows[:40])
    original, loads = load.load_sessions, []

    def changing(file: Path, *args: object, **kwargs: object) -> object:
        result = original(file, *args, **kwargs)  # type: ignore[arg-type]
        loads.append(len(result.sessions))
        if len(loads) == 1:
            write_csv(path, rows)
            os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
        return result

    monkeypatch.setattr(load, "load_sessions", changing)
    loaded, digest = load_fingerprinted(path, TZ)
    assert loads == [40, len(rows)] and len(loaded.sessions) == len(rows) and digest == file_digest(path)


def test_report_errors_belong_to_the_one_family() -> None:
    assert issubclass(ReportError, MentortrackError) and ReportError("x").exit_code == 2


def test_kpis_by_group_carry_n_and_an_interval_on_their_scale(first_months_export: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["kpis", str(first_months_export), "--by", "batch", "--month", "2025-09", "--json"])
    assert result.exit_code == 0, result.output
    flat = json.loads(result.stdout)["DSML Flat25"]
    assert flat["n"]["avg_rating"] == 6 and flat["interval"]["avg_rating"] is None
    assert flat["verdict"]["avg_rating"] == comparisons.NO_SPREAD
    assert flat["n"]["completion_rate"] == 6 and 0 <= flat["interval"]["completion_rate"][0] <= \
        flat["interval"]["completion_rate"][1] <= 1
    text = runner.invoke(app, ["kpis", str(first_months_export), "--by", "batch", "--month", "2025-09"]).stdout
    assert "Average rating: n, 95 % interval" in text and "n=6, –" in text


def test_every_share_on_the_tiles_stands_next_to_its_denominator(runs: tuple[Path, dict[str, int], Path]) -> None:
    september, _, _ = runs
    enriched = pd.read_parquet(september / "enriched.parquet")
    month = enriched[enriched["month"] == "2025-09"]
    status = month["session_status"].astype("string")
    done = month[status == "Completed"]
    resolved = int(status.isin(["Completed", "No-show", "Cancelled"]).sum())
    with_feedback = done[done["learner_feedback"].fillna("").str.strip() != ""]
    expected = [f"{len(done)} of {resolved} non-rescheduled sessions",
                f"{int((status == 'No-show').sum())} of {resolved} non-rescheduled sessions",
                f"over {int(done['post_session_rating'].notna().sum())} rated sessions",
                f"{int(done['follow_up_scheduled'].astype(bool).sum())} of {len(done)} completed sessions",
                f"{int((with_feedback['sentiment'] == 'Negative').sum())} of {len(with_feedback)} completed with "
                "feedback"]
    dashboard = _text(september / "07_dashboard.html")
    for base in expected:
        assert base in dashboard, base
    index = _text(september / "index.html")
    assert expected[0] in index and expected[2] in index
    # the ranking's shares too: Mentor I's 33.3 % of follow-ups is 1 of its 3 completed sessions
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", (september / "06_early_warnings.html").read_text())
    ranking = headers[headers.index("Rank"):]
    assert ranking[:7] == ["Rank", "Sessions", "Warning rate", "Red sessions", "Red rate", "Completed",
                           "Average rating"]


def test_a_grouping_with_one_group_is_said_once_not_charted(runs: tuple[Path, dict[str, int], Path]) -> None:
    september, _, _ = runs
    kpis = _text(september / "05_kpis.html")
    # the fixture has one program, one session type and one age cohort, and several batches
    assert ("September 2025 has one program (DSML), one session type (Mock Interview), one age cohort (2–3 months): "
            "nothing to compare it with, its values are the program's.") in kpis
    assert "Completion rate by program" not in kpis and "KPIs by program with 95 % intervals" not in kpis
    assert "KPIs by batch with 95 % intervals: values with 5 or more in their denominator, all 3 batches" in kpis
    # each share of the learner engagement beside its denominator, counted by hand from the rows
    rows = [r for r in first_months_rows() if r["Session_Date"] <= "2025-09-30"]
    attended = [r for r in rows if r["Session_Status"] == "Completed"]
    resolved = attended + [r for r in rows if r["Session_Status"] == "No-show"]
    came = {r["Learner_ID"] for r in attended}
    pairs = pd.Series([(r["Learner_ID"], r["Mentor_Name"]) for r in attended]).value_counts()
    returned = {learner for (learner, _), n in pairs.items() if n > 1}
    dashboard = _text(september / "07_dashboard.html")
    assert "Back to the same mentor" in dashboard
    assert "Learner attended by status, in sessions" in _text(september / "02_descriptive.html")
    assert "Learner attendance, of completed or no-show sessions" in dashboard
    assert "Back to the same mentor, of learners who attended" in dashboard
    assert f"{len(attended) / len(resolved):.1%} · {len(attended)} of {len(resolved)} " in dashboard
    assert f"{len(returned) / len(came):.1%} · {len(returned)} of {len(came)} " in dashboard


def test_only_a_completed_session_is_warned_about_preparation(runs: tuple[Path, dict[str, int], Path]) -> None:
    september, _, _ = runs
    history = pd.read_parquet(september / "enriched.parquet")
    status = history["session_status"].astype("string")
    unprepared = history["rules"].astype("string").str.contains("no_prep").fillna(False)
    # the fixture's cancelled sessions and no-shows have prep "No", as an export records a session not held
    assert set(history.loc[status != "Completed", "mentor_prep_done"].astype("string")) == {"No"}
    assert not (unprepared & (status != "Completed")).any()
    # so the warnings page says no "mentor did not prepare" where the KPIs say prep was done in 61 of 61
    assert "mentor did not prepare" not in _text(september / "06_early_warnings.html")
    assert "Mentor prep done 100.0% 61 of 61 completed with prep recorded" in _text(september / "05_kpis.html")


def test_an_empty_re_engagement_list_is_a_sentence_not_a_header_row(runs: tuple[Path, dict[str, int], Path]) -> None:
    september, _, _ = runs
    values = json.loads((september / "values" / "07_dashboard.json").read_text())
    assert values["quiet_after_bad"] == []
    dashboard = _text(september / "07_dashboard.html")
    assert "Nobody to re-engage up to 2025-09-30" in dashboard and "Last mentor" not in dashboard


def test_pairs_and_safeguarding_alerts_are_shared_tables_of_the_run(runs: tuple[Path, dict[str, int], Path]) -> None:
    from mentortrack.reports.shared_tables import read_tables

    september, _, _ = runs
    tables = read_tables(september)
    history = pd.read_parquet(september / "enriched.parquet")
    assert tables.pairs.reset_index(drop=True).equals(
        pairs.pair_status(history, pd.Timestamp("2025-09-30"), SETTINGS.warnings.pairs,
                          SETTINGS.lifecycle.followups).reset_index(drop=True))
    assert len(tables.safeguarding) == len(safeguarding.safeguarding_alerts(history, SETTINGS.safeguarding)) == 0
    assert "No safeguarding alert in September 2025" in _text(september / "07_dashboard.html")
    exported = pd.read_csv(september / "exports" / "powerbi" / "fact_pairs.csv")
    assert list(exported["learner_id"]) == list(tables.pairs["learner_id"])


def test_notebooks_start_longest_first_by_the_previous_runs_durations(tmp_path: Path) -> None:
    from mentortrack.reports.notebook_run import longest_first

    names = ["07_dashboard", "01_data_quality", "02_descriptive", "05_kpis"]
    assert longest_first(names, tmp_path) == names, "a first run keeps the order of report.yaml"
    (tmp_path / "notebooks").mkdir()
    for name, seconds in (("07_dashboard", 9.5), ("01_data_quality", 4.0), ("02_descriptive", 12.1)):
        (tmp_path / "notebooks" / f"{name}.ipynb").write_text(
            json.dumps({"metadata": {"papermill": {"duration": seconds}}}), encoding="utf-8")
    assert longest_first(names, tmp_path) == ["05_kpis", "02_descriptive", "07_dashboard", "01_data_quality"]


def test_a_finished_kernel_is_shut_down_without_an_interrupt(tmp_path: Path) -> None:
    """jupyter_client interrupts (SIGINT) before every shutdown, and a kernel busy with a message then logs
    "KeyboardInterrupt caught in kernel" after a notebook that succeeded; the run's manager does not."""
    import asyncio

    from mentortrack.reports.notebook_run import _ipc_kernel_manager

    manager = _ipc_kernel_manager(str(tmp_path))(kernel_name="python3")
    sent: list[object] = []

    async def signal_kernel(signum: object) -> None:
        sent.append(signum)

    manager._async_signal_kernel = signal_kernel  # type: ignore[method-assign]
    manager.shutting_down = True
    asyncio.run(manager._async_interrupt_kernel())
    assert sent == [], "no SIGINT to a kernel being shut down"
    manager.shutting_down = False
    with pytest.raises(RuntimeError, match="No kernel is running"):  # asked for otherwise: jupyter_client's own
        asyncio.run(manager._async_interrupt_kernel())


def test_the_notebooks_setup_imports_neither_seaborn_scipy_nor_pandera() -> None:
    import subprocess
    import sys

    setup = ("import sys\nfrom mentortrack.reports import charts, tables\n"
             "from mentortrack.config import load_settings\n"
             "from mentortrack.reports.context import open_report, record\n"
             "load_settings()\n"
             "print(sorted(m for m in ('seaborn', 'scipy', 'pandera') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", setup], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    assert done.stdout.strip() == "[]", "a kernel would pay for importing them before its first chart"
