"""Read and validate the YAML parameter files into one typed, frozen :class:`Settings` record.

The defaults ship with the package; a project's own ``parameters/<name>.yaml`` (or
the folder given with ``--parameters``) overrides them key by key: a file holding only
``workers: 2`` changes that one setting. Each file has a pydantic model below; a wrong
type or an unknown key ends in a :class:`ParameterError` naming the file, the key and
what was expected ("parameters/report.yaml: workers: expected a whole number, got
'four'").

Where the defaults live: in the shipped YAML files only (``parameters/`` of a checkout,
``mentortrack/resources/parameters`` of the wheel). The models declare types and bounds
and give no default of their own: every field is required, so a setting missing from
the shipped files is an error, not a second, silent default (the exceptions say what a
rule or theme does not use: a rule's thresholds in :class:`Rule` are None where unused, and
a theme's ``cues``, ``exceptions`` and own ``threshold`` in :class:`ThemeEntry` are empty
or None, so a program manager adds a theme with a label, a description and examples).

How settings flow: a command calls :func:`load_settings` once (the CLI before it loads
any data, from ``--parameters DIR`` or the project's ``parameters/``) and passes the
:class:`Settings`, or the part a function needs (``settings.warnings.health``), down as
an argument. A report run passes the parameters folder to its notebooks as the
papermill parameter ``parameters_dir``; each notebook builds its settings from it with
the same call. No library function reads a file of settings itself, and no environment
variable carries them. Files are read when asked for, never at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mentortrack.errors import MentortrackError
from mentortrack.paths import default_parameters_dir, user_parameters_dir

MAX_COUNT = 1_000_000
"""Largest session count, limit or batch any setting may ask for."""
MAX_DAYS = 3660
"""Longest span in days any setting may ask for (ten years)."""
MAX_MONTHS = 120
"""Longest window or trend in months any setting may ask for (ten years)."""
WORKING_DAY_END = 18
"""Local hour by which every proposed follow-up call must end."""
YAML_LIMIT_BYTES = 1 << 20
"""Largest parameter file read (1 MiB); the shipped ones are a few KiB."""
YAML_LIMIT_NODES = 100_000
"""Most YAML nodes a parameter file may expand to (aliases counted at every use: no alias bomb)."""


def check_timezone(name: str) -> str:
    """``name`` if the IANA time-zone database knows it (``Asia/Kolkata``), else a ValueError saying so."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(f"an IANA time zone such as Asia/Kolkata or Europe/Berlin, got {name!r}") from err
    return name


class ParameterError(MentortrackError, ValueError):
    """A parameter file is missing, not YAML, or has a wrong value; the message names file and key."""


class _Strict(BaseModel):
    """A settings model: unknown keys refused, values frozen once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NotebookEntry(_Strict):
    name: str
    title: str
    description: str


class Targets(_Strict):
    """Satisfaction targets judged on the tiles, charts and mentor pages."""

    avg_rating: float = Field(ge=1, le=5)
    positive_feedback_rate: float = Field(ge=0, le=1)
    min_n: int = Field(ge=1)


class ReportSettings(_Strict):
    title: str
    notebooks: list[NotebookEntry] = Field(min_length=1)
    dashboard_kpis: list[str]
    kpi_tiles: list[str]
    red_list_limit: int = Field(gt=0, le=MAX_COUNT)
    compare_min_sessions: int = Field(ge=0, le=MAX_COUNT)
    workers: int = Field(gt=0, le=64)
    kernel: str
    targets: Targets


class Rule(_Strict):
    """One early-warning rule; the thresholds a rule does not use are None."""

    level: Literal["amber", "red"]
    statuses: list[Literal["Completed", "No-show", "Cancelled", "Rescheduled"]] = Field(min_length=1)
    reason: str
    below: float | None = Field(default=None, ge=1, le=6)
    flags: list[str] | None = None
    min_no_shows: int | None = Field(default=None, gt=0, le=MAX_COUNT)
    min_rate: float | None = Field(default=None, ge=0, le=1)
    min_sessions: int | None = Field(default=None, ge=0, le=MAX_COUNT)


class MentorRanking(_Strict):
    window_months: int = Field(gt=0, le=MAX_MONTHS)
    min_sessions: int = Field(ge=0, le=MAX_COUNT)
    bottom_n: int = Field(gt=0, le=MAX_COUNT)


class HealthWeights(_Strict):
    rating: float = Field(ge=0)
    positive_feedback: float = Field(ge=0)
    follow_up: float = Field(ge=0)
    action_items: float = Field(ge=0)
    prep: float = Field(ge=0)
    kept_sessions: float = Field(ge=0)
    learner_attendance: float = Field(ge=0)


class HealthSettings(_Strict):
    threshold: float = Field(ge=0, le=100)
    min_sessions: int = Field(ge=1, le=MAX_COUNT)
    prior_sessions: float = Field(ge=0, le=MAX_COUNT)
    trend_months: int = Field(gt=0, le=MAX_MONTHS)
    weights: HealthWeights


class EngagementSettings(_Strict):
    quiet_days: int = Field(ge=1, le=MAX_DAYS)
    lookback_days: int = Field(ge=1, le=MAX_DAYS)
    bad_rating_below: float = Field(gt=1, le=6)


class PairSettings(_Strict):
    min_sessions: int = Field(ge=1)
    window_days: int = Field(ge=1)
    no_shows_in_a_row: int = Field(ge=1)
    rating_drop: float = Field(gt=0, le=4)
    quiet_days: int = Field(ge=1)
    bad_rating_below: float = Field(gt=1, le=6)


class WarningSettings(_Strict):
    rules: dict[str, Rule]
    mentors: MentorRanking
    health: HealthSettings
    engagement: EngagementSettings
    pairs: PairSettings


class SentimentSettings(_Strict):
    model: Literal["minilm-finetuned", "static-linear"]


class KeywordSettings(_Strict):
    encoder: Literal["static", "minilm"]
    top_n: int = Field(gt=0, le=100)
    use_mmr: bool
    diversity: float = Field(ge=0, le=1)
    batch_size: int = Field(gt=0, le=4096)


class ThemeSettings(_Strict):
    top_n: int = Field(gt=0, le=100)


class NlpSettings(_Strict):
    sentiment: SentimentSettings
    keywords: KeywordSettings
    themes: ThemeSettings


class ThemeEntry(_Strict):
    label: str = Field(min_length=1)
    description: str = Field(min_length=1)
    examples: list[str] = Field(min_length=1)
    cues: list[str] = []
    exceptions: list[str] = []
    threshold: float | None = Field(default=None, gt=0, lt=1)


class ThemeTaxonomy(_Strict):
    threshold: float = Field(gt=0, lt=1)
    max_themes: int = Field(gt=0)
    margin: float = Field(ge=0, le=1)
    cue_bonus: float = Field(ge=0, le=1)
    other_examples: list[str]
    themes: dict[str, ThemeEntry] = Field(min_length=1)

    @field_validator("themes")
    @classmethod
    def _other_is_reserved(cls, themes: dict[str, ThemeEntry]) -> dict[str, ThemeEntry]:
        labels = [t.label.strip().lower() for t in themes.values()]
        if "other" in labels or "other" in themes:
            raise ValueError("'other' is what feedback below the threshold gets; name the theme otherwise")
        if len(set(labels)) < len(labels):
            raise ValueError("two themes have the same label")
        return themes


class AgendaType(_Strict):
    goal: str
    mentor_checklist: list[str]
    learner_checklist: list[str]


class AgendaSettings(_Strict):
    recent_sessions: int = Field(ge=0, le=100)
    mentor_window_days: int = Field(gt=0, le=MAX_DAYS)
    topics: int = Field(gt=0, le=100)
    default: AgendaType
    types: dict[str, AgendaType]


class FollowupSettings(_Strict):
    window_days: int = Field(gt=0, le=MAX_DAYS)
    low_rating_below: float = Field(ge=1, le=6)
    slot_hour: int = Field(ge=0, lt=WORKING_DAY_END)
    slot_minutes: int = Field(ge=5, le=8 * 60)
    first_slot_after_days: int = Field(ge=0, le=366)

    @model_validator(mode="after")
    def _ends_within_the_working_day(self) -> FollowupSettings:
        if self.slot_hour * 60 + self.slot_minutes > WORKING_DAY_END * 60:
            raise ValueError(f"slot_hour and slot_minutes such that the first call ends by {WORKING_DAY_END}:00, "
                             f"got {self.slot_hour}:00 + {self.slot_minutes} min")
        return self


class ReminderSettings(_Strict):
    days: list[int] = Field(min_length=1, max_length=20)
    catch_up_days: int = Field(ge=1, le=366)

    @field_validator("days")
    @classmethod
    def _days_after_the_session(cls, days: list[int]) -> list[int]:
        if any(not 1 <= d <= 366 for d in days):
            raise ValueError(f"days from 1 to 366 after the session, got {days}")
        return days


class DigestSettings(_Strict):
    to: str
    report_url: str
    """Where the reports are published for the program manager (``https://…/reports``); the digest
    links ``<report_url>/<YYYY-MM>/index.html`` and says there is no link when it is empty."""

    @field_validator("report_url")
    @classmethod
    def _web_address(cls, url: str) -> str:
        if url and not url.startswith(("https://", "http://")):
            raise ValueError(f"an https:// address (or empty), got {url!r}")
        return url.rstrip("/")


class AlertSettings(_Strict):
    window_hours: int = Field(gt=0, le=24 * 31)


class NudgeSettings(_Strict):
    days: list[int] = Field(min_length=1)
    window_days: int = Field(ge=1)


class WebhookSettings(_Strict):
    url: str
    url_env: str
    service: Literal["auto", "slack", "teams"]
    timeout: float = Field(gt=0)
    retries: int = Field(ge=0, le=20)
    retry_wait: float = Field(ge=0)


class SmtpSettings(_Strict):
    host: str
    port: int = Field(gt=0, lt=65536)
    starttls: bool
    timeout: float = Field(gt=0, le=600)
    user: str
    password_env: str
    retries: int = Field(ge=0, le=20)
    retry_wait: float = Field(ge=0, le=3600)


class EmailSettings(_Strict):
    from_address: str
    subject_prefix: str
    smtp: SmtpSettings


class LifecycleSettings(_Strict):
    timezone: str
    """The program's time zone: export timestamps with a zone are converted to it; invites are in it."""
    agenda: AgendaSettings
    followups: FollowupSettings
    reminders: ReminderSettings
    digest: DigestSettings
    alerts: AlertSettings
    email: EmailSettings
    nudges: NudgeSettings
    webhooks: WebhookSettings

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        return check_timezone(name)


class SafeguardingNegation(_Strict):
    window: int = Field(ge=0)
    cues: list[str] = Field(min_length=1)
    not_negating: list[str]
    clause_breaks: list[str]
    after: list[str]


class SafeguardingCategory(_Strict):
    label: str
    terms: list[str] = Field(min_length=1)


class SafeguardingSettings(_Strict):
    max_gap: int = Field(ge=0)
    negation: SafeguardingNegation
    categories: dict[str, SafeguardingCategory] = Field(min_length=1)


class Settings(_Strict):
    """Every parameter file, validated: what a command loads once (:func:`load_settings`) and passes down."""

    report: ReportSettings
    warnings: WarningSettings
    nlp: NlpSettings
    lifecycle: LifecycleSettings
    themes: ThemeTaxonomy
    safeguarding: SafeguardingSettings


MODELS: dict[str, type[BaseModel]] = {name: field.annotation for name, field in Settings.model_fields.items()}
"""The model of each parameter file, by file name: the fields of :class:`Settings`, the one place the files
are named (``report`` is ``parameters/report.yaml``, validated by :class:`ReportSettings`)."""
PARAMETER_FILES = tuple(MODELS)
"""The parameter files' names, in the order of :class:`Settings`."""

_EXPECTED = {"int_parsing": "a whole number", "int_type": "a whole number", "float_parsing": "a number",
             "float_type": "a number", "bool_parsing": "true or false", "bool_type": "true or false",
             "string_type": "text", "list_type": "a list", "dict_type": "a mapping of keys to values",
             "missing": "a value (the key is missing)", "extra_forbidden": "no such setting (is it misspelt?)"}


_SECRET_WORDS = ("password", "secret", "token", "url", "webhook", "key", "credential")
"""A setting whose key holds one of these words may hold a secret (an SMTP password typed into the YAML, a
webhook URL): an error names its key, never its value."""


def _describe(err: ValidationError) -> str:
    """One line naming the first wrong key and what it expected; the value is shown only for a known
    setting whose name does not suggest a secret (an unknown key's value is never echoed: a password
    under a misspelt or unsupported key would reach the terminal and a cron log)."""
    errors = sorted(err.errors(), key=lambda e: e["type"] != "extra_forbidden")
    first = errors[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    secret = first["type"] == "extra_forbidden" or any(word in key.lower() for word in _SECRET_WORDS)
    expected = _EXPECTED.get(first["type"], first["msg"].lower())
    got = first.get("input")
    shown = "" if secret or first["type"] in ("missing",) or isinstance(got, dict) else f", got {got!r}"
    if first["type"] == "value_error":  # the suite's own checks say what they expected and what they got
        said = str(first.get("ctx", {}).get("error", first["msg"]))
        expected, shown = (said.split(", got ", 1)[0] if secret else said), ""
    more = f" (and {len(err.errors()) - 1} more)" if len(err.errors()) > 1 else ""
    return f"{key}: expected {expected}{shown}{more}"


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values ``node`` stands for once every alias is expanded (memoised: linear time)."""
    if id(node) not in sizes:
        children = node.value if isinstance(node.value, list) else []
        parts = [part for child in children for part in (child if isinstance(child, tuple) else (child,))]
        sizes[id(node)] = 1 + sum(_expanded_size(part, sizes) for part in parts)
    return sizes[id(node)]


def _safe_yaml(text: str) -> Any:
    """YAML read with the safe loader (no Python objects), refused when the document expands to more than
    :data:`YAML_LIMIT_NODES` values: an alias counts at every place it is used, so a "billion laughs"
    file is one error instead of filling memory when the settings are checked."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, {}) > YAML_LIMIT_NODES:
            raise yaml.YAMLError(f"expands to more than {YAML_LIMIT_NODES:,} values (aliases repeated?)")
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _read(file: Path) -> dict[str, Any]:
    if file.stat().st_size > YAML_LIMIT_BYTES:
        raise ParameterError(f"{file}: larger than {YAML_LIMIT_BYTES // 1024} KiB; a parameter file holds settings")
    try:
        data = _safe_yaml(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ParameterError(f"{file}: not valid YAML{where}: {getattr(err, 'problem', err)}") from err
    if not isinstance(data, dict):
        raise ParameterError(f"{file}: expected keys and values at the top level, got {type(data).__name__}")
    return data


def merge(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """``defaults`` with ``overrides`` applied key by key (mappings merged, other values replaced)."""
    merged = dict(defaults)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def parameter_file(name: str, folder: str | Path | None = None) -> Path | None:
    """The file overriding the defaults of ``name``: ``folder`` itself if it is a YAML file, else
    ``<folder>/<name>.yaml``, else ``<name>.yaml`` in the user's parameters folder; None when there is none."""
    if folder is not None and Path(folder).suffix in {".yaml", ".yml"}:
        return Path(folder)
    base = Path(folder) if folder is not None else user_parameters_dir()
    candidate = base / f"{name}.yaml" if base is not None else None
    return candidate if candidate is not None and candidate.is_file() else None


def load_parameters(name: str, folder: str | Path | None = None) -> BaseModel:
    """The validated settings of one file ``<name>``: shipped defaults overridden key by key by the user's file.

    ``folder`` names the overriding folder (or file); None means the project's ``parameters/``
    folder when there is one (:func:`mentortrack.paths.user_parameters_dir`).

    Raises:
        ParameterError: a file is missing, not YAML, or the merged settings break the model.
    """
    model = MODELS.get(name)
    if model is None:
        raise ParameterError(f"no parameter file {name!r}; the files are {', '.join(PARAMETER_FILES)}")
    default = default_parameters_dir() / f"{name}.yaml"
    if not default.is_file():
        raise ParameterError(f"default parameter file {default} is missing from the installed package")
    data = _read(default)
    override = parameter_file(name, folder)
    if override is not None and not override.is_file():
        raise ParameterError(f"parameter file {override} not found")
    source = default
    if override is not None and override.resolve() != default.resolve():
        data, source = merge(data, _read(override)), override
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise ParameterError(f"{source}: {_describe(err)}") from err


def load_settings(folder: str | Path | None = None) -> Settings:
    """Every parameter file validated into one :class:`Settings` (see :func:`load_parameters` for ``folder``).

    Raises:
        ParameterError: the first file that is missing, not YAML, or breaks its model.
    """
    return Settings.model_validate({name: load_parameters(name, folder) for name in PARAMETER_FILES})
