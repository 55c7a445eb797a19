"""In-session notes from a meeting transcript: attendance, engagement, summary, keywords, action items.

Reads the WebVTT and SRT files that Zoom, Google Meet and Teams export (speaker
names in ``<v Name>`` voice tags or ``Name:`` prefixes) with webvtt-py, and
plain-text transcripts with ``[hh:mm:ss] Name: text`` lines. Times are seconds
from the start of the recording.

- Attendance: who spoke, first and last time, and minutes late against the
  booked start (the recording is assumed to start at the booked time unless its
  own start is given).
- Engagement: talk time and share per speaker, turns, longest monologue,
  questions asked, silent gaps longer than ``gap_seconds``.
- Summary: the most central sentences (cosine similarity of each sentence's
  MiniLM embedding to the transcript's mean embedding), in time order.
- Keywords: KeyBERT on the whole transcript, as for feedback.
- Action items: sentences with commitment cues ("I will", "next step", "by Friday", "send me").
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mentortrack.config import KeywordSettings
from mentortrack.contract.load import decode_text
from mentortrack.contract.text import normalise_value
from mentortrack.errors import MentortrackError
from mentortrack.reports.escape import html_text, markdown_text
from mentortrack.reports.privacy import neutralize_formulas
from mentortrack.safe_paths import inside, safe_name, writing

GAP_SECONDS = 10.0
"""Silences longer than this (seconds) are listed as gaps."""

ACTION_CUES = {
    "commitment": r"\bI(?:'ll| will| am going to| shall)\b",
    "next step": r"\bnext steps?\b",
    "action item": r"\baction items?\b",
    "deadline": r"\bby (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|tonight|next week|end of (?:the )?(?:day|week|month))\b",
    "send": r"\bsend (?:me|you|over)\b",
    "schedule": r"\b(?:let's|lets) (?:schedule|book|meet)\b",
    "request": r"\bplease (?:send|share|update|record|book|review|prepare)\b",
}
_SPEAKER_PREFIX = re.compile(r"^\s*([^\W\d_][\w .'()\[\]+&-]{0,40}?):\s+(.*)$", re.DOTALL)
"""``Name: text``: a name starts with a letter of any script (:func:`_split_speaker` rejects a lowercase one,
so "note: …" stays text) and holds letters, digits, spaces and ``. ' - ( ) [ ] + &`` ("Mentor [Host]")."""
_TXT_LINE = re.compile(r"^\s*\[?(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?:[.,]\d+)?\]?\s*(.*)$")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


class TranscriptError(MentortrackError, ValueError):
    """The transcript cannot be read; the message names the file and why."""


@dataclass(frozen=True)
class Utterance:
    """One stretch of speech: seconds from the recording start, speaker and text."""

    start: float
    end: float
    speaker: str
    text: str


def _split_speaker(text: str, voice: str | None) -> tuple[str, str]:
    """The speaker and the words of a cue or line, normalised as the export's text is
    (:func:`mentortrack.contract.text.normalise_value`: no bidirectional override or other invisible character
    reaches the notes, their CSV or a page)."""
    text = " ".join(normalise_value(text).split())
    voice = normalise_value(voice) if voice else voice
    if voice:
        return voice.strip(), text
    match = _SPEAKER_PREFIX.match(text)
    if match is None or match.group(1)[0].islower():
        return "Unknown", text
    return match.group(1).strip(), match.group(2).strip()


def read_transcript(path: str | Path) -> list[Utterance]:
    """Utterances of a ``.vtt``, ``.srt`` or ``.txt`` transcript, in time order."""
    import webvtt

    path = Path(path)
    if not path.exists():
        raise TranscriptError(f"{path}: no such file.")
    suffix = path.suffix.lower()
    try:
        if suffix in {".vtt", ".srt"}:
            captions = webvtt.read(str(path)) if suffix == ".vtt" else webvtt.from_srt(str(path))
            utterances = []
            for c in captions:
                speaker, text = _split_speaker(c.text, getattr(c, "voice", None))
                start = _seconds(c.start)  # a cue that ends before it starts lasts no time, not minus seconds
                utterances.append(Utterance(start, max(start, _seconds(c.end)), speaker, text))
        elif suffix == ".txt":
            utterances = _read_text(path)
        else:
            raise TranscriptError(f"{path}: expected a .vtt, .srt or .txt transcript (or audio for speech-to-text).")
    except webvtt.errors.MalformedFileError as err:
        raise TranscriptError(f"{path}: not a valid {suffix[1:].upper()} file ({err}).") from err
    except UnicodeDecodeError as err:
        raise TranscriptError(f"{path}: not UTF-8 or UTF-16 text ({err.reason} at byte {err.start}); save it as "
                              "UTF-8.") from err
    utterances = [u for u in utterances if u.text]
    if not utterances:
        raise TranscriptError(f"{path}: the transcript has no speech.")
    return sorted(utterances, key=lambda u: u.start)


def _seconds(clock: str) -> float:
    """``hh:mm:ss.mmm`` (or ``mm:ss.mmm``) to seconds, keeping the milliseconds webvtt-py rounds away."""
    parts = [float(p) for p in clock.replace(",", ".").split(":")]
    return sum(value * 60 ** power for power, value in enumerate(reversed(parts)))


def _read_text(path: Path) -> list[Utterance]:
    """``[hh:mm:ss] Name: text`` lines; a line without a time continues the previous one's time."""
    rows: list[tuple[float, str, str]] = []
    clock = 0.0
    for number, line in enumerate(decode_text(path.read_bytes(), path, []).splitlines(), start=1):
        if not line.strip():
            continue
        match = _TXT_LINE.match(line)
        if match:
            hours, minutes, seconds, line = match.groups()
            if (hours is not None and int(minutes) > 59) or int(seconds) > 59:
                raise TranscriptError(f"{path}: line {number}: {_line_time(match)} is not a time (mm:ss or hh:mm:ss, "
                                      "minutes and seconds below 60).")
            clock = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
        speaker, text = _split_speaker(line, None)
        rows.append((clock, speaker, text))
    ends = [start for start, _, _ in rows[1:]]
    # the last line's end is estimated from speaking speed (2.5 words per second)
    ends.append(rows[-1][0] + len(rows[-1][2].split()) / 2.5 if rows else 0.0)
    return [Utterance(start, max(end, start), speaker, text) for (start, speaker, text), end in zip(rows, ends)]


def _line_time(match: re.Match[str]) -> str:
    """The time a ``.txt`` line starts with, as written ("99:99")."""
    hours, minutes, seconds, _ = match.groups()
    return f"{hours}:{minutes}:{seconds}" if hours is not None else f"{minutes}:{seconds}"


def _frame(utterances: list[Utterance]) -> pd.DataFrame:
    return pd.DataFrame([asdict(u) for u in utterances]).assign(seconds=lambda d: (d["end"] - d["start"]).clip(lower=0))


def attendance(utterances: list[Utterance], late_offset_minutes: float = 0.0) -> pd.DataFrame:
    """Per speaker: first and last time spoken (seconds) and minutes late against the booked start.

    ``late_offset_minutes`` is how many minutes after the booked start the recording began.
    """
    frame = _frame(utterances)
    table = frame.groupby("speaker", sort=False).agg(first_spoke=("start", "min"), last_spoke=("end", "max"))
    table["minutes_late"] = (table["first_spoke"] / 60 + late_offset_minutes).round(1)
    return table.reset_index()


def engagement(utterances: list[Utterance], gap_seconds: float = GAP_SECONDS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-speaker engagement and the list of silent gaps.

    Returns ``(speakers, gaps)``: speakers has talk_seconds, talk_share (0–1),
    turns (runs of consecutive utterances), longest_monologue_seconds and
    questions; gaps has start, end and seconds of each silence over ``gap_seconds``.
    """
    frame = _frame(utterances)
    turn_id = (frame["speaker"] != frame["speaker"].shift()).cumsum().rename("turn")
    turns = frame.groupby(turn_id).agg(speaker=("speaker", "first"), start=("start", "min"), end=("end", "max"))
    turns["seconds"] = turns["end"] - turns["start"]
    questions = frame["text"].str.count(r"\?")
    speakers = pd.DataFrame({
        "talk_seconds": frame.groupby("speaker", sort=False)["seconds"].sum(),
        "turns": turns.groupby("speaker", sort=False).size(),
        "longest_monologue_seconds": turns.groupby("speaker", sort=False)["seconds"].max(),
        "questions": questions.groupby(frame["speaker"], sort=False).sum(),
    })
    speakers["talk_share"] = speakers["talk_seconds"] / speakers["talk_seconds"].sum()
    previous_end = frame["end"].cummax().shift()
    silence = frame["start"] - previous_end
    gaps = pd.DataFrame({"start": previous_end, "end": frame["start"], "seconds": silence})[silence > gap_seconds]
    return speakers.reset_index(names="speaker"), gaps.reset_index(drop=True)


def sentences(utterances: list[Utterance]) -> pd.DataFrame:
    """Every sentence with its speaker and start time (seconds)."""
    rows = [(u.start, u.speaker, s.strip()) for u in utterances for s in _SENTENCE.split(u.text) if s.strip()]
    return pd.DataFrame(rows, columns=["start", "speaker", "text"])


def action_items(utterances: list[Utterance]) -> pd.DataFrame:
    """Sentences with a commitment cue, with speaker, time and the cues found."""
    table = sentences(utterances)
    cues = table["text"].map(lambda t: [name for name, rx in ACTION_CUES.items() if re.search(rx, t, re.IGNORECASE)])
    found = table.assign(cues=cues.map(", ".join))[cues.map(bool)]
    return found.reset_index(drop=True)


def extractive_summary(utterances: list[Utterance], encoder: str, count: int = 4) -> list[str]:
    """The ``count`` sentences closest to the transcript's mean embedding by ``encoder`` (``nlp.keywords.encoder``:
    the static encoder or MiniLM), in time order."""
    from mentortrack.analytics.embeddings import embed

    table = sentences(utterances)
    table = table[table["text"].str.split().str.len() >= 5].reset_index(drop=True)
    if table.empty:
        return []
    vectors = embed(table["text"].tolist(), encoder)
    centre = vectors.mean(axis=0)
    score = vectors @ (centre / np.linalg.norm(centre))
    best = sorted(np.argsort(-score)[:count])
    return [f"{table.at[i, 'speaker']}: {table.at[i, 'text']}" for i in best]


@dataclass
class Notes:
    """Everything :func:`take_notes` found in one transcript."""

    source: str
    session_id: str | None
    duration_seconds: float
    attendance: pd.DataFrame
    speakers: pd.DataFrame
    gaps: pd.DataFrame
    summary: list[str]
    keywords: list[str]
    actions: pd.DataFrame
    learner: str | None = None
    gap_seconds: float = GAP_SECONDS

    def row(self) -> dict[str, Any]:
        """One line for the notes table, joinable to sessions by ``session_id``."""
        learner = self.speakers[self.speakers["speaker"] == self.learner] if self.learner else self.speakers.iloc[0:0]
        return {
            "session_id": self.session_id, "transcript": self.source, "speakers": len(self.speakers),
            "duration_mins": round(self.duration_seconds / 60, 1),
            "learner_talk_share": float(learner["talk_share"].iloc[0]) if len(learner) else None,
            "learner_questions": int(learner["questions"].iloc[0]) if len(learner) else None,
            "silent_gaps": len(self.gaps), "action_items": len(self.actions),
            "transcript_keywords": "; ".join(self.keywords), "transcript_summary": " ".join(self.summary),
        }


def take_notes(utterances: list[Utterance], source: str, keyword_settings: KeywordSettings,
               session_id: str | None = None, learner: str | None = None, late_offset_minutes: float = 0.0,
               gap_seconds: float = GAP_SECONDS) -> Notes:
    """All notes of one transcript (keywords with ``keyword_settings``, ``keywords`` of ``parameters/nlp.yaml``)."""
    from mentortrack.analytics.keywords import extract

    speakers, gaps = engagement(utterances, gap_seconds)
    full_text = " ".join(u.text for u in utterances)
    return Notes(
        source=source, session_id=session_id,
        duration_seconds=max(u.end for u in utterances) - min(u.start for u in utterances),
        attendance=attendance(utterances, late_offset_minutes), speakers=speakers, gaps=gaps,
        summary=extractive_summary(utterances, keyword_settings.encoder), keywords=[p for p, _ in extract([full_text], keyword_settings)[0]],
        actions=action_items(utterances), learner=learner, gap_seconds=gap_seconds,
    )


def session_id_from_name(path: Path) -> str | None:
    """``SS2959_mock_interview.vtt`` -> ``SS2959`` (the text before the first ``_``, if it has a digit)."""
    head = path.stem.split("_")[0]
    return head if any(ch.isdigit() for ch in head) else None


def render_markdown(notes: Notes) -> str:
    """The notes as a Markdown page (every text from the transcript through
    :func:`mentortrack.reports.escape.markdown_text`)."""
    md = markdown_text
    lines = [f"# Session notes{' — ' + md(notes.session_id) if notes.session_id else ''}",
             f"*Transcript: {md(notes.source)}; {notes.duration_seconds / 60:.1f} minutes of speech.*", "", "## Summary"]
    lines += [f"- {md(s)}" for s in notes.summary] or ["- (too little speech to summarise)"]
    lines += ["", "## Action items"]
    lines += [f"- \\[{_clock(r.start)}\\] {md(r.speaker)}: {md(r.text)}" for r in notes.actions.itertuples()] or [
        "- none detected"]
    lines += ["", "## Keywords", ", ".join(map(md, notes.keywords)) or "none", "", "## Attendance",
              "| speaker | first spoke | last spoke | minutes late |", "|---|---|---|---|"]
    lines += [f"| {md(r.speaker)} | {_clock(r.first_spoke)} | {_clock(r.last_spoke)} | {r.minutes_late} |"
              for r in notes.attendance.itertuples()]
    lines += ["", "## Engagement", "| speaker | talk share | turns | longest monologue | questions |",
              "|---|---|---|---|---|"]
    lines += [f"| {md(r.speaker)} | {r.talk_share:.0%} | {r.turns} | {r.longest_monologue_seconds:.0f} s | "
              f"{r.questions} |" for r in notes.speakers.itertuples()]
    gaps = [f"{_clock(r.start)}–{_clock(r.end)} ({r.seconds:.0f} s)" for r in notes.gaps.itertuples()]
    lines += ["", f"Silent gaps over {notes.gap_seconds:.0f} s: " + (", ".join(gaps) if gaps else "none"), ""]
    return "\n".join(lines)


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def late_offset(session: pd.Series | None, recording_start: str | None) -> float:
    """Minutes between the booked start and the recording start (0 when either is unknown)."""
    if session is None or recording_start is None or pd.isna(session.get("session_time")):
        return 0.0
    booked = pd.Timestamp(f"2000-01-01 {session['session_time']}")
    started = pd.Timestamp(f"2000-01-01 {recording_start}")
    return (started - booked).total_seconds() / 60


def write_notes(utterances: list[Utterance], path: Path, out: Path, sessions: pd.DataFrame,
                keyword_settings: KeywordSettings, session_id: str | None = None,
                recording_start: str | None = None) -> Path:
    """Take notes and write ``<id>.md``, ``<id>.json`` and a row of ``notes.csv`` (replacing the transcript's old row).

    The session (looked up by ``session_id`` or the file name) gives the learner's
    name, to pick out the learner's talk share and questions, and the booked time.
    """
    import json

    out.mkdir(parents=True, exist_ok=True)
    sid = session_id or session_id_from_name(path)
    match = sessions[sessions["session_id"] == sid] if sid else sessions.iloc[0:0]
    session = match.iloc[0] if len(match) else None
    learner = str(session["learner_name"]) if session is not None and pd.notna(session["learner_name"]) else None
    notes = take_notes(utterances, path.name, keyword_settings, sid, learner, late_offset(session, recording_start))
    stem = inside(out, out / safe_name(sid or path.stem))
    with writing(stem.with_suffix(".md")):
        stem.with_suffix(".md").write_text(render_markdown(notes), encoding="utf-8")
    payload = {**notes.row(), "attendance": notes.attendance.to_dict("records"),
               "speakers_detail": notes.speakers.to_dict("records"), "action_items_detail": notes.actions.to_dict("records"),
               "gaps": notes.gaps.to_dict("records"), "summary": notes.summary, "keywords": notes.keywords,
               "transcript_text": [asdict(u) for u in utterances]}
    with writing(stem.with_suffix(".json")):
        stem.with_suffix(".json").write_text(json.dumps(payload, indent=2, default=float), encoding="utf-8")
    table_path = out / "notes.csv"
    table = pd.read_csv(table_path) if table_path.exists() else pd.DataFrame()
    if len(table):
        table = table[table["transcript"] != path.name]
    with writing(table_path):
        neutralize_formulas(pd.concat([table, pd.DataFrame([notes.row()])], ignore_index=True)).to_csv(
            table_path, index=False)
    return stem.with_suffix(".md")


def join_notes(enriched: pd.DataFrame, notes_table: pd.DataFrame) -> pd.DataFrame:
    """The session table with the transcript notes' columns joined on ``session_id`` (left join)."""
    return enriched.merge(notes_table.drop(columns=["transcript"]), on="session_id", how="left")


def speaker_roles(details: dict[str, dict[str, Any]], sessions: pd.DataFrame) -> pd.DataFrame:
    """Talk share per transcript and role: ``learner``/``mentor`` when the speaker's name matches the session's."""
    names = sessions.set_index("session_id")[["learner_name", "mentor_name"]]
    rows = []
    for sid, detail in details.items():
        learner, mentor = names.loc[sid] if sid in names.index else (None, None)
        for speaker in detail["speakers_detail"]:
            role = "learner" if speaker["speaker"] == learner else "mentor" if speaker["speaker"] == mentor else "other"
            rows.append({"transcript": sid, "speaker": speaker["speaker"], "role": role,
                         "talk_share": speaker["talk_share"]})
    return pd.DataFrame(rows, columns=["transcript", "speaker", "role", "talk_share"])


def notes_html(detail: dict[str, Any]) -> str:
    """A transcript's summary and action items (from its ``<id>.json``) as escaped HTML."""
    summary = "".join(f"<li>{html_text(s)}</li>" for s in detail["summary"]) or "<li>none</li>"
    items = "".join(f"<li>{html_text(a['speaker'])}: {html_text(a['text'])}</li>"
                    for a in detail["action_items_detail"]) or "<li>none detected</li>"
    title = html_text(detail["session_id"] or detail["transcript"])
    return f"<h3>{title}</h3><p><b>Summary</b></p><ul>{summary}</ul><p><b>Action items</b></p><ul>{items}</ul>"
