"""Read and validate the YAML parameter files in ``parameters/`` (thresholds, rules, report settings).

Each file has a pydantic model below; a wrong type or an unknown key ends in a
:class:`ParameterError` naming the file, the key and what was expected
("parameters/report.yaml: workers: expected a whole number, got 'four'"). The CLI
checks every file before it loads any data. Files are read when a function asks for
them, never at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mentortrack.paths import parameters_dir

PARAMETER_FILES = ("report", "warnings", "nlp", "lifecycle")


class ParameterError(ValueError):
    """A parameter file is missing, not YAML, or has a wrong value; the message names file and key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NotebookEntry(_Strict):
    name: str
    title: str
    description: str = ""


class ReportSettings(_Strict):
    title: str
    notebooks: list[NotebookEntry] = Field(min_length=1)
    dashboard_kpis: list[str]
    kpi_tiles: list[str]
    red_list_limit: int = Field(gt=0)
    workers: int = Field(gt=0)
    kernel: str


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: Literal["amber", "red"]
    statuses: list[Literal["Completed", "No-show", "Cancelled", "Rescheduled"]] = Field(min_length=1)
    reason: str
    below: float | None = None
    flags: list[str] | None = None
    min_no_shows: int | None = Field(default=None, gt=0)
    min_rate: float | None = Field(default=None, ge=0, le=1)
    min_sessions: int | None = Field(default=None, ge=0)


class MentorRanking(_Strict):
    window_months: int = Field(gt=0)
    min_sessions: int = Field(ge=0)
    bottom_n: int = Field(gt=0)


class WarningSettings(_Strict):
    rules: dict[str, Rule]
    mentors: MentorRanking


class SentimentSettings(_Strict):
    model: Literal["minilm-finetuned", "static-linear"]


class KeywordSettings(_Strict):
    encoder: Literal["static", "minilm"] = "static"
    top_n: int = Field(gt=0)
    use_mmr: bool
    diversity: float = Field(ge=0, le=1)
    batch_size: int = Field(gt=0)


class ThemeSettings(_Strict):
    top_n: int = Field(gt=0)


class NlpSettings(_Strict):
    sentiment: SentimentSettings
    keywords: KeywordSettings
    themes: ThemeSettings


class AgendaType(_Strict):
    goal: str
    mentor_checklist: list[str]
    learner_checklist: list[str]


class AgendaSettings(_Strict):
    recent_sessions: int = Field(ge=0)
    mentor_window_days: int = Field(gt=0)
    topics: int = Field(gt=0)
    default: AgendaType
    types: dict[str, AgendaType]


class FollowupSettings(_Strict):
    window_days: int = Field(gt=0)
    low_rating_below: float
    slot_hour: int = Field(ge=0, le=23)
    slot_minutes: int = Field(gt=0)
    first_slot_after_days: int = Field(ge=0)
    timezone: str


class AlertSettings(_Strict):
    window_hours: int = Field(gt=0)


class SmtpSettings(_Strict):
    host: str
    port: int = Field(gt=0, lt=65536)
    starttls: bool
    timeout: float = Field(gt=0)
    user: str = ""
    password_env: str


class EmailSettings(_Strict):
    from_address: str
    subject_prefix: str
    smtp: SmtpSettings


class LifecycleSettings(BaseModel):
    model_config = ConfigDict(extra="allow")
    agenda: AgendaSettings
    followups: FollowupSettings
    alerts: AlertSettings
    email: EmailSettings


MODELS: dict[str, type[BaseModel]] = {"report": ReportSettings, "warnings": WarningSettings, "nlp": NlpSettings,
                                      "lifecycle": LifecycleSettings}

_EXPECTED = {"int_parsing": "a whole number", "int_type": "a whole number", "float_parsing": "a number",
             "float_type": "a number", "bool_parsing": "true or false", "bool_type": "true or false",
             "string_type": "text", "list_type": "a list", "dict_type": "a mapping of keys to values",
             "missing": "a value (the key is missing)", "extra_forbidden": "no such setting (is it misspelt?)"}


def _describe(err: ValidationError) -> str:
    errors = sorted(err.errors(), key=lambda e: e["type"] != "extra_forbidden")
    first = errors[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    expected = _EXPECTED.get(first["type"], first["msg"].lower())
    got = first.get("input")
    shown = "" if first["type"] in ("missing",) or isinstance(got, dict) else f", got {got!r}"
    more = f" (and {len(err.errors()) - 1} more)" if len(err.errors()) > 1 else ""
    return f"{key}: expected {expected}{shown}{more}"


def parameter_file(name: str, path: str | Path | None = None) -> Path:
    """``parameters/<name>.yaml`` (or ``path``)."""
    return Path(path) if path is not None else parameters_dir() / f"{name}.yaml"


def load_parameters(name: str, path: str | Path | None = None) -> dict[str, Any]:
    """The validated ``parameters/<name>.yaml``, or the file at ``path`` if given, as plain data.

    Raises:
        ParameterError: the file is missing, not YAML, or breaks its model.
    """
    file = parameter_file(name, path)
    if not file.exists():
        raise ParameterError(f"parameter file {file} not found (set MENTORTRACK_ROOT to the mentortrack checkout)")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ParameterError(f"{file}: not valid YAML{where}: {getattr(err, 'problem', err)}") from err
    model = MODELS.get(name)
    if model is None:
        return data
    try:
        model.model_validate(data)
    except ValidationError as err:
        raise ParameterError(f"{file}: {_describe(err)}") from err
    return data


def check_all() -> None:
    """Validate every parameter file (raises :class:`ParameterError` on the first problem)."""
    for name in PARAMETER_FILES:
        load_parameters(name)
