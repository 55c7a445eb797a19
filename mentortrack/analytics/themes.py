"""What feedback praises or complains about: points (aspect + opinion) and mentoring themes.

Two columns of the enriched table come from here:

- ``points``: the phrases that carry the point of a feedback, an *aspect* with its
  *opinion* ("mentor late", "session rushed", "vague advice", "realistic mock
  interview", "not enough time"), found with part-of-speech patterns over TextBlob's
  pattern tagger (its lexicon ships in the textblob wheel; no download):

  1. modifier + noun: adjectives/participles before nouns ("vague advice");
  2. noun + linking verb + opinion: "mentor was late" -> "mentor late",
     "session felt rushed" -> "session rushed";
  3. verb + object: "shortened our discussion time" -> "shortened discussion time";
  4. negation + noun phrase: "didn't get enough time" -> "not enough time",
     "no actionable feedback" -> "no actionable feedback".

  A phrase always holds an opinion word: a generic noun alone (mentor, session,
  discussion, topic; :data:`GENERIC_NOUNS`) is never a point.

- ``themes``: the themes of ``parameters/themes.yaml`` (the PM's taxonomy) the
  feedback is about, ``; ``-joined, highest score first, or ``Other``. The feedback is
  cut into pieces (sentence ends, commas, semicolons, "and", contrast words). A piece's
  score for a theme (:func:`scores`) is the cosine similarity, with the static encoder,
  of the piece or one of its points to the theme's closest example phrase, plus the
  taxonomy's ``cue_bonus`` when the piece holds one of the theme's cues ("late to",
  "office hours"); without a cue, a piece closer to one of the taxonomy's
  ``other_examples`` than to the theme counts 0, and a piece holding one of the theme's
  exceptions ("be prepared to": the learner's preparation) scores 0. The feedback gets
  the themes whose best piece reaches the threshold (the theme's own or the taxonomy's)
  and is within ``margin`` of the best one (at most ``max_themes``), and ``Other`` when
  none does.

Each theme of a session carries the session's sentiment: in a Negative feedback it
is a complaint, in a Positive one praise, otherwise a mention (:data:`SENTIMENT_ROLES`).
:func:`theme_counts` counts sessions per theme (and group) with one quote each;
:func:`describe` writes "Punctuality — 7 complaints: 'Mentor was late, …'".

Results are cached on disk per text, keyed by the encoder's weights and a hash of
the taxonomy: a theme added to the YAML appears in the next report.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from mentortrack.analytics import cache as nlp_cache
from mentortrack.analytics import lexicon
from mentortrack.analytics.embeddings import embed, encoder_id
from mentortrack.config import ThemeTaxonomy

log = logging.getLogger(__name__)

SEPARATOR = "; "
"""Joins a session's points and themes in their columns."""

OTHER = "Other"
"""The theme of feedback that is similar enough to no theme of the taxonomy."""

ENCODER = "static"

METHOD = 4
"""Version of the points and scoring code, part of the cache key: raised when they change, so that cached
themes are recomputed (the taxonomy's hash covers changes to the YAML)."""

SENTIMENT_ROLES = {"Negative": "complaint", "Positive": "praise", "Neutral": "mention"}
"""What a theme of a session is, by the session's sentiment label."""

GENERIC_NOUNS = frozenset({"mentor", "mentors", "session", "sessions", "discussion", "discussions", "topic",
                           "topics", "time", "call", "meeting", "thing", "things", "lot", "bit", "way", "mentee",
                           "learner", "he", "she", "they", "it", "i", "we", "you", "class", "course", "one",
                           "day", "today", "minutes", "hour", "question", "questions"})
"""Nouns that say what was talked about but not what was good or bad: never a point alone."""

NOUNS = ("NN", "NNS", "NNP", "NNPS")
MODIFIERS = ("JJ", "JJR", "JJS", "VBN", "VBG")
OPINION_AFTER_LINK = ("JJ", "JJR", "JJS", "VBN", "VBD", "VBG")
LINKING_VERBS = frozenset({"is", "was", "were", "are", "be", "been", "being", "felt", "feel", "feels", "seemed",
                           "seem", "seems", "looked", "looks", "sounded", "sounds", "got", "gets", "became",
                           "becomes", "remained", "stayed"})
INTENSIFIERS = frozenset({"very", "really", "so", "too", "quite", "extremely", "super", "pretty", "a", "bit",
                          "little", "somewhat", "rather", "highly", "always", "often", "totally"})
NEGATIONS = frozenset({"not", "no", "never", "nothing", "without"})
QUANTITIES = frozenset({"enough", "more", "less", "much", "many", "few", "little"})
"""Words that make "time" or "steps" a point ("not enough time", "more concrete steps")."""
NON_OPINION_VERBS = frozenset({"think", "thought", "guess", "know", "knew", "want", "wanted", "hope", "wish",
                               "say", "said", "tell", "told", "let", "try", "tried", "go", "went", "come",
                               "came", "take", "took", "see", "saw", "use", "used", "bought", "buy", "ordered",
                               "do", "does", "did", "have", "has", "had", "can", "could", "will", "would", "should"})
"""Verbs that report rather than judge, and auxiliaries: never the opinion of a point."""
DETERMINERS = ("DT", "PRP$", "CD")
DOMAIN_NOUNS = frozenset({"resume", "resumes", "interview", "interviews", "review", "reviews", "plan", "plans",
                          "code", "feedback", "schedule", "audio", "video", "follow-up", "mock"})
"""Mentoring nouns the general-purpose tagger reads as verbs or adjectives ("audio kept cutting out")."""

PIECE_SPLIT = re.compile(r"[.!?;,]+\s*|\s+\b(?:and|but|however|although|though|yet|except|whereas)\b\s+",
                         flags=re.IGNORECASE)
CONTRACTION = re.compile(r"\b(ca|wo|do|does|did|is|was|were|are|have|has|had|could|would|should|need)n[’']t\b",
                         flags=re.IGNORECASE)
MAX_PHRASE_WORDS = 4


@dataclass(frozen=True)
class Theme:
    """One theme of the taxonomy.

    Attributes:
        key: its name in the YAML.
        label: what reports show.
        description: one line for the PM.
        examples: phrases a feedback about the theme resembles (compared by embedding).
        cues: words or phrases that, present in a piece of feedback, add the taxonomy's ``cue_bonus`` to
            the piece's similarity to the theme.
        exceptions: phrases that, present in a piece, make it count 0 for the theme ("be prepared to",
            "late work": the learner's preparation or lateness, not the mentor's).
        threshold: this theme's own threshold, or None for the taxonomy's.
    """

    key: str
    label: str
    description: str
    examples: tuple[str, ...]
    cues: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()
    threshold: float | None = None


@dataclass(frozen=True)
class Taxonomy:
    """The themes of ``parameters/themes.yaml`` with the assignment settings.

    Attributes:
        themes: in file order.
        threshold: score (cosine similarity 0..1, plus a cue bonus) a feedback needs for a theme.
        max_themes: themes per feedback at most.
        margin: a further theme counts only within this score of the best one.
        cue_bonus: what a cue of a theme in a piece adds to the piece's similarity to that theme.
        other_examples: phrases about none of the themes; a piece (or point) closer to one of them than
            to a theme's closest example has similarity 0 to that theme.
    """

    themes: tuple[Theme, ...]
    threshold: float
    max_themes: int
    margin: float
    cue_bonus: float = 0.0
    other_examples: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Cache namespace: encoder weights + a hash of everything in the taxonomy."""
        content = json.dumps([METHOD, self.threshold, self.max_themes, self.margin, self.cue_bonus, self.other_examples,
                              [(t.key, t.label, t.description, t.examples, t.cues, t.exceptions, t.threshold)
                               for t in self.themes]])
        digest = hashlib.sha256(content.encode("utf-8")).hexdigest()[:16]
        return f"themes:{encoder_id(ENCODER)}:{digest}"

    @property
    def labels(self) -> list[str]:
        """Theme labels in file order, then :data:`OTHER`."""
        return [t.label for t in self.themes] + [OTHER]


def _phrases(values: list[str]) -> tuple[str, ...]:
    return tuple(v.strip() for v in values if v.strip())


def taxonomy(settings: ThemeTaxonomy) -> Taxonomy:
    """The taxonomy of ``settings`` (the validated ``parameters/themes.yaml``)."""
    themes = tuple(Theme(key, t.label.strip(), t.description.strip(), _phrases(t.examples), _phrases(t.cues),
                         _phrases(t.exceptions), t.threshold)
                   for key, t in settings.themes.items())
    return Taxonomy(themes, settings.threshold, settings.max_themes, settings.margin, settings.cue_bonus,
                    _phrases(settings.other_examples))


def _tags(text: str) -> list[tuple[str, str]]:
    """Lower-cased words with their tags, "n't" spelt "not", domain nouns tagged as nouns."""
    text = CONTRACTION.sub(lambda m: {"ca": "can", "wo": "will"}.get(m.group(1).lower(), m.group(1)) + " not", text)
    tagged = lexicon.tag(text.lower())
    return [(w, "NN" if w in DOMAIN_NOUNS and not t.startswith("NN") and (i + 1 == len(tagged) or
                                                                        tagged[i + 1][1] not in NOUNS) else t)
            for i, (w, t) in enumerate(tagged)]


def _word(word: str) -> bool:
    return word.replace("-", "").isalpha()


def _opinion(word: str) -> bool:
    return _word(word) and word not in INTENSIFIERS and word not in GENERIC_NOUNS and len(word) > 1


def _phrase(words: list[str]) -> str | None:
    words = [w for w in words if _word(w)][-MAX_PHRASE_WORDS:]
    if not words or all(w in GENERIC_NOUNS or w in INTENSIFIERS or w in NEGATIONS for w in words):
        return None
    return " ".join(words)


def _verb_object(tagged: list[tuple[str, str]], i: int, negated: str) -> tuple[str | None, int] | None:
    """Verb + (determiner) + noun phrase at ``i``: "shortened our discussion time", "not enough time";
    the phrase and the index after it, or None. ``negated``: the negation before it ("not", "no", "never"),
    empty when none."""
    word, tag = tagged[i]
    if not tag.startswith("VB") or word in LINKING_VERBS or word in NON_OPINION_VERBS or not _word(word):
        return None
    k = i + 1
    while k < len(tagged) and (tagged[k][1] in DETERMINERS or tagged[k][0] in INTENSIFIERS):
        k += 1
    m = k
    while m < len(tagged) and (tagged[m][1] in MODIFIERS or tagged[m][1] in NOUNS or tagged[m][0] in QUANTITIES):
        m += 1
    if m == k or tagged[m - 1][1] not in NOUNS or (m == i + 1 and tag in MODIFIERS):
        return None
    obj = [w for w, _ in tagged[k:m]]
    light = word in ("get", "got", "give", "gave", "have", "had", "did", "do", "given", "received", "receive")
    verb = [] if light else [word]
    if not verb and not negated and not any(w in QUANTITIES or (t in MODIFIERS and _opinion(w))
                                            for w, t in tagged[k:m]):
        return None
    if light and negated == "not" and obj[0] not in QUANTITIES:  # "did not get feedback": "no feedback"
        negated = "no"
    return _phrase([*([negated] if negated else []), *verb, *obj]), m


def _points_of_piece(tagged: list[tuple[str, str]]) -> list[str]:
    found: list[str | None] = []
    n = len(tagged)
    negated = ""  # the negation word that still waits for what it negates ("had no feedback": "no feedback")
    i = 0
    subject: list[str] = []
    while i < n:
        word, tag = tagged[i]
        if word in NEGATIONS:
            negated = word
        verb_object = _verb_object(tagged, i, negated)
        if verb_object is not None:
            phrase, i = verb_object
            found.append(phrase)
            negated = ""  # a negation reads once: "did not get feedback on my project" is not "not project"
            continue
        if tag in MODIFIERS or tag in NOUNS:
            before = len(found)
            j = i
            while j < n and (tagged[j][1] in MODIFIERS or tagged[j][1] in NOUNS or tagged[j][0] in INTENSIFIERS
                             and j + 1 < n and tagged[j + 1][1] in MODIFIERS):
                j += 1
            run = [w for w, _ in tagged[i:j] if w not in INTENSIFIERS]
            run_tags = [t for w, t in tagged[i:j] if w not in INTENSIFIERS]
            while run_tags and run_tags[-1] not in NOUNS and len(run_tags) > 1 and run_tags[-2] in NOUNS:
                run, run_tags = run[:-1], run_tags[:-1]
            has_noun = any(t in NOUNS for t in run_tags)
            has_modifier = any(t in MODIFIERS and _opinion(w) for w, t in zip(run, run_tags))
            if has_noun and has_modifier and run_tags[-1] in NOUNS:
                found.append(_phrase(([negated] if negated else []) + run))
            elif has_noun and negated:
                found.append(_phrase([negated, *run]) if run[0] not in NEGATIONS else _phrase(run))
            elif not has_noun and has_modifier and not subject:
                found.append(_phrase(([negated] if negated else []) + run))
            if has_noun:
                subject = [w for w, t in zip(run, run_tags) if t in NOUNS]
            said = found[before:]
            if said and said[-1] and negated and said[-1].startswith(f"{negated} "):  # used: it reads once
                negated = ""
            i = max(j, i + 1)
            continue
        if word in LINKING_VERBS and subject:
            k = i + 1
            not_after = False
            while k < n and (tagged[k][0] in INTENSIFIERS or tagged[k][0] in NEGATIONS or tagged[k][1] == "RB"
                             and tagged[k][0] not in ("enough",)):
                not_after = not_after or tagged[k][0] in NEGATIONS
                k += 1
            if k < n and tagged[k][1] in OPINION_AFTER_LINK and _opinion(tagged[k][0]):
                found.append(_phrase([*subject[-2:], *(["not"] if not_after or negated else []), tagged[k][0]]))
                subject, negated = [], ""
                i = k + 1
                continue
        if tag.startswith("VB") and subject and word not in LINKING_VERBS and _opinion(word) \
                and word not in NON_OPINION_VERBS:
            k = i + 1
            while k < n and (tagged[k][1] in ("VBG", "RP", "IN") and tagged[k][0] in ("up", "out", "down", "off")
                             or tagged[k][1] == "VBG"):
                k += 1
            found.append(_phrase([*subject[-2:], *([negated] if negated else []), *[w for w, _ in tagged[i:k]]]))
            subject, negated = [], ""
            i = k
            continue
        i += 1
    return [p for p in dict.fromkeys(found) if p]


def pieces(text: str) -> list[str]:
    """The text cut at sentence ends, commas, semicolons, "and" and contrast words (pieces of 3+ characters)."""
    return [p.strip() for p in PIECE_SPLIT.split(text) if p and len(p.strip()) > 2]


def piece_points(text: str) -> list[tuple[str, list[str]]]:
    """Each piece of a text (:func:`pieces`) with its aspect + opinion phrases."""
    return [(piece, _points_of_piece(_tags(piece))) for piece in pieces(text)]


def points(text: str, found: list[tuple[str, list[str]]] | None = None) -> list[str]:
    """Aspect + opinion phrases of a text, in order of appearance, each once (see the module docstring);
    ``found``: its :func:`piece_points`, when already computed."""
    found = found if found is not None else piece_points(text)
    return list(dict.fromkeys(p for _, piece in found for p in piece))


@cache
def _function_words() -> frozenset[str]:
    return (lexicon.english_stop_words() - NEGATIONS - QUANTITIES) | GENERIC_NOUNS


WORD = re.compile(r"[a-z][a-z'-]*")


def content(text: str) -> str:
    """The words of a text that can carry its point: lower-cased, without function words and
    :data:`GENERIC_NOUNS` ("Mentor was late" -> "late"). Similarity is measured on these, so
    that "mentor" in two texts does not make them alike."""
    text = CONTRACTION.sub(lambda m: m.group(1) + " not", text.lower())
    words = [w for w in WORD.findall(text) if w not in _function_words()]
    return " ".join(words) if any(w not in NEGATIONS and w not in QUANTITIES for w in words) else ""


@cache
def _example_matrix(tax: Taxonomy) -> tuple[np.ndarray, np.ndarray]:
    """Unit embeddings of every example phrase (its :func:`content`) and the index of its theme."""
    phrases = [(i, content(e)) for i, t in enumerate(tax.themes) for e in t.examples]
    phrases = [(i, e) for i, e in phrases if e]
    owner = np.array([i for i, _ in phrases], dtype=np.int64)
    return embed([e for _, e in phrases], ENCODER), owner


@cache
def _other_matrix(tax: Taxonomy) -> np.ndarray:
    """Unit embeddings of the taxonomy's ``other_examples`` (their :func:`content`); no rows when none."""
    phrases = [c for c in (content(e) for e in tax.other_examples) if c]
    return embed(phrases, ENCODER) if phrases else np.zeros((0, 0), dtype=np.float32)


def _spaced(text: str) -> str:
    """Lower-cased words (contractions spelt out, "-" a space) between single spaces: " mentor was not late "."""
    text = CONTRACTION.sub(lambda m: {"ca": "can", "wo": "will"}.get(m.group(1).lower(), m.group(1)) + " not",
                           text.lower())
    return " " + " ".join(re.findall(r"[a-z0-9']+", text.replace("-", " "))) + " "


def cue_hits(pieces_: list[str], tax: Taxonomy) -> tuple[np.ndarray, np.ndarray]:
    """Per piece of feedback (rows) and theme (columns): whether the piece holds a cue of the theme, and
    whether it holds one of the theme's exceptions (whole words; case and "-" ignored)."""
    spaced = [_spaced(p) for p in pieces_]
    cues = np.zeros((len(pieces_), len(tax.themes)), dtype=bool)
    exceptions = np.zeros_like(cues)
    for k, (cue, exception) in enumerate(_phrase_finders(tax)):
        for i, piece in enumerate(spaced):
            cues[i, k] = cue is not None and cue.search(piece) is not None
            exceptions[i, k] = exception is not None and exception.search(piece) is not None
    return cues, exceptions


@cache
def _phrase_finders(tax: Taxonomy) -> list[tuple[re.Pattern[str] | None, re.Pattern[str] | None]]:
    """Per theme, one pattern finding any of its cues and one finding any of its exceptions (each
    :func:`_spaced`, so matched as whole words) anywhere in a spaced piece; None when it has none."""
    def finder(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
        return re.compile("|".join(re.escape(_spaced(p)) for p in phrases)) if phrases else None

    return [(finder(t.cues), finder(t.exceptions)) for t in tax.themes]


def scores(texts: list[str], tax: Taxonomy, found: list[list[tuple[str, list[str]]]] | None = None) -> np.ndarray:
    """Each text's score for each theme (one row per text, one column per theme); ``found``: the texts'
    :func:`piece_points`, when already computed.

    A piece's similarity to a theme is the best, over the piece and its points, of the cosine similarity (of
    their :func:`content`) to the theme's closest example phrase. Its score is that plus ``cue_bonus`` when the
    piece holds a cue of the theme; without a cue, a piece or point closer to an ``other_examples`` phrase than
    to the theme counts 0. A piece holding one of the theme's exceptions scores 0. A text's score is its best
    piece's.
    """
    found = found if found is not None else [piece_points(t) for t in texts]
    owners = [(i, piece) for i, text_pieces in enumerate(found) for piece, _ in text_pieces]
    result = np.zeros((len(texts), len(tax.themes)), dtype=np.float32)
    if not owners:
        return result
    units = [(j, u) for j, (piece, piece_points_) in enumerate(p for t in found for p in t)
             for u in dict.fromkeys([piece, *piece_points_])]
    contents = [content(u) for _, u in units]
    embedded = [k for k, c in enumerate(contents) if c]
    similarity = np.zeros((len(units), len(tax.themes)), dtype=np.float32)
    other = np.zeros(len(units), dtype=np.float32)
    if embedded:
        vectors = embed([contents[k] for k in embedded], ENCODER)
        examples, owner = _example_matrix(tax)
        pairwise = vectors @ examples.T
        for theme in range(len(tax.themes)):
            if (owner == theme).any():
                similarity[embedded, theme] = pairwise[:, owner == theme].max(axis=1)
        others = _other_matrix(tax)
        if len(others):
            other[embedded] = (vectors @ others.T).max(axis=1)
    rows = np.array([j for j, _ in units])
    similar, closer_to_theme = (np.zeros((len(owners), len(tax.themes)), dtype=np.float32) for _ in range(2))
    np.maximum.at(similar, rows, similarity)
    np.maximum.at(closer_to_theme, rows, np.where(similarity > other[:, None], similarity, 0.0))
    cues, exceptions = cue_hits([piece for _, piece in owners], tax)
    per_piece = np.where(exceptions, 0.0, np.where(cues, similar + tax.cue_bonus, closer_to_theme))
    np.maximum.at(result, np.array([i for i, _ in owners]), per_piece.astype(np.float32))
    return result


def choose(row: np.ndarray, tax: Taxonomy, threshold: float | None = None) -> list[int]:
    """Indices of the themes a text gets from its scores ``row``: at least the theme's threshold (``threshold``
    when given, else the theme's own or the taxonomy's) and within ``margin`` of the best, most similar first,
    at most ``max_themes``."""
    floors = np.array([threshold if threshold is not None else t.threshold if t.threshold is not None
                       else tax.threshold for t in tax.themes], dtype=np.float32)
    passing = row >= floors
    if not passing.any():
        return []
    best = float(row[passing].max())
    return [int(k) for k in np.argsort(-row, kind="stable") if passing[k] and row[k] >= best - tax.margin][
        :tax.max_themes]


def assign(texts: list[str], tax: Taxonomy) -> list[dict[str, Any]]:
    """Points, themes (labels, highest score first, or ``[OTHER]``) and their :func:`scores` per text (no cache)."""
    found = [piece_points(t) for t in texts]
    sims = scores(texts, tax, found)
    result = []
    for text_points, row in zip([points(t, f) for t, f in zip(texts, found)], sims):
        order = choose(row, tax)
        result.append({"points": text_points, "themes": [tax.themes[k].label for k in order] or [OTHER],
                       "score": [round(float(row[k]), 4) for k in order]})
    return result


def analyse(texts: list[str], tax: Taxonomy) -> dict[str, dict[str, Any]]:
    """:func:`assign` for each distinct non-empty text, through the on-disk cache keyed by the taxonomy."""
    unique = [t for t in dict.fromkeys(texts) if t]
    found = {t: json.loads(v) for t, v in nlp_cache.get_many(tax.key, unique).items()}
    todo = [t for t in unique if t not in found]
    if todo:
        log.info("themes for %d new texts (%d cached)", len(todo), len(found))
        new = dict(zip(todo, assign(todo, tax)))
        nlp_cache.put_many(tax.key, {t: json.dumps(v).encode() for t, v in new.items()})
        found.update(new)
    return found


def session_themes(feedback: pd.Series, tax: Taxonomy) -> pd.DataFrame:
    """The ``points`` and ``themes`` columns (``; ``-joined; missing without feedback, ``points`` also
    when the feedback has none)."""
    text = feedback.astype("string").str.strip().fillna("")
    found = analyse(text.tolist(), tax)
    pts = [SEPARATOR.join(found[t]["points"]) if t else "" for t in text]
    themes = [SEPARATOR.join(found[t]["themes"]) if t else "" for t in text]
    return pd.DataFrame({"points": pd.Series(pts, index=feedback.index, dtype="string").replace("", pd.NA),
                         "themes": pd.Series(themes, index=feedback.index, dtype="string").replace("", pd.NA)})


def theme_counts(enriched: pd.DataFrame, by: str | None = None, sentiment: str | None = None,
                 include_other: bool = False) -> pd.DataFrame:
    """Sessions per theme and role (complaint / praise / mention), optionally per group ``by``.

    Columns: ``by`` (if given), ``theme``, ``role``, ``sessions`` (sessions with feedback
    of that theme and role), ``quote`` (the feedback most often given among those whose
    first, most similar theme it is, else among all of them; ties: the shortest, then
    alphabetical). ``sentiment`` keeps one label only. Sorted by group,
    then most sessions first. ``Other`` is left out unless ``include_other``, and then comes after
    every named theme (it is what no theme matched, not the largest theme).
    """
    columns = [*([by] if by else []), "theme", "role", "sessions", "quote"]
    frame = enriched.dropna(subset=["themes"])
    frame = frame[frame["sentiment"].astype("string").isin(list(SENTIMENT_ROLES))]
    if sentiment is not None:
        frame = frame[frame["sentiment"].astype("string") == sentiment]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    keys = [by] if by else []
    rows = frame[[*keys, "themes", "sentiment", "learner_feedback"]].assign(
        theme=frame["themes"].astype(str).str.split(SEPARATOR),
        role=frame["sentiment"].astype(str).map(SENTIMENT_ROLES),
        quote=frame["learner_feedback"].astype(str).str.strip()).explode("theme")
    if not include_other:
        rows = rows[rows["theme"] != OTHER]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    group = [*keys, "theme", "role"]
    sessions = rows.groupby(group, observed=True, sort=False).size().rename("sessions")
    rows = rows.assign(first=rows["themes"].astype(str).str.split(SEPARATOR).str[0] == rows["theme"])
    quotes = rows.groupby([*group, "quote"], observed=True, sort=False).agg(
        first=("first", "max"), n=("first", "size")).reset_index()
    quotes = quotes.assign(length=quotes["quote"].str.len()).sort_values(
        [*group, "first", "n", "length", "quote"], ascending=[*[True] * len(group), False, False, True, True])
    first = quotes.drop_duplicates(group).set_index(group)["quote"]
    table = pd.concat([sessions, first], axis=1).reset_index()
    table = table.assign(other=table["theme"] == OTHER).sort_values(
        [*keys, "other", "sessions", "theme", "role"], ascending=[*[True] * len(keys), True, False, True, True],
        ignore_index=True)
    return table[columns]


def describe(row: Any, max_quote: int = 80) -> str:
    """One line for a row of :func:`theme_counts`: "Punctuality — 7 complaints: 'Mentor was late, …'"."""
    n = int(row["sessions"])
    quote = str(row["quote"])
    if len(quote) > max_quote:
        quote = quote[:max_quote].rsplit(" ", 1)[0].rstrip(" ,;.") + " …"
    role = str(row["role"])
    theme = f"{OTHER} (no theme matched)" if row["theme"] == OTHER else row["theme"]
    return f"{theme} — {n} {role}{'' if n == 1 else 's'}: '{quote}'"
