"""Committed notebooks are clean and parameterised; the exploratory notebook runs with widgets."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
import pytest

from mentortrack.explore import filter_sessions, options
from mentortrack.paths import notebooks_dir

NOTEBOOKS = sorted(notebooks_dir().glob("*.ipynb"))


def test_there_are_report_notebooks_and_explore() -> None:
    names = [p.stem for p in NOTEBOOKS]
    assert "explore" in names and sum(n[:2].isdigit() for n in names) == 7


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


@pytest.mark.slow
def test_explore_notebook_runs_with_widgets(tiny_export: Path, tmp_path: Path) -> None:
    from mentortrack.enrich import enrich, write_table
    from mentortrack.load import load_sessions

    enriched = write_table(enrich(load_sessions(tiny_export).sessions), tmp_path / "enriched.parquet")
    out = tmp_path / "explore.ipynb"
    pm.execute_notebook(str(notebooks_dir() / "explore.ipynb"), str(out), parameters={"enriched_path": str(enriched)},
                        kernel_name="mentortrack", progress_bar=False, cwd=str(tmp_path))
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
