"""Typed settings: loaded once into one frozen record, defaults only in the shipped YAML, passed down explicitly."""

from __future__ import annotations

import json
import os
import re
import shutil
import typing
from pathlib import Path

import pandas as pd
import pydantic
import pytest
from conftest import SETTINGS, enriched, row
from typer.testing import CliRunner

from mentortrack.cli import app
from mentortrack.config import (
    MODELS,
    PARAMETER_FILES,
    ParameterError,
    ReportSettings,
    Rule,
    Settings,
    ThemeEntry,
    ThemeTaxonomy,
    load_parameters,
    load_settings,
)
from mentortrack.paths import default_parameters_dir

REPO = Path(__file__).resolve().parents[1]
OPTIONAL = ({(Rule, name) for name in ("below", "flags", "min_no_shows", "min_rate", "min_sessions")}
            | {(ThemeEntry, name) for name in ("cues", "exceptions", "threshold")})
"""The only fields with a default: a rule's thresholds, None for the rules that do not use them."""


def _models(model: type[pydantic.BaseModel]) -> list[type[pydantic.BaseModel]]:
    """``model`` and every settings model its fields hold (in lists, mappings and optionals too)."""
    found = [model]

    def visit(annotation: object) -> None:
        if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
            if annotation not in found:
                found.extend(m for m in _models(annotation) if m not in found)
            return
        for part in typing.get_args(annotation):
            visit(part)

    for field in model.model_fields.values():
        visit(field.annotation)
    return found


def test_every_setting_is_required_so_its_default_lives_in_the_shipped_files_only() -> None:
    models = _models(Settings)
    assert len(models) > 25
    defaulted = {(m, name) for m in models for name, field in m.model_fields.items() if not field.is_required()}
    assert defaulted == OPTIONAL
    assert all(m.model_config.get("extra") == "forbid" and m.model_config.get("frozen") for m in models)


def test_the_shipped_files_are_the_settings_and_the_record_is_frozen() -> None:
    assert PARAMETER_FILES == ("report", "warnings", "nlp", "lifecycle", "themes", "safeguarding")
    assert sorted(f"{name}.yaml" for name in PARAMETER_FILES) == sorted(
        p.name for p in default_parameters_dir().glob("*.yaml"))
    assert MODELS["report"] is ReportSettings and MODELS["themes"] is ThemeTaxonomy
    loaded = load_settings(default_parameters_dir())
    assert loaded == SETTINGS and loaded.lifecycle.timezone == "Asia/Kolkata"
    assert loaded.report == load_parameters("report", default_parameters_dir())
    with pytest.raises(pydantic.ValidationError):
        loaded.report.workers = 1  # type: ignore[misc]


def test_an_unknown_lifecycle_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "lifecycle.yaml").write_text("digest_to: pm@example.org\n")
    with pytest.raises(ParameterError, match=r"lifecycle.yaml: digest_to: expected no such setting \(is it misspelt\?\)"):
        load_settings(tmp_path)


def _pairs_history(tmp_path: Path) -> Path:
    """An enriched export (the CLI reads it as is) with one mentor-learner pair."""
    from mentortrack.reports.storage import write_table

    rows = [row(Session_ID=f"S{i}", Session_Date=f"2025-09-0{i}", Learner_ID="L1") for i in range(1, 4)]
    return write_table(enriched(tmp_path, rows, ["Positive"] * 3, [None] * 3), tmp_path / "enriched.parquet")


def test_the_parameters_option_reaches_the_library_without_an_environment_variable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mentortrack.analytics import pairs

    folder = tmp_path / "parameters"
    folder.mkdir()
    (folder / "warnings.yaml").write_text("pairs:\n  window_days: 7\n")
    seen: dict[str, object] = {}
    original = pairs.pair_status

    def watched(*args: object) -> pd.DataFrame:
        seen["window_days"] = args[2].window_days  # type: ignore[attr-defined]
        seen["environment"] = {k for k in os.environ if k.startswith("MENTORTRACK_PARAMETERS")}
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(pairs, "pair_status", watched)
    monkeypatch.delenv("MENTORTRACK_PARAMETERS", raising=False)
    history = _pairs_history(tmp_path)
    result = CliRunner().invoke(app, ["--parameters", str(folder), "kpis", str(history), "--by", "pair"])
    assert result.exit_code == 0, result.output
    assert "with a session in the 7 days to 2025-09-03" in result.stdout
    assert seen == {"window_days": 7, "environment": set()}
    assert "MENTORTRACK_PARAMETERS" not in os.environ
    shipped = CliRunner().invoke(app, ["kpis", str(history), "--by", "pair", "--json"])
    assert shipped.exit_code == 0 and seen["window_days"] == SETTINGS.warnings.pairs.window_days == 90


def test_a_misspelt_key_in_the_parameters_folder_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "parameters"
    folder.mkdir()
    (folder / "warnings.yaml").write_text("pairs:\n  window_dayz: 7\n")
    result = CliRunner().invoke(app, ["--parameters", str(folder), "validate", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"error: {folder.resolve() / 'warnings.yaml'}: pairs.window_dayz: expected no "
                                     "such setting (is it misspelt?)")


@pytest.mark.parametrize(("yaml_text", "said"), [
    ("email:\n  smtp:\n    password: SECRET-PW-123\n", "email.smtp.password: expected no such setting (is it misspelt?)"),
    ("webhooks:\n  ur1: https://hooks.example/SECRET\n", "webhooks.ur1: expected no such setting (is it misspelt?)"),
    ("webhooks:\n  url: [https://hooks.example/SECRET]\n", "webhooks.url: expected text"),
    ("digest:\n  report_url: ftp://SECRET.example/r\n", "digest.report_url: expected an https:// address (or empty)"),
])
def test_a_wrong_setting_that_may_hold_a_secret_is_named_never_echoed(tmp_path: Path, yaml_text: str,
                                                                       said: str) -> None:
    (tmp_path / "lifecycle.yaml").write_text(yaml_text)
    with pytest.raises(ParameterError) as raised:
        load_settings(tmp_path)
    assert str(raised.value).endswith(said) and "SECRET" not in str(raised.value)


def test_a_wrong_ordinary_setting_still_shows_its_value(tmp_path: Path) -> None:
    (tmp_path / "lifecycle.yaml").write_text("followups:\n  window_days: many\n")
    with pytest.raises(ParameterError, match=r"followups.window_days: expected a whole number, got 'many'"):
        load_settings(tmp_path)


def test_the_report_passes_its_parameters_folder_to_every_notebook(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import papermill

    from mentortrack.errors import ReportError
    from mentortrack.reports import notebook_run

    given: dict[str, object] = {}

    def stop(source: str, target: str, parameters: dict[str, object], **kwargs: object) -> None:
        given.update(parameters)
        raise papermill.PapermillExecutionError(0, 1, "stopped", "Stop", "stopped by the test", [])

    monkeypatch.setattr(papermill, "execute_notebook", stop)
    with pytest.raises(ReportError, match="stopped by the test"):
        notebook_run.execute("07_dashboard", tmp_path, "2025-09", "sample", False, "python3",
                             parameters_dir=tmp_path / "parameters")
    assert given["parameters_dir"] == str(tmp_path / "parameters")
    with pytest.raises(ReportError):
        notebook_run.execute("07_dashboard", tmp_path, "2025-09", "sample", False, "python3")
    assert given["parameters_dir"] == ""


def test_the_fingerprint_changes_with_a_setting(tmp_path: Path) -> None:
    from mentortrack.reports.fingerprint import fingerprint

    data = tmp_path / "export.csv"
    data.write_text("x")
    stricter = SETTINGS.model_copy(update={"warnings": SETTINGS.warnings.model_copy(update={
        "health": SETTINGS.warnings.health.model_copy(update={"threshold": 50})})})
    assert fingerprint("d", data, "2025-09", False, SETTINGS) == fingerprint("d", data, "2025-09", False,
                                                                             load_settings(default_parameters_dir()))
    assert fingerprint("d", data, "2025-09", False, SETTINGS) != fingerprint("d", data, "2025-09", False, stricter)


LOADS = re.compile(r"\bload_(parameters|settings)\(")


def test_only_the_command_line_and_the_notebooks_load_settings() -> None:
    """No library function reads a settings file itself: the CLI loads them once and passes them down; a
    notebook opened by hand loads them once through its page; nothing looks a setting up by a string key."""
    package = REPO / "mentortrack"
    loading = sorted(p.relative_to(package).as_posix() for p in package.rglob("*.py")
                     if LOADS.search(p.read_text(encoding="utf-8")))
    # reports/pages/__init__.py: a notebook opened by hand (no run around it) loads its settings there, once
    assert loading == ["cli.py", "config.py", "reports/pages/__init__.py"]
    cli = (package / "cli.py").read_text(encoding="utf-8")
    assert len(LOADS.findall(cli)) == 1 and "os.environ[" not in cli
    for notebook in sorted((REPO / "notebooks").glob("*.ipynb")):
        code = "\n".join("".join(c["source"]) for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"]
                         if c["cell_type"] == "code")
        # a lifecycle notebook loads its settings once; a report notebook hands parameters_dir to its page,
        # which loads them only when the notebook is opened by hand
        calls = LOADS.findall(code)
        assert calls in ([], ["settings"]), notebook.name
        if calls:
            assert "parameters_dir" in code, notebook.name
        else:
            assert ("parameters_dir" in code) == ("parameters_dir=parameters_dir" in code), notebook.name
        assert not re.search(r"(settings|params|warning_params)\[[\"']", code), notebook.name


def test_a_project_folder_without_parameters_uses_the_shipped_defaults(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from mentortrack.paths import user_parameters_dir

    monkeypatch.setenv("MENTORTRACK_ROOT", str(tmp_path))
    assert user_parameters_dir() is None and load_settings(user_parameters_dir()) == SETTINGS
    shutil.copytree(default_parameters_dir(), tmp_path / "parameters")
    (tmp_path / "parameters" / "report.yaml").write_text("workers: 2\n")
    assert user_parameters_dir() == tmp_path / "parameters"
    assert load_settings(user_parameters_dir()).report.workers == 2
