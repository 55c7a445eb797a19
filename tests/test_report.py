"""Every notebook executed end to end by the report pipeline on a small generated export."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import SETTINGS

from mentortrack.analytics.kpis import compute_kpis
from mentortrack.contract.sample import generate
from mentortrack.paths import default_notebooks_dir, default_parameters_dir
from mentortrack.reports.report import ReportError, build_report
from mentortrack.reports.storage import read_enriched

pytestmark = pytest.mark.slow

MONTH = "2025-09"
XSS = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","click")'
NOTEBOOKS = ["01_data_quality", "02_descriptive", "03_sentiment", "04_keywords_summaries", "05_kpis",
             "06_early_warnings", "07_dashboard"]


@pytest.fixture(scope="module")
def hostile_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated export whose newest September session carries a script and a formula."""
    frame = generate(rows=400, seed=21, mentors=15, messy=0.02)
    september = frame.index[frame["Session_Date"].str.startswith(MONTH)]
    newest = september[-1]
    frame.loc[newest, ["Session_Status", "Post_Session_Rating", "Learner_Feedback", "Issue_Flag", "Learner_Attended",
                       "Actual_Duration_mins"]] = ["Completed", "1", XSS, "", "Yes", "40"]
    frame.loc[september[-2], ["Session_Status", "Learner_Feedback", "Post_Session_Rating", "Learner_Attended",
                              "Actual_Duration_mins"]] = ["Completed", FORMULA, "4", "Yes", "40"]
    # one mentor with five completed September sessions, so the month has a health score to follow
    frame.loc[september[-5:], "Mentor_Name"] = frame.loc[newest, "Mentor_Name"]
    frame.loc[september[-5:-2], ["Session_Status", "Post_Session_Rating", "Learner_Attended", "Actual_Duration_mins",
                                 "Learner_Feedback"]] = ["Completed", "4", "Yes", "40", "Clear advice"]
    path = tmp_path_factory.mktemp("hostile") / "export.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def built(hostile_export: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("outputs")
    run = build_report(hostile_export, MONTH, root, settings=SETTINGS)
    assert run.rebuilt and run.folder == root / MONTH
    return run.folder


def _values(folder: Path, name: str) -> dict:
    return json.loads((folder / "values" / f"{name}.json").read_text())


def test_every_report_and_file_is_written_and_linked(built: Path) -> None:
    index = (built / "index.html").read_text()
    for name in NOTEBOOKS:
        assert (built / f"{name}.html").stat().st_size > 10_000
        assert (built / "notebooks" / f"{name}.ipynb").exists()
        assert f'href="{name}.html"' in index
    for file in ["exports/mentortrack_2025-09.xlsx", "exports/powerbi/fact_sessions.csv",
                 "exports/powerbi/dim_mentor.csv", "exports/session_summaries.csv", "quarantine.csv"]:
        assert (built / file).exists() and f'href="{file}"' in index
    pages = json.loads((built / "mentors" / "pages.json").read_text())
    september = read_enriched(built / "enriched.parquet").query("month == @MONTH")
    assert sorted(pages) == sorted(september["mentor_name"].unique())
    ranking = (built / "06_early_warnings.html").read_text()
    for file in pages.values():
        assert (built / "mentors" / file).stat().st_size > 10_000
        assert f'href="mentors/{file}"' in index and f'href="mentors/{file}"' in ranking


def test_recorded_values_match_the_library(built: Path, hostile_export: Path) -> None:
    enriched = read_enriched(built / "enriched.parquet")
    september = enriched[enriched["month"] == MONTH]
    expected = compute_kpis(september)
    dashboard = _values(built, "07_dashboard")
    assert dashboard["kpis"]["total_sessions"] == expected["total_sessions"]
    assert dashboard["kpis"]["completion_rate"] == pytest.approx(expected["completion_rate"])
    assert dashboard["red_sessions"] == int((september["level"] == "red").sum())
    quality = _values(built, "01_data_quality")
    raw_rows = len(pd.read_csv(hostile_export, dtype=str))
    assert quality["rows_read"] == raw_rows == quality["valid"] + quality["quarantined"] + quality["duplicates"]
    # (no header/totals rows in this export, so nothing was skipped)
    assert quality["quarantined"] > 0
    kpis = _values(built, "05_kpis")
    assert kpis["published"]["no_show_rate"] == 0.0
    assert kpis["kpis"]["avg_rating"] == pytest.approx(expected["avg_rating"])
    assert _values(built, "06_early_warnings")["levels"]["red"] == dashboard["red_sessions"]


def test_html_is_safe_to_share(built: Path) -> None:
    found_escaped = False
    for page in [*built.glob("*.html"), *built.glob("mentors/*.html")]:
        text = page.read_text()
        assert XSS not in text, page.name
        assert not re.search(r"learner_\d+@gmail\.com", text), f"unmasked e-mail in {page.name}"
        found_escaped |= "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        for src in re.findall(r'<img[^>]+src="([^"]*)"', text):
            assert src.startswith("data:image/svg+xml;base64,") and len(src) > 1000, f"broken image in {page.name}"
    assert found_escaped, "the hostile feedback should be shown, as text"
    for page in built.glob("*.html"):
        assert not re.search(r"<script[^>]*src=[\"']https?://", page.read_text()), f"{page.name} loads remote code"


def test_exports_neutralise_formulas_and_mask_pii(built: Path) -> None:
    book = openpyxl.load_workbook(built / "exports" / "mentortrack_2025-09.xlsx")
    assert book.sheetnames == ["Sessions", "Mentors", "Mentor health", "KPIs", "Pairs"]
    pairs = pd.read_csv(built / "exports" / "powerbi" / "fact_pairs.csv")
    assert book["Pairs"].max_row == len(pairs) + 1 and "learner_name" not in pairs
    sheet = book["Sessions"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert "'" + FORMULA in [c.value for c in cells]
    fact = pd.read_csv(built / "exports" / "powerbi" / "fact_sessions.csv", dtype=str)
    assert "'" + FORMULA in fact["learner_feedback"].tolist()
    assert fact["learner_email"].str.contains(r"^l\*\*\*@", regex=True).all()
    for table in (pd.read_parquet(built / "enriched.parquet"), pd.read_csv(built / "quarantine.csv", dtype=str)):
        emails = table.filter(regex="(?i)learner_email").stack().dropna()
        assert len(emails) and not emails.str.contains(r"learner_\d+@", regex=True).any()
    dim = pd.read_csv(built / "exports" / "powerbi" / "dim_mentor.csv", dtype={"mentor_key": str})
    assert set(fact["mentor_key"]) <= set(dim["mentor_key"])  # every session joins to a mentor
    assert set(pairs["mentor_key"].dropna()) <= set(dim["mentor_key"])
    assert dim["mentor_key"].is_unique


def test_health_scores_reach_the_reports_and_exports(built: Path) -> None:
    from mentortrack.analytics.health import health_scores

    expected = health_scores(read_enriched(built / "enriched.parquet"), SETTINGS.warnings.health)
    september = expected[expected["month"] == MONTH].set_index("mentor_name")
    shown = {k: v for k, v in _values(built, "06_early_warnings")["health"].items() if v is not None}
    assert shown == pytest.approx(september["score"].dropna().to_dict())
    dim = pd.read_csv(built / "exports" / "powerbi" / "dim_mentor.csv").set_index("mentor_name")
    ranked = dim.dropna(subset=["ranking_window"])
    assert len(ranked) and set(ranked["health_month"]) == {MONTH} and ranked["ranking_window"].nunique() == 1
    assert list(dim.columns[1:3]) == ["ranking_window", "health_month"], "the window named before its counts"
    both = dim["health_score"].dropna()
    assert len(both) and both.to_dict() == pytest.approx(september["score"].reindex(both.index).to_dict())
    health = pd.read_csv(built / "exports" / "powerbi" / "fact_mentor_health.csv")
    assert len(health) == len(september) and health["mentor_key"].notna().all() and set(health["month"]) == {MONTH}
    assert health.loc[health["score"].isna(), "at_risk"].isna().all() and health["score"].notna().any()
    assert health.loc[health["score"].notna(), "at_risk"].notna().all()
    sheet = pd.read_excel(built / "exports" / f"mentortrack_{MONTH}.xlsx", sheet_name="Mentor health").set_index(
        "Mentor")
    assert sheet["Score Sep 2025"].dropna().to_dict() == pytest.approx(september["score"].dropna().to_dict())
    assert _values(built, "07_dashboard")["at_risk"] == sorted(september.index[september["at_risk"]], key=lambda m:
                                                                september.loc[m, "score"])


def test_unchanged_rerun_is_not_rebuilt(built: Path, hostile_export: Path) -> None:
    run = build_report(hostile_export, MONTH, built.parent, settings=SETTINGS)
    assert not run.rebuilt and run.seconds < 5


def test_failing_notebook_names_cell_and_keeps_previous_output(built: Path, hostile_export: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    checkout = tmp_path / "checkout"
    shutil.copytree(default_parameters_dir(), checkout / "parameters")
    shutil.copytree(default_notebooks_dir(), checkout / "notebooks")
    broken = json.loads((checkout / "notebooks" / "05_kpis.ipynb").read_text())
    broken["cells"][3]["source"] = "raise RuntimeError('boom in the KPI notebook')"
    (checkout / "notebooks" / "05_kpis.ipynb").write_text(json.dumps(broken))
    monkeypatch.setenv("MENTORTRACK_ROOT", str(checkout))
    before = (built / "index.html").read_text()
    with pytest.raises(ReportError, match=r"notebook 05_kpis.ipynb failed in cell In \[4\] \(raise RuntimeError.*\): RuntimeError: boom"):
        build_report(hostile_export, MONTH, built.parent, settings=SETTINGS, force=True)
    assert (built / "index.html").read_text() == before
    assert (built.parent / f"{MONTH}.failed" / "notebooks").exists()


@pytest.mark.parametrize(("content", "month", "message"), [
    (b"", MONTH, "the file is empty"),
    (None, "2030-01", "no sessions in 2030-01"),
])
def test_unusable_input_is_a_clear_error(hostile_export: Path, tmp_path: Path, content: bytes | None, month: str,
                                         message: str) -> None:
    data = hostile_export
    if content is not None:
        data = tmp_path / "bad.csv"
        data.write_bytes(content)
    with pytest.raises(ReportError, match=message):
        build_report(data, month, tmp_path / "out", settings=SETTINGS)
    assert not (tmp_path / "out" / month).exists()
    out = tmp_path / "out"
    assert not out.exists() or not [p for p in out.iterdir() if p.is_dir()], "nothing may be left behind"


@pytest.mark.parametrize(("month", "message"), [("2025-13", "is not a month"), ("Sept", "is not a month")])
def test_a_bad_month_or_missing_file_is_refused_before_anything_is_written(tmp_path: Path, month: str,
                                                                          message: str) -> None:
    with pytest.raises(ReportError, match=message):
        build_report(None, month, tmp_path / "out", settings=SETTINGS)
    with pytest.raises(ReportError, match="no such file"):
        build_report(tmp_path / "missing.csv", MONTH, tmp_path / "out", settings=SETTINGS)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_one_number_format_and_human_headers_in_every_table(built: Path) -> None:
    kpis = (built / "05_kpis.html").read_text()
    assert not re.search(r">\s*\d+\.000\s*<", kpis), "counts must be whole numbers"
    assert not re.search(r">\s*0\.\d{3,}\s*<", kpis), "rates must be percentages"
    assert re.search(r">\s*\d{1,3}\.\d%\s*<", kpis)
    for page in built.glob("0*.html"):
        text = page.read_text()
        headers = re.findall(r"<th[^>]*>([^<]*)</th>", text)
        snake = [h for h in headers if re.fullmatch(r"[a-z]+(_[a-z]+)+", h.strip())]
        assert not snake, f"raw column names in {page.name}: {snake[:5]}"
        assert not re.search(r">\s*\d\.\d{6}\s*<", text), f"unformatted decimals in {page.name}"
    ranking = _text((built / "06_early_warnings.html").read_text())
    assert "Warning rate" in ranking and "Average rating" in ranking


def test_pages_have_titles_banner_and_readable_folder(built: Path) -> None:
    import stat

    for name in NOTEBOOKS:
        page = (built / f"{name}.html").read_text()
        title = re.search(r"<title>([^<]*)</title>", page).group(1)
        assert "September 2025" in title and title != "Notebook"
        assert 'href="index.html"' in page and "generated " in page and "data through 2025-" in page
    mode = built.stat().st_mode
    assert mode & stat.S_IRGRP and mode & stat.S_IXGRP, "the report folder must be readable like other folders"


def test_cut_tables_say_how_many_rows_they_show(built: Path) -> None:
    text = _text((built / "06_early_warnings.html").read_text())
    attention = re.search(r"(Showing 60 of [\d,]+|[\d,]+) sessions amber or red", text)
    assert attention, "the attention list must say how many rows it shows"


def test_all_months_scope(built: Path) -> None:
    from mentortrack.reports.context import open_report

    ctx = open_report(built / "enriched.parquet", "all", built / "scratch", "test", False, SETTINGS)
    assert len(ctx.scope) == len(ctx.history) and ctx.period.startswith("all months (2024-04 to ")
    table = ctx.kpi_table().set_index("kpi")
    assert table.loc["total_sessions", "value"] == len(ctx.history) and table["delta"].isna().all()
    assert len(ctx.window(3)) == len(ctx.history)
    september = open_report(built / "enriched.parquet", MONTH, built / "scratch", "test", False, SETTINGS)
    assert set(september.window(3)["month"]) == {"2025-07", "2025-08", "2025-09"}
    assert september.window_label(3) == "Jul 2025 – Sep 2025"
