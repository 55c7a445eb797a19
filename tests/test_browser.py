"""What a person sees, in a real browser: headless Chromium (Debian's chromium and chromium-driver).

- the dashboard at 1366x768: KPI tiles and the two most important charts above the fold;
- the dashboard printed to PDF: A4 landscape, every column of the red list on the page;
- the exploration notebook in JupyterLab: after a widget changes, every chart image still has content.

Skipped when Chromium or chromedriver is missing (``.ci/run`` installs both).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import SETTINGS

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("chromedriver")),
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")]

CHART_INK = """
return [...document.querySelectorAll('.jp-OutputArea-output img.mt-chart')].map(img => {
  if (!img.complete || !img.naturalWidth) { return -1; }
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) { if (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200) ink++; }
  return ink / (canvas.width * canvas.height);
});
"""
"""Share of non-white pixels of every chart image in the notebook's outputs (-1: not loaded yet)."""


@pytest.fixture(scope="module")
def report_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from mentortrack.reports.report import build_report

    return build_report(None, "2025-09", tmp_path_factory.mktemp("browser"), settings=SETTINGS, pdf=True).folder


def test_dashboard_fits_a_laptop_screen(report_folder: Path, chromium: Callable[..., Any]) -> None:
    driver = chromium()
    try:
        driver.get((report_folder / "07_dashboard.html").as_uri())
        fold = driver.execute_script("return window.innerHeight")
        tiles = driver.execute_script(
            "return [...document.querySelectorAll('div')].filter(d => d.style.flex && d.style.flex.startsWith('1 1'))"
            ".map(d => d.getBoundingClientRect().bottom)")
        charts = driver.execute_script(
            "return [...document.querySelectorAll('img.mt-chart')].map(i => [i.getBoundingClientRect().bottom, "
            "i.getBoundingClientRect().width])")
        page_width = driver.execute_script("return document.documentElement.scrollWidth")
        height = driver.execute_script("return document.documentElement.scrollHeight")
    finally:
        driver.quit()
    assert len(tiles) == 6 and max(tiles) <= fold
    assert len(charts) >= 4 and charts[0][0] <= fold and charts[1][0] <= fold, "trend and sentiment above the fold"
    assert sum(w for _, w in charts[:2]) > 0.8 * 1366, "the chart grid uses the width"
    assert page_width <= 1366 and height <= 3 * 768, "the dashboard scrolls at most three laptop screens"


def test_printed_dashboard_keeps_every_column_on_the_page(report_folder: Path) -> None:
    import re

    from pypdf import PdfReader

    pdf = PdfReader(str(report_folder / "dashboard.pdf"))
    first = pdf.pages[0]
    width_mm, height_mm = (float(v) / 72 * 25.4 for v in (first.mediabox.width, first.mediabox.height))
    assert abs(width_mm - 297) < 2 and abs(height_mm - 210) < 2, "A4 landscape"
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pdf.pages))
    assert "Feedback" in text and "Reasons" in text
    for quote in ("Mentor was late", "Not worth the booking"):
        assert quote in text, f"the red list's feedback column was cut: {quote!r} not in the PDF"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory, bundled_enriched: Path) -> Iterator[tuple[str, Path]]:
    from mentortrack.paths import default_notebooks_dir

    root = tmp_path_factory.mktemp("lab")
    (root / "notebooks").mkdir()
    (root / "outputs").mkdir()
    shutil.copy(default_notebooks_dir() / "explore.ipynb", root / "notebooks")
    shutil.copy(bundled_enriched, root / "outputs" / "enriched.parquet")
    port, token = _free_port(), "mentortrack-test"
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
               f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True",
               f"--ServerApp.root_dir={root}", "--allow-root"]
    server = subprocess.Popen(command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "JUPYTER_CONFIG_DIR": str(root / ".jupyter")})
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    yield f"http://127.0.0.1:{port}/lab/tree/notebooks/explore.ipynb?token={token}", root
    server.terminate()
    server.wait(timeout=30)


def _chart_inks(driver) -> list[float]:  # type: ignore[no-untyped-def]
    return driver.execute_script(CHART_INK)


def test_explore_widgets_redraw_every_chart(jupyterlab: tuple[str, Path], chromium: Callable[..., Any]) -> None:
    from selenium.webdriver.support.ui import Select, WebDriverWait

    url, _ = jupyterlab
    driver = chromium(1400, 1000)
    try:
        driver.get(url)
        wait = WebDriverWait(driver, 120, poll_frequency=0.5)
        wait.until(lambda d: d.execute_script("return !!(window.jupyterapp && window.jupyterapp.shell.currentWidget"
                                              " && window.jupyterapp.shell.currentWidget.sessionContext"
                                              " && window.jupyterapp.shell.currentWidget.sessionContext.session)"))
        wait.until(lambda d: d.execute_script(
            "const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;"
            "return k && k.status === 'idle'"))
        driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        wait.until(lambda d: len(_chart_inks(d)) == 4 and min(_chart_inks(d)) >= 0)
        before = _chart_inks(driver)
        mentor = Select(wait.until(lambda d: [s for s in d.find_elements("css selector", ".widget-select-multiple")
                                              if "Mentor" in s.text][0]).find_element("tag name", "select"))
        first_mentor = mentor.options[0].text
        mentor.select_by_index(0)
        wait.until(lambda d: len(inks := _chart_inks(d)) == 4 and min(inks) >= 0 and inks != before)
        after = _chart_inks(driver)
        captions = [c.text for c in driver.find_elements("css selector", ".jp-OutputArea-output table caption")]
    finally:
        driver.quit()
    assert all(share > 0.01 for share in before), before
    assert all(share > 0.01 for share in after), f"a chart came back blank after picking {first_mentor}: {after}"
    assert captions and "sessions, newest first" in captions[0]


def test_long_tables_are_interactive_and_complete_without_javascript(report_folder: Path, chromium: Callable[..., Any]) -> None:
    import re

    page = report_folder / "06_early_warnings.html"
    static_rows = len(re.findall(r'class="data row\d+ col0" id="T_mt', page.read_text()))
    interactive = page.read_text().count('class="mt-interactive"')
    driver = chromium()
    try:
        driver.get(page.as_uri())
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.querySelectorAll('table.dataTable').length")
                                        == interactive)
        visible = driver.execute_script("return document.querySelector('.mt-interactive tbody').rows.length")
        search = driver.find_elements("css selector", ".dt-search input, .dataTables_filter input")
    finally:
        driver.quit()
    assert static_rows > 25, "without JavaScript every row is in the page"
    assert interactive >= 2 and visible == 25 and len(search) == interactive, "with JavaScript the tables page and search"
