"""Safeguarding alerts: text suggesting harassment, inappropriate conduct, contact outside the platform,
self-harm or discrimination, whatever the session's rating.

Learner feedback, the issue flag and (when given) transcript notes are scanned for the
terms of ``parameters/safeguarding.yaml``. Text and terms are reduced to the same word
stems (the Snowball stemmer NLTK ships as code, no data download: *harassed*,
*harassing* and *harassment* all become ``harass``), so one form of a word in the YAML
covers its others. A term of several words matches those stems in order with at most
``max_gap`` other words between two of them. A match is *negated*, and dropped, when a
negation cue (``no``, ``not``, ``never``…; *n't* counts as ``not``) stands at most
``negation.window`` words before it in the same clause, unless the cue is followed by a
word that makes it no negation ("not only", "nothing but"); or when a phrase of
``negation.after`` follows it ("harassment was not an issue"). "He harassed me" raises an
alert; "there was no harassment", "I never felt unsafe" and "I felt safe" do not.

:func:`concerns` gives the categories and matched words of one text;
:func:`scan_sessions` adds ``safeguarding`` (category labels, ``; ``-joined, empty when
none) and ``safeguarding_terms`` to every session; :func:`safeguarding_alerts` lists the
sessions with a concern, one row per session and source, with the quoted text. The
alerts are for the program manager: they name the mentor and show the learner by ID,
and no mentor-facing output (mentor pages, mentor e-mails) quotes a flagged text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from mentortrack.config import Rule, SafeguardingSettings

SOURCES = {"learner_feedback": "feedback", "issue_flag": "issue flag"}
"""Session columns scanned, and how an alert names them."""

ALERT_COLUMNS = ["session_id", "session_date", "mentor_name", "learner_id", "source", "concern", "matched", "quote"]

_EXPANDED = {"can't": "can not", "cannot": "can not", "won't": "will not", "n't": " not", "'m": " am", "'re": " are",
             "'ve": " have", "'ll": " will", "'d": " would", "'s": ""}
_CONTRACTION = re.compile(r"\bcan't\b|\bcannot\b|\bwon't\b|n't\b|'m\b|'re\b|'ve\b|'ll\b|'d\b|'s\b")
_TOKEN = re.compile(r"[a-z0-9]+|[.,!?;:]")
_PUNCTUATION = frozenset(".,!?;:")


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The Snowball English stem of a lower-case word (``harassment`` -> ``harass``, ``bullied`` -> ``bulli``),
    by the Snowball project's PyStemmer (C; importing NLTK for its stemmer took about 3 s)."""
    return word if not word.isalpha() else _stemmer().stemWord(word)


def words(text: str) -> list[str]:
    """Lower-case word stems of ``text``, contractions expanded (*didn't* -> ``did not``), sentence
    and clause punctuation (``. , ! ? ; :``) kept as tokens (clause breaks); hyphens and apostrophes join (*self-harm*)."""
    lowered = text.lower().replace("\u2019", "'")
    lowered = _CONTRACTION.sub(lambda m: _EXPANDED[m.group(0)], lowered)
    lowered = re.sub(r"(?<=[a-z])[-'](?=[a-z])", "", lowered)
    return [token if token in _PUNCTUATION else stem(token) for token in _TOKEN.findall(lowered)]


@dataclass(frozen=True)
class Term:
    """One term of a category: its words as written and as stems."""

    category: str
    text: str
    stems: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    """The safeguarding settings, with every term, cue and break reduced to stems."""

    terms: tuple[Term, ...]
    labels: dict[str, str]
    max_gap: int
    window: int
    cues: frozenset[str]
    not_negating: frozenset[str]
    breaks: frozenset[str]
    after: tuple[tuple[str, ...], ...]
    starting: dict[str, tuple[int, ...]]
    """Positions in ``terms`` of the terms by their first stem (a text is scanned once, word by word)."""

    @classmethod
    def from_settings(cls, settings: SafeguardingSettings) -> Rules:
        """Rules from the validated ``safeguarding.yaml``."""
        negation = settings.negation
        terms = {}
        for name, category in settings.categories.items():
            for text in category.terms:
                stems = tuple(words(text))
                terms.setdefault(stems, Term(name, text, stems))
        starting: dict[str, list[int]] = {}
        for index, term in enumerate(terms.values()):
            starting.setdefault(term.stems[0], []).append(index)
        return cls(terms=tuple(terms.values()), starting={k: tuple(v) for k, v in starting.items()}, labels={name: c.label for name, c in settings.categories.items()},
                   max_gap=settings.max_gap, window=negation.window,
                   cues=frozenset(stem(c) for c in negation.cues),
                   not_negating=frozenset(stem(c) for c in negation.not_negating),
                   breaks=frozenset(stem(c) for c in negation.clause_breaks) | _PUNCTUATION,
                   after=tuple(tuple(words(p)) for p in negation.after))


def _end(tokens: list[str], start: int, term: tuple[str, ...], max_gap: int) -> int | None:
    """The last token position of ``term`` matched from ``tokens[start]`` (its first word), or None."""
    position = start
    for part in term[1:]:
        ahead = tokens[position + 1: position + 2 + max_gap]
        step = next((i for i, t in enumerate(ahead) if t == part), None)
        if step is None or any(t in _PUNCTUATION for t in ahead[:step]):
            return None
        position += step + 1
    return position


def _negated(tokens: list[str], first: int, last: int, r: Rules) -> bool:
    """True when a cue negates the match ``tokens[first:last + 1]`` (see the module docstring)."""
    for offset in range(1, r.window + 1):
        at = first - offset
        if at < 0 or tokens[at] in r.breaks:
            break
        if tokens[at] in r.cues and tokens[at + 1] not in r.not_negating:
            return True
    following = tokens[last + 1:]
    following = following[:next((i for i, t in enumerate(following) if t in r.breaks), len(following))]
    return any(tuple(following[i:i + len(p)]) == p for p in r.after for i in range(0, r.window + 1))


def concerns(text: object, r: Rules) -> list[tuple[str, str]]:
    """The (category, term) pairs that match ``text`` and are not negated, in the YAML's order."""
    if not isinstance(text, str) or not text.strip():
        return []
    tokens = words(text)
    hits: set[int] = set()
    for start, token in enumerate(tokens):
        for index in r.starting.get(token, ()):
            end = _end(tokens, start, r.terms[index].stems, r.max_gap)
            if end is not None and not _negated(tokens, start, end, r):
                hits.add(index)
    return [(r.terms[i].category, r.terms[i].text) for i in sorted(hits)]


def describe(found: list[tuple[str, str]], r: Rules) -> tuple[str, str]:
    """Category labels and matched terms of :func:`concerns`' result, each ``; ``-joined."""
    labels = list(dict.fromkeys(r.labels[c] for c, _ in found))
    return "; ".join(labels), "; ".join(dict.fromkeys(t for _, t in found))


def scan_sessions(sessions: pd.DataFrame, settings: SafeguardingSettings) -> pd.DataFrame:
    """``safeguarding`` (category labels, empty when none) and ``safeguarding_terms`` of every session,
    from its feedback and issue flag (each distinct text scanned once)."""
    r = Rules.from_settings(settings)
    text = sessions["learner_feedback"].astype("string").fillna("") + " . " + sessions["issue_flag"].astype(
        "string").fillna("")
    found = {value: describe(concerns(value, r), r) for value in text.unique()}
    return pd.DataFrame({"safeguarding": text.map(lambda v: found[v][0]),
                         "safeguarding_terms": text.map(lambda v: found[v][1])}, index=sessions.index)


def with_safeguarding(enriched: pd.DataFrame, settings: SafeguardingSettings) -> pd.DataFrame:
    """``enriched`` with the columns of :func:`scan_sessions` (computed only when absent)."""
    if "safeguarding" in enriched:
        return enriched
    return enriched.join(scan_sessions(enriched, settings))


def flagged(enriched: pd.DataFrame, settings: SafeguardingSettings) -> pd.Series:
    """True for sessions with a safeguarding concern (their feedback must not reach their mentor)."""
    return with_safeguarding(enriched, settings)["safeguarding"].astype("string").fillna("") != ""


def withhold_from_mentor(enriched: pd.DataFrame, settings: SafeguardingSettings) -> pd.DataFrame:
    """``enriched`` as a mentor may see it: flagged sessions lose their feedback, issue flag and keywords,
    and their summary is rebuilt without them (ratings and labels stay, so the KPIs do not change).
    ``settings`` (``parameters/safeguarding.yaml``) scans a table that has no ``safeguarding`` column yet."""
    hits = flagged(enriched, settings)
    if not hits.any():
        return enriched
    from mentortrack.analytics.summaries import summarize_sessions

    view = enriched.copy()
    for column in ("learner_feedback", "issue_flag", "keywords", "safeguarding", "safeguarding_terms"):
        if column in view:
            view[column] = view[column].astype("object").where(~hits, None)
    if "summary" in view:
        view.loc[hits, "summary"] = summarize_sessions(view[hits])
    return view


FEEDBACK_COLUMNS = {"sentiment_confidence": None, "sentiment_mixed": False, "sentiment_published": "Neutral",
                    "textblob_polarity": None, "textblob_subjectivity": None, "points": None, "themes": None}
"""Columns read from a session's feedback, and their value for a session without feedback (``sentiment`` is
:data:`mentortrack.analytics.sentiment.NO_FEEDBACK`)."""


def told_to_mentor(enriched: pd.DataFrame, settings: SafeguardingSettings, rules: dict[str, Rule]) -> pd.DataFrame:
    """``enriched`` as it is told to a mentor in what reaches them directly (agendas, their e-mails and
    digests): :func:`withhold_from_mentor`, and a flagged session reads as one without feedback, so nothing
    says a complaint exists: no sentiment, themes or points, and its level and reasons are assessed again
    with ``rules`` (``parameters/warnings.yaml``) without the feedback (its rating, attendance and follow-up
    stay)."""
    view = withhold_from_mentor(enriched, settings)
    hits = flagged(enriched, settings)
    if not hits.any():
        return view
    from mentortrack.analytics.early_warnings import assess
    from mentortrack.analytics.sentiment import NO_FEEDBACK
    from mentortrack.analytics.summaries import summarize_sessions

    view = view.copy()
    if "sentiment" in view:
        view["sentiment"] = view["sentiment"].astype("string").where(~hits, NO_FEEDBACK)
    for column, empty in FEEDBACK_COLUMNS.items():
        if column in view:
            view[column] = view[column].astype("object").where(~hits, empty)
    if {"level", "rules", "reasons"} <= set(view.columns):
        again = assess(view, rules)
        for column in ("level", "rules", "reasons"):
            view[column] = view[column].where(~hits, again[column])
    if "summary" in view:
        view.loc[hits, "summary"] = summarize_sessions(view[hits])
    return view


def reported_pairs(enriched: pd.DataFrame, settings: SafeguardingSettings) -> set[tuple[str, str]]:
    """(mentor, learner ID) of every pair with a flagged session (:func:`flagged`): the learner raised a
    concern about that mentor, so nothing automatic pairs them again (no follow-up call with that mentor,
    no reminder or nudge naming them); the program manager contacts the learner."""
    hits = enriched[flagged(enriched, settings)]
    return set(zip(hits["mentor_name"].astype(str), hits["learner_id"].astype(str)))


def split_reported(frame: pd.DataFrame, pairs: set[tuple[str, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``frame`` (rows with ``mentor_name`` and ``learner_id``) cut into the rows of no reported pair
    (:func:`reported_pairs`) and the rows withheld because their pair is reported."""
    reported = pd.Series([(str(m), str(learner)) in pairs for m, learner in zip(frame["mentor_name"], frame["learner_id"])],
                         index=frame.index, dtype=bool)
    return frame[~reported], frame[reported]


def safeguarding_alerts(enriched: pd.DataFrame, settings: SafeguardingSettings,
                        notes: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per session and source (feedback, issue flag, transcript) with a concern, newest first.

    ``notes`` (from :func:`read_transcript_notes`) adds what was said in transcribed sessions.
    Columns: :data:`ALERT_COLUMNS`; ``quote`` is the text as written. Each distinct text is scanned once.
    """
    r = Rules.from_settings(settings)
    rows = []
    for column, source in SOURCES.items():
        texts = enriched[column].astype("string")
        scanned = {text: concerns(text, r) for text in texts.dropna().unique()}
        for index, text in texts.dropna().items():
            found = scanned[text]
            if found:
                rows.append({"index": index, "source": source, "quote": str(text), **_described(found, r)})
    table = pd.DataFrame(rows, columns=["index", "source", "quote", "concern", "matched"])
    sessions = enriched.loc[table["index"], ["session_id", "session_date", "mentor_name", "learner_id"]]
    alerts = pd.concat([sessions.reset_index(drop=True), table.drop(columns="index")], axis=1)
    if notes is not None and len(notes):
        alerts = pd.concat([alerts, _transcript_alerts(enriched, notes, r)], ignore_index=True)
    return alerts.sort_values(["session_date", "session_id"], ascending=[False, True],
                              ignore_index=True)[ALERT_COLUMNS]


def _described(found: list[tuple[str, str]], r: Rules) -> dict[str, str]:
    concern, matched = describe(found, r)
    return {"concern": concern, "matched": matched}


def _transcript_alerts(enriched: pd.DataFrame, notes: pd.DataFrame, r: Rules) -> pd.DataFrame:
    rows = []
    known = enriched.drop_duplicates("session_id").set_index("session_id")
    for note in notes.itertuples():
        found = concerns(note.text, r)
        if not found:
            continue
        session = known.loc[note.session_id] if note.session_id in known.index else None
        rows.append({"session_id": note.session_id, "source": "transcript", "quote": f"{note.speaker}: {note.text}",
                     "session_date": session["session_date"] if session is not None else pd.NaT,
                     "mentor_name": session["mentor_name"] if session is not None else None,
                     "learner_id": session["learner_id"] if session is not None else None, **_described(found, r)})
    return pd.DataFrame(rows, columns=ALERT_COLUMNS)


def read_transcript_notes(folder: str | Path) -> pd.DataFrame:
    """What was said in every ``<id>.json`` that ``mentortrack notes`` wrote to ``folder``
    (columns ``session_id``, ``speaker``, ``text``; empty when the folder has none)."""
    rows = []
    for path in sorted(Path(folder).glob("*.json")):
        detail = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(detail, dict) or "transcript_text" not in detail:
            continue
        sid = detail.get("session_id") or path.stem
        rows += [{"session_id": sid, "speaker": u.get("speaker", ""), "text": u.get("text", "")}
                 for u in detail["transcript_text"]]
    return pd.DataFrame(rows, columns=["session_id", "speaker", "text"])


def in_window(alerts: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """Alerts of sessions dated from ``first`` to ``last`` (inclusive days)."""
    day = pd.to_datetime(alerts["session_date"]).dt.normalize()
    return alerts[(day >= first.normalize()) & (day <= last.normalize())]
