"""Every page of a report as a program manager sees it, in headless Chromium, on a program's first month.

The fixture is shaped like a real first export: 110 sessions in September 2025 and a few
days of October, 15 mentors with 3–17 sessions, one program whose ratings are all 4.

- axe-core (WCAG 2.1 A and AA rules) finds nothing on any page;
- at 1366x768 and 1920x1080 no page scrolls sideways, ISO dates sit on one line, figures and
  tables sit two to a row, and the screenshots are kept (``MENTORTRACK_SCREENSHOTS=folder``);
- every chart and table links its data as CSV, written beside the page, and chart alt text
  states the finding with its n;
- printed (A4 landscape), dates stay whole.

Skipped without Chromium/chromedriver or axe-core (``make setup`` installs it with npm).
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import SETTINGS

from mentortrack.contract.sample import generate

REPO = Path(__file__).resolve().parent.parent
AXE_PATHS = [Path(os.environ.get("MENTORTRACK_AXE", "/nonexistent")),
             REPO / ".venv" / "npm" / "node_modules" / "axe-core" / "axe.min.js",
             REPO / "node_modules" / "axe-core" / "axe.min.js"]
AXE = next((p for p in AXE_PATHS if p.is_file()), None)
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SIZES = [(1366, 768), (1920, 1080)]

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("chromedriver")),
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")]


def first_month_export(path: Path) -> Path:
    """110 sessions in September 2025, 10 in the first days of October; AIML ratings all 4."""
    frame = generate(rows=120, seed=21, mentors=15)
    rng = np.random.default_rng(4)
    frame["Session_Date"] = ([f"2025-09-{d:02d}" for d in rng.integers(1, 31, size=110)]
                             + [f"2025-10-{d:02d}" for d in rng.integers(1, 4, size=10)])
    aiml = frame["Program"] == "AIML"
    frame.loc[aiml, "Post_Session_Rating"] = frame.loc[aiml, "Post_Session_Rating"].where(
        frame.loc[aiml, "Post_Session_Rating"] == "", "4")
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from mentortrack.reports.report import build_report

    root = tmp_path_factory.mktemp("first-month")
    return build_report(first_month_export(root / "export.csv"), "2025-09", root / "out", settings=SETTINGS).folder


def _pages(folder: Path) -> list[Path]:
    mentors = sorted((folder / "mentors").glob("*.html"))
    return [folder / "index.html", *sorted(folder.glob("0*.html")), folder / "model.html", *mentors[:2]]


def _shots() -> Path | None:
    folder = os.environ.get("MENTORTRACK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder) if folder else None


@pytest.mark.skipif(AXE is None, reason="needs axe-core: `make setup` (npm install axe-core) or MENTORTRACK_AXE")
def test_axe_finds_no_wcag21_aa_violation_on_any_page(report: Path, chromium: Callable[..., Any]) -> None:
    script = AXE.read_text(encoding="utf-8")  # type: ignore[union-attr]
    driver = chromium(1366, 768)
    found = {}
    try:
        driver.set_script_timeout(120)
        for page in _pages(report):
            driver.get(page.as_uri())
            driver.execute_script(script)
            result = driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                f"axe.run(document, {{runOnly: {{type: 'tag', values: {json.dumps(WCAG_AA)}}}}})"
                ".then(r => done(r.violations.map(v => [v.id, v.nodes.length, v.nodes[0].target.join(' ')])))"
                ".catch(e => done([['axe-error', 0, String(e)]]));")
            if result:
                found[page.relative_to(report).as_posix()] = result
    finally:
        driver.quit()
    assert not found, f"axe-core violations (rule, nodes, first target): {found}"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_pages_fit_the_screen_keep_dates_whole_and_use_two_columns(report: Path, size: tuple[int, int], chromium: Callable[..., Any]) -> None:
    width, height = size
    shots = _shots()
    driver = chromium(width, height)
    facts = {}
    try:
        for page in _pages(report):
            driver.set_window_size(width, height)
            driver.get(page.as_uri())
            facts[page.name] = driver.execute_script("""
              const dates = [...document.querySelectorAll('td')].filter(td => /^\\d{4}-\\d{2}-\\d{2}$/.test(td.innerText.trim()));
              const wrapped = dates.filter(td => { const r = document.createRange(); r.selectNodeContents(td);
                                                   return r.getClientRects().length > 1; }).length;
              const blocks = [...document.querySelectorAll('img.mt-chart, .jp-OutputArea-output table')]
                             .filter(b => b.offsetHeight > 0).map(b => Math.round(b.getBoundingClientRect().left / 50));
              const lefts = new Set(blocks);
              const lines = [...document.querySelectorAll('caption')].filter(c => c.offsetHeight > 0).map(c => {
                const r = document.createRange(); r.selectNodeContents(c);
                return [new Set([...r.getClientRects()].map(x => Math.round(x.top))).size, c.innerText.slice(0, 40)]; });
              const tallest = lines.reduce((a, b) => (b[0] > a[0] ? b : a), [0, '']);
              return {scroll: document.documentElement.scrollWidth, dates: dates.length, wrapped: wrapped, caption: tallest,
                      columns: lefts.size, flags: [...document.querySelectorAll('td')].filter(td =>
                        ['True', 'False'].includes(td.innerText.trim())).length};""")
            if shots:
                full = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]["height"]
                shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
                    "format": "png", "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": width, "height": min(full, 9000), "scale": 1}})
                (shots / f"{page.stem}_{width}x{height}.png").write_bytes(base64.b64decode(shot["data"]))
    finally:
        driver.quit()
    for name, fact in facts.items():
        assert fact["scroll"] <= width, f"{name} scrolls sideways at {width}px: {fact['scroll']}"
        assert fact["wrapped"] == 0, f"{name}: {fact['wrapped']} of {fact['dates']} dates wrap at {width}px"
        assert fact["flags"] == 0, f"{name}: raw True/False in a table"
        assert fact["caption"][0] <= 4, f"{name}: a caption squeezed onto {fact['caption'][0]} lines: {fact['caption'][1]!r}"
    assert sum(f["dates"] for f in facts.values()) > 20
    for name in ("02_descriptive.html", "05_kpis.html"):
        assert facts[name]["columns"] >= 2, f"{name}: figures and tables should sit two to a row at {width}px"


def test_every_chart_and_table_links_its_data_and_charts_state_their_finding(report: Path) -> None:
    from mentortrack.reports.storage import read_enriched

    for page in _pages(report)[1:]:
        text = page.read_text(encoding="utf-8")
        images = re.findall(r'<img alt="([^"]*)" class="mt-chart"|<img class="mt-chart" alt="([^"]*)"', text)
        images = [a or b for a, b in images]
        figures = re.findall(r'<figure class="mt-figure">.*?</figure>', text, flags=re.S)
        assert len(figures) == len(images), f"{page.name}: a chart without its data link"
        for alt in images:
            assert re.search(r"\d", alt) and alt != "chart", f"{page.name}: alt text without a finding: {alt!r}"
        captions = re.findall(r"<caption[^>]*>(.*?)</caption>", text, flags=re.S)
        assert all("data (CSV)" in c for c in captions), f"{page.name}: a table without its data link"
        for href in re.findall(r'<a [^>]*class="mt-data"[^>]*href="([^"]+)"', text):
            csv = page.parent / href
            assert csv.is_file() and csv.parent.name == "data", f"{page.name}: {href} not beside the page"
            assert not pd.read_csv(csv, dtype=str).map(lambda v: isinstance(v, str) and v[:1] in "=+@").any().any()
    enriched = read_enriched(report / "enriched.parquet")
    rated = enriched[(enriched["month"] == "2025-09") & (enriched["session_status"] == "Completed")
                     & enriched["post_session_rating"].notna()]
    # September is the first month in the data: the rating trend is a sentence stating the finding with its n
    dashboard = (report / "07_dashboard.html").read_text(encoding="utf-8")
    mean = rated["post_session_rating"].astype(float).mean()
    assert f"Average rating {mean:.2f} over {len(rated)} rated sessions" in dashboard


def test_the_sentiment_page_links_the_model_card_whose_figures_come_from_the_evaluation(report: Path) -> None:
    from mentortrack.analytics.evaluation import load_summary
    from mentortrack.reports.model_card import MIN_SCORED, SWEARING

    sentiment = (report / "03_sentiment.html").read_text(encoding="utf-8")
    assert 'href="model.html"' in sentiment and "held out" not in sentiment.lower()
    card = (report / "model.html").read_text(encoding="utf-8")
    summary = load_summary(SETTINGS.nlp.sentiment.model)
    suite = [s for s in summary["scores"] if s["method"] == "mentortrack"]
    for score in suite:  # a set of a few sentences says how many were right instead of its scores
        assert (f"{score['accuracy']:.1%}" in card if score["n"] >= MIN_SCORED else
                f"mentortrack ({round(score['accuracy'] * score['n'])} of {score['n']} right)" in card)
        assert f"{score['n']:,}" in card
    for name, errors in summary["errors"].items():
        quoted = [e for e in errors if not SWEARING.search(e["text"])]
        assert name in card and all(e["text"].replace("'", "&#39;")[:20] in card or e["text"][:20] in card
                                    for e in quoted[:3])
        assert not [e for e in errors if SWEARING.search(e["text"]) and e["text"][:20] in card]
    assert "Training data" in card and "real_feedback.csv" in card


def test_printed_pages_keep_dates_whole(report: Path, chromium: Callable[..., Any]) -> None:
    from pypdf import PdfReader
    from selenium.webdriver.common.print_page_options import PrintOptions

    options = PrintOptions()
    options.orientation = "landscape"
    options.page_width, options.page_height = 29.7, 21.0
    shots = _shots()
    driver = chromium(1366, 768)
    texts = {}
    try:
        for page in (report / "07_dashboard.html", report / "06_early_warnings.html"):
            driver.get(page.as_uri())
            pdf = base64.b64decode(driver.print_page(options))
            if shots:
                (shots / f"{page.stem}_print.pdf").write_bytes(pdf)
            texts[page.name] = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    finally:
        driver.quit()
    for name, text in texts.items():
        assert len(re.findall(r"2025-\d{2}-\d{2}", text)) >= 5, f"{name}: dates broken across lines in print"
        assert not re.search(r"2025-\d{2}-\s*\n\s*\d{2}", text)
