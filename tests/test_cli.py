"""The command line and the Makefile as a user meets them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from conftest import row, write_csv
from typer.testing import CliRunner

from mentortrack.cli import app
from mentortrack.errors import InputError

REPO = Path(__file__).resolve().parent.parent

runner = CliRunner()


def test_validate_counts_and_quarantine_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [row(Session_ID="S1"), row(Session_ID="S1"), row(Session_ID="S2", Post_Session_Rating="7"),
                                          row(Session_ID="S3", Session_Status="Cancelled", Learner_Attended="Yes",
                                              Post_Session_Rating="", Learner_Feedback="", Actual_Duration_mins="0")])
    quarantine = tmp_path / "q.csv"
    result = runner.invoke(app, ["validate", str(path), "--quarantine", str(quarantine), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("rows_read", "valid", "quarantined", "duplicates")} == \
        {"rows_read": 4, "valid": 2, "quarantined": 1, "duplicates": 1}
    assert data["warnings"] == {"attendance_contradicts_status": 1}
    assert "rating outside 1–5 '7'" in quarantine.read_text()


def test_validate_text_names_file_row_and_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [row(Session_ID="S1"), row(Session_ID="S2", Session_Status="Done?")])
    result = runner.invoke(app, ["validate", str(path), "--quarantine", str(tmp_path / "q.csv")])
    assert result.exit_code == 0
    assert f"{path}, row 3, column Session_Status: unknown status" in result.stdout


def test_validate_unusable_file_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {path}: the file is empty."


def test_validate_never_overwrites_the_file_it_checks(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    path = write_csv(tmp_path / "quarantine.csv", [row(Session_ID="S1"), row(Session_ID="S2", Post_Session_Rating="7")])
    before = path.read_bytes()
    result = runner.invoke(app, ["validate", str(path), "--quarantine", str(path)])
    assert result.exit_code == 2 and "is the file being checked" in result.stderr and path.read_bytes() == before
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0 and path.read_bytes() == before
    written = (tmp_path / "quarantine.quarantine.csv").read_text().splitlines()
    assert len(written) == 2 and "S2" in written[1] and "quarantine file: quarantine.quarantine.csv" in result.stdout


def test_validate_no_usable_row_exits_2(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [row(Session_ID="")])
    result = runner.invoke(app, ["validate", str(path), "--quarantine", str(tmp_path / "q.csv")])
    assert result.exit_code == 2 and "no usable session rows" in result.stderr


def test_validate_bundled_sample_by_default(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", "--json", "--quarantine", str(tmp_path / "q.csv")])
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["rows_read"] == data["valid"] + data["quarantined"] + data["duplicates"]
    assert 1900 <= data["valid"] <= 2100


def test_sample_command_is_seeded(tmp_path: Path) -> None:
    for name in ("a.csv", "b.csv"):
        assert runner.invoke(app, ["sample", "--rows", "50", "--seed", "4", "--out", str(tmp_path / name)]).exit_code == 0
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()


def test_kpis_rejects_unknown_grouping() -> None:
    result = runner.invoke(app, ["kpis", "--by", "weather"])
    assert result.exit_code != 0 and "age_cohort" in result.output and "quarter" in result.output


def test_make_help_lists_every_target() -> None:
    out = subprocess.run(["make", "help"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    targets = [line.split()[1] for line in out.splitlines() if line.strip().startswith("make ")]
    for target in ("help", "setup", "report", "test", "validate", "analyze", "eval", "lab", "bench-report"):
        assert target in targets
    makefile = (REPO / "Makefile").read_text()
    declared = {line.split(":")[0] for line in makefile.splitlines()
                if ":" in line and " ## " in line and not line.startswith(("\t", " ")) and "?=" not in line}
    assert declared == set(targets)


def test_kpis_by_every_category_and_period() -> None:
    for by in ("batch", "age_cohort", "quarter", "year", "program", "session_type", "mentor", "month"):
        result = runner.invoke(app, ["kpis", "--by", by, "--json"])
        assert result.exit_code == 0, (by, result.output)
        table = json.loads(result.stdout)
        assert sum(v["total_sessions"] for v in table.values()) <= 1991 and len(table) >= 2
    years = json.loads(runner.invoke(app, ["kpis", "--by", "year", "--json"]).stdout)
    assert set(years) == {"2024", "2025"} and sum(v["total_sessions"] for v in years.values()) == 1991


def test_a_bad_parameter_file_is_one_line_naming_file_and_key(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import shutil

    shutil.copytree(REPO / "parameters", tmp_path / "parameters")
    report = tmp_path / "parameters" / "report.yaml"
    report.write_text(report.read_text().replace("workers: 4", "workers: four"))
    monkeypatch.setenv("MENTORTRACK_ROOT", str(tmp_path))
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {report}: workers: expected a whole number, got 'four'"


def test_report_refuses_a_bad_month_before_loading(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--month", "2025-13", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "is not a month" in result.stderr
    assert not (tmp_path / "out").exists()


def test_make_help_documents_every_variable_a_target_reads() -> None:
    import re

    out = subprocess.run(["make", "help"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    documented = {line.split()[0] for line in out.split("variables")[1].splitlines()[1:] if line.strip()}
    recipes = "\n".join(line for line in (REPO / "Makefile").read_text().splitlines() if line.startswith("\t"))
    used = set(re.findall(r"\$\(([A-Z_]+)\)", recipes)) - {"BIN", "TORCH", "STAMP", "MAKEFILE_LIST"}
    assert used <= documented, f"variables read by targets but not listed by make help: {used - documented}"


def test_version() -> None:
    from mentortrack import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"mentortrack {__version__}"


def test_validate_prints_the_months_covered_with_their_sessions(tmp_path: Path) -> None:
    rows = [row(Session_ID="SS1", Session_Date="2025-09-08"), row(Session_ID="SS2", Session_Date="2025-09-30"),
            row(Session_ID="SS3", Session_Date="2025-10-03"), row(Session_ID="SS4", Session_Date="not a date")]
    path = write_csv(tmp_path / "s.csv", rows)
    shown = runner.invoke(app, ["validate", str(path), "--json", "--quarantine", str(tmp_path / "q.csv")])
    report = json.loads(shown.stdout)
    assert report["months"] == {"2025-09": 2, "2025-10": 1}, "quarantined rows are not counted"
    assert report["first_session"] == "2025-09-08" and report["last_session"] == "2025-10-03"
    text = runner.invoke(app, ["validate", str(path), "--quarantine", str(tmp_path / "q.csv")]).stdout
    assert "months        2 (2025-09-08 to 2025-10-03)" in text
    assert "2025-09     2 sessions\n" in text and "2025-10     1 session (through 2025-10-03)" in text


def test_help_shows_switches_as_flags() -> None:
    import re

    for command in (["report", "--help"], ["validate", "--help"], ["--help"]):
        text = runner.invoke(app, command, env={"COLUMNS": "160"}).stdout
        assert "<bool>" not in text, command
    text = runner.invoke(app, ["report", "--help"], env={"COLUMNS": "160"}).stdout
    assert re.search(r"--pdf\s+Also print", text) and re.search(r"--month\s+<str>", text)


def test_analyze_refuses_a_suffix_it_cannot_write(tmp_path: Path) -> None:
    from mentortrack.reports.storage import write_table

    with pytest.raises(InputError, match=r"x\.xlsx: the enriched table is written as \.parquet or \.csv, not \.xlsx"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()
