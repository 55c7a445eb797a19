"""What a report run renders for a notebook is shown only for the parameters and enriched table it was rendered from."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mentortrack.reports import pages, products


def _parameters(folder: Path, month: str = "2025-09") -> dict[str, object]:
    enriched = folder / "enriched.parquet"
    if not enriched.exists():
        enriched.write_bytes(b"0123456789")
    return {"enriched_path": str(enriched), "load_report_path": "", "month": month, "output_dir": str(folder),
            "data_label": "export.csv", "show_pii": False, "parameters_dir": ""}


def test_a_notebook_shows_the_sections_rendered_for_its_parameters(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    alone: list[str] = []
    monkeypatch.setattr(pages, "render_alone", lambda name, parameters: alone.append(str(parameters["month"])) or {})
    sections = {"heading": [{"text/markdown": "# KPIs", "text/plain": "KPIs"}], "tiles": []}
    products.write_products(tmp_path, "05_kpis", _parameters(tmp_path), sections)
    assert products.open_page("05_kpis", **_parameters(tmp_path)).sections == sections and alone == []
    # another month, or the enriched table rewritten since: rendered again, here
    products.open_page("05_kpis", **_parameters(tmp_path, "2025-10"))
    enriched = tmp_path / "enriched.parquet"
    os.utime(enriched, ns=(enriched.stat().st_atime_ns, enriched.stat().st_mtime_ns + 10**9))
    products.open_page("05_kpis", **_parameters(tmp_path))
    assert alone == ["2025-10", "2025-09"]


def test_a_page_shows_its_sections_and_names_the_ones_it_has(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = products.Page("05_kpis", {"heading": [{"text/plain": "KPIs — September 2025"}], "tiles": []})
    page.show("heading")
    assert "KPIs — September 2025" in capsys.readouterr().out
    with pytest.raises(KeyError, match="05_kpis has no section 'ranking'; it has heading, tiles"):
        page.show("ranking")
