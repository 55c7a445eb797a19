"""Pre-session agendas and checklists, built from the learner's and mentor's history.

For each booked session: the goal for its session type, what happened with this
learner before (last summaries, sessions without documented action items or
follow-up, low-rated or negative sessions, repeated no-shows), what this
mentor's recent learners complained about, recommended topics (the keywords of the
learner's own feedback on this mentor first, then what learners of that session
type most often found lacking), and mentor/learner checklists for the type. A learner with no
history gets the type's default agenda, said plainly. Output is deterministic:
the same inputs give byte-identical Markdown and HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import jinja2
import pandas as pd

from mentortrack.analytics.keywords import SEPARATOR, top_keywords
from mentortrack.analytics.kpis import format_rating
from mentortrack.config import AgendaSettings, AgendaType
from mentortrack.contract.load import LoadError, map_headers, read_raw
from mentortrack.contract.parse import parse_column
from mentortrack.contract.schema import COLUMN_BY_NAME
from mentortrack.contract.text import spelling_key
from mentortrack.reports.escape import markdown_text
from mentortrack.safe_paths import inside, safe_name, writing
from mentortrack.wording import clock

UPCOMING_COLUMNS = ("session_id", "session_date", "session_time", "program", "learner_id", "learner_name",
                    "learner_email", "mentor_name", "session_type", "scheduled_duration_mins")
UPCOMING_REQUIRED = ("session_id", "session_date", "mentor_name", "session_type")


class Booked(NamedTuple):
    """Booked sessions read from a file: the usable rows and, one line per problem, the rows left out."""

    sessions: pd.DataFrame
    skipped: list[str]


def load_upcoming(path: str | Path) -> Booked:
    """Booked sessions (export column names; ID, date, mentor and type required).

    A row with an unreadable value or a missing required one is left out, never the whole file: it is
    listed in ``skipped`` as ``row N, column C: reason`` (the file's row numbers, header = row 1), and
    the other rows get their agendas.

    Raises:
        LoadError: the file is unreadable, lacks a required column or holds no usable row.
    """
    path = Path(path)
    raw, unread, first_row, _ = read_raw(path)
    raw, _ = map_headers(raw, str(path), UPCOMING_REQUIRED)
    frame = pd.DataFrame(index=raw.index)
    problems: list[tuple[int, str]] = [(row - first_row, f"column {column}: {reason}") for row, column, reason in unread]
    for name in UPCOMING_COLUMNS:
        column = COLUMN_BY_NAME[name]
        if name not in raw:
            frame[name] = pd.Series(pd.NA, index=raw.index, dtype="string")
            continue
        parsed = parse_column(raw[name].fillna("").astype(str), column)
        frame[name] = parsed.values
        problems += [(i, f"column {column.export_name}: {reason}") for i, reason in parsed.errors.dropna().items()]
        if name in UPCOMING_REQUIRED:
            problems += [(i, f"column {column.export_name}: missing value")
                         for i in frame.index[frame[name].isna() & parsed.errors.isna()]]
    skipped = [f"row {i + first_row}, {text}" for i, text in sorted(problems)]
    usable = frame.drop(index=[i for i, _ in problems], errors="ignore")
    if usable.empty:
        listed = "; ".join(skipped[:5]) + (f" (and {len(skipped) - 5} more)" if len(skipped) > 5 else "")
        raise LoadError(f"{path}: no usable booked session" + (f": {listed}" if listed else ""))
    return Booked(usable.sort_values(["session_date", "session_time", "session_id"], na_position="last")
                  .reset_index(drop=True), skipped)


@dataclass
class Agenda:
    """Everything one agenda says (rendered by the Markdown and HTML templates)."""

    session: dict[str, Any]
    goal: str
    has_history: bool
    zone: str
    """The program's time zone (IANA name): the booked time is a wall-clock time there."""
    previous: list[dict[str, Any]] = field(default_factory=list)
    open_points: list[str] = field(default_factory=list)
    concerns: list[str] = field(default_factory=list)
    mentor_notes: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    mentor_checklist: list[str] = field(default_factory=list)
    learner_checklist: list[str] = field(default_factory=list)


def _type_settings(settings: AgendaSettings, session_type: str) -> AgendaType:
    """The goal and checklists of ``session_type`` (those of ``default`` for a type not listed)."""
    return settings.types.get(session_type, settings.default)


def _is_no(value: object) -> bool:
    """True for a recorded "No" (False); missing values are not "No"."""
    return not pd.isna(value) and not bool(value)


def _phrases(keywords: pd.Series) -> list[str]:
    return [p for text in keywords.dropna() for p in str(text).split(SEPARATOR) if p]


def build_agenda(session: dict[str, Any], history: pd.DataFrame, settings: AgendaSettings,
                 lacking_by_type: dict[str, list[str]], zone: str) -> Agenda:
    """The agenda of one booked session from the enriched history before its date (its time in ``zone``)."""
    kind = _type_settings(settings, str(session["session_type"]))
    before = history[history["session_date"] < session["session_date"]]
    learner = before[before["learner_id"] == session["learner_id"]] if pd.notna(session["learner_id"]) else before.iloc[0:0]
    learner = learner.sort_values(["session_date", "session_id"])
    agenda = Agenda(session=session, goal=kind.goal, has_history=not learner.empty, zone=zone,
                    mentor_checklist=list(kind.mentor_checklist), learner_checklist=list(kind.learner_checklist))

    completed = learner[learner["session_status"] == "Completed"]
    own_mentor = session["mentor_name"]
    for row in learner.tail(settings.recent_sessions).itertuples():
        summary = row.summary if row.mentor_name == own_mentor else \
            f"{row.session_type} with another mentor ({str(row.session_status).lower()})."
        agenda.previous.append({"date": row.session_date.strftime("%Y-%m-%d"), "summary": summary})
    if not completed.empty:
        last = completed.iloc[-1]
        when = last["session_date"].strftime("%Y-%m-%d")
        if _is_no(last["action_items_documented"]):
            agenda.open_points.append(f"No action items were documented on {when}: agree on them and write them down today.")
        if _is_no(last["follow_up_scheduled"]):
            agenda.open_points.append(f"No follow-up was scheduled after {when}: check what happened since.")
    for row in completed.itertuples():
        low = pd.notna(row.post_session_rating) and row.post_session_rating < 3
        if row.mentor_name != own_mentor and (low or row.sentiment == "Negative"):
            agenda.concerns.append(f"{row.session_date:%Y-%m-%d} (another mentor): the learner was unhappy with "
                                   "that session; ask what would help this time.")
        elif low:
            agenda.concerns.append(f"{row.session_date:%Y-%m-%d} (you) was rated {row.post_session_rating}/5.")
        elif row.sentiment == "Negative":
            agenda.concerns.append(f"{row.session_date:%Y-%m-%d} (you) had negative feedback: "
                                   f"\u201c{row.learner_feedback}\u201d")
    no_shows = int((learner["session_status"] == "No-show").sum())
    if no_shows >= 2:
        agenda.concerns.append(f"The learner missed {no_shows} earlier sessions: confirm attendance the day before.")

    window_start = session["session_date"] - pd.Timedelta(days=settings.mentor_window_days)
    mentor = before[(before["mentor_name"] == session["mentor_name"]) & (before["session_date"] >= window_start)]
    negative = mentor[mentor["sentiment"] == "Negative"]
    if len(negative):
        common = pd.Series(_phrases(negative["keywords"])).value_counts().head(3).index.tolist()
        agenda.mentor_notes.append(f"{len(negative)} of this mentor's sessions in the last {settings.mentor_window_days} days "
                                   f"had negative feedback" + (f", mostly about: {', '.join(common)}." if common else "."))
    rated = mentor["post_session_rating"].dropna()
    if len(rated):
        agenda.mentor_notes.append(f"Average rating of this mentor's last {settings.mentor_window_days} days: "
                                   f"{format_rating(rated.astype(float).mean())} from {len(rated)} ratings.")

    own = completed[completed["sentiment"].isin(["Negative", "Neutral"]) & (completed["mentor_name"] == own_mentor)]
    own = own.sort_values("session_date", ascending=False)
    topics = list(dict.fromkeys(_phrases(own["keywords"])))
    topics += [t for t in lacking_by_type.get(str(session["session_type"]), []) if t not in topics]
    agenda.topics = topics[: settings.topics]
    return agenda


def _environment(markdown: bool = False) -> jinja2.Environment:
    """Templates: HTML ones autoescaped; with ``markdown``, every value printed through
    :func:`mentortrack.reports.escape.markdown_text` (the ``.md`` agenda)."""
    loader = jinja2.PackageLoader("mentortrack", "templates")
    return jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape(["html.j2"]),
                              finalize=markdown_text if markdown else None,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _context(agenda: Agenda) -> dict[str, Any]:
    when = f"{agenda.session['session_date']:%Y-%m-%d}"
    if pd.notna(agenda.session.get("session_time")):
        when = clock(agenda.session["session_date"] + pd.to_timedelta(f"{agenda.session['session_time']}:00"),
                     agenda.zone)
    return {"a": agenda, "s": agenda.session, "when": when}


def render(agenda: Agenda) -> tuple[str, str]:
    """Markdown and HTML page of an agenda."""
    return (_environment(markdown=True).get_template("agenda.md.j2").render(_context(agenda)),
            _environment().get_template("agenda.html.j2").render(_context(agenda)))


def render_body(agenda: Agenda) -> str:
    """The agenda as an HTML fragment (escaped), for showing inside a notebook or report."""
    return _environment().get_template("agenda_body.html.j2").render(_context(agenda))


def write_agendas(upcoming: pd.DataFrame, history: pd.DataFrame, settings: AgendaSettings,
                  out: str | Path, zone: str) -> list[tuple[Path, Agenda]]:
    """Write ``<session_id>.md`` and ``.html`` for every booked session (booked times said in the program's
    ``zone``; a mentor name matched to the history's without regard to letter case); returns (Markdown path,
    agenda) pairs.

    File names come from :func:`mentortrack.safe_paths.safe_name` (unique, never outside ``out``).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lacking = top_keywords(history, "session_type", settings.topics, sentiment="Negative")
    lacking_by_type = {row.session_type: row.keywords.split(SEPARATOR) for row in lacking.itertuples()}
    known = pd.Series(history["mentor_name"].dropna().unique(), dtype="string")
    spelled = dict(zip(spelling_key(known), known))  # the history's spelling: "sneha reddy" booked is "Sneha Reddy"
    booked = upcoming.assign(mentor_name=spelling_key(upcoming["mentor_name"]).map(spelled).fillna(
        upcoming["mentor_name"]))
    written = []
    used: set[str] = set()
    for session in booked.to_dict("records"):
        agenda = build_agenda(session, history, settings, lacking_by_type, zone)
        markdown, page = render(agenda)
        stem = inside(out, out / safe_name(session["session_id"], used))
        with writing(stem.with_suffix(".md")):
            stem.with_suffix(".md").write_text(markdown, encoding="utf-8")
            stem.with_suffix(".html").write_text(page, encoding="utf-8")
        written.append((stem.with_suffix(".md"), agenda))
    return written
