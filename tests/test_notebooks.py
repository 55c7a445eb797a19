"""Committed notebooks are clean and parameterised; the exploratory notebook runs with widgets."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
import pytest

from mentortrack.paths import default_notebooks_dir
from mentortrack.reports.explore import filter_sessions, options

NOTEBOOKS = sorted(default_notebooks_dir().glob("*.ipynb"))


def test_there_are_report_notebooks_and_explore() -> None:
    names = [p.stem for p in NOTEBOOKS]
    assert "explore" in names and sum(n[:2].isdigit() for n in names) == 10


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs_and_with_one_parameters_cell(path: Path) -> None:
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is code[0]
    for line in "".join(tagged[0]["source"]).splitlines():
        assert ": " in line.split("=")[0] and "  # " in line, f"parameter without type hint or comment: {line}"


def test_filter_sessions() -> None:
    frame = pd.DataFrame({"program": ["DSML", "DSML", "AIML", None], "mentor_name": ["A", "B", "A", "A"],
                          "session_type": ["Mock Interview"] * 4, "level": ["red", "green", "red", "amber"],
                          "month": ["2025-08", "2025-09", "2025-09", "2025-10"]})
    assert filter_sessions(frame).index.tolist() == [0, 1, 2, 3]
    assert filter_sessions(frame, programs=["DSML"], levels=["red"]).index.tolist() == [0]
    assert filter_sessions(frame, mentors=["A"], months=("2025-09", "2025-10")).index.tolist() == [2, 3]
    assert filter_sessions(frame, programs=["DSML"], months=("2025-10", "2025-10")).empty
    assert options(frame, "program") == ["AIML", "DSML"]


def run(name: str, tmp_path: Path, **parameters: object) -> list[dict]:
    """Execute a notebook with papermill; return its outputs (failing on any error output)."""
    out = tmp_path / f"{name}.ipynb"
    pm.execute_notebook(str(default_notebooks_dir() / f"{name}.ipynb"), str(out), parameters=parameters,
                        kernel_name="mentortrack", progress_bar=False, cwd=str(tmp_path))
    outputs = [o for c in nbformat.read(out, as_version=4).cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    return outputs


def values(folder: Path, name: str) -> dict:
    return json.loads((folder / "values" / f"{name}.json").read_text())


@pytest.mark.slow
def test_explore_notebook_runs_with_widgets(bundled_enriched: Path, tmp_path: Path) -> None:
    outputs = run("explore", tmp_path, enriched_path=str(bundled_enriched))
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)


@pytest.mark.slow
def test_agendas_notebook(bundled_enriched: Path, tmp_path: Path) -> None:
    run("08_agendas", tmp_path, enriched_path=str(bundled_enriched), output_dir=str(tmp_path))
    recorded = values(tmp_path, "08_agendas")
    assert recorded["agendas"] == [f"UP200{i}.md" for i in range(1, 6)] and recorded["without_history"] == ["UP2005"]
    assert (tmp_path / "UP2001.html").exists()


@pytest.mark.slow
def test_transcript_notes_notebook(bundled_enriched: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mentortrack.cli import app
    from mentortrack.paths import package_data

    files = sorted(str(p) for p in package_data("transcripts").iterdir() if p.suffix in {".vtt", ".srt", ".txt"})
    assert CliRunner().invoke(app, ["notes", *files, "--out", str(tmp_path / "notes")]).exit_code == 0
    run("09_transcript_notes", tmp_path, notes_dir=str(tmp_path / "notes"), enriched_path=str(bundled_enriched),
        output_dir=str(tmp_path))
    recorded = values(tmp_path, "09_transcript_notes")
    assert recorded["transcripts"] == 3 and recorded["matched"] == 3 and recorded["action_items"] >= 8


@pytest.mark.slow
def test_followups_notebook(bundled_enriched: Path, tmp_path: Path) -> None:
    run("10_followups", tmp_path, enriched_path=str(bundled_enriched), as_of="2025-10-31", output_dir=str(tmp_path))
    recorded = values(tmp_path, "10_followups")
    queue = pd.read_csv(tmp_path / "followup_queue.csv")
    assert recorded["queue"] == len(queue) > 0 and recorded["red_first"] == int((queue["priority"] == 1).sum())
    assert len(list((tmp_path / "invites").glob("*.ics"))) == len(queue)
    assert recorded["mails"] > 0 and recorded["missing_addresses"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.stem[:2].isdigit()], ids=lambda p: p.name)
def test_every_notebook_runs_on_its_own_after_make_analyze(path: Path, bundled_enriched: Path, tmp_path: Path) -> None:
    """Opened by hand with its default parameters: only ``outputs/enriched.parquet`` exists (``make analyze``)."""
    import shutil

    folder = tmp_path / "notebooks"
    folder.mkdir()
    (tmp_path / "outputs").mkdir()
    shutil.copy(bundled_enriched, tmp_path / "outputs" / "enriched.parquet")
    out = folder / path.name
    pm.execute_notebook(str(path), str(out), kernel_name="mentortrack", progress_bar=False, cwd=str(folder))
    cells = nbformat.read(out, as_version=4).cells
    outputs = [o for c in cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = " ".join(str(o.get("data", {}).get("text/markdown", "")) for o in outputs)
    if path.stem == "01_data_quality":
        assert "load_report_path" in shown
    if path.stem == "09_transcript_notes":
        assert "run `make notes`" in shown
