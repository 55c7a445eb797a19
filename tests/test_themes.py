"""Themes: the taxonomy file, points with an opinion, the threshold and Other, the cache, counts with quotes."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
from conftest import SETTINGS

from mentortrack.analytics import corpus, evaluation, themes
from mentortrack.config import ParameterError, ThemeTaxonomy, load_parameters

EXPORT = {"Mentor was late, shortened our discussion time": ({"Punctuality", "Session length"}, "mentor late"),
          "Session felt rushed, didn't get enough time": ({"Session length"}, "session rushed"),
          "Vague advice, expected more concrete steps": ({"Actionable advice"}, "vague advice")}
"""The complaints quoted from the real export (docs/session-export.md), the themes and a point each must get."""


def _settings() -> dict:
    return copy.deepcopy(SETTINGS.themes.model_dump())


def _shipped() -> themes.Taxonomy:
    return themes.taxonomy(SETTINGS.themes)


def test_the_shipped_taxonomy_has_a_dozen_described_themes_with_examples() -> None:
    tax = _shipped()
    assert len(tax.themes) == 12 and 0 < tax.threshold < 1
    assert all(t.description and len(t.examples) >= 3 for t in tax.themes)
    assert tax.labels[-1] == themes.OTHER and len(set(tax.labels)) == 13


@pytest.mark.parametrize(("yaml_text", "message"), [
    ("threshold: 1.5\n", "threshold: expected input should be less than 1"),
    ("themes:\n  punctuality:\n    examples: []\n", "themes.punctuality.examples"),
    ("themes:\n  other:\n    label: Other\n    description: d\n    examples: [x]\n", "'other' is what feedback"),
    ("themes:\n  mood:\n    label: Mood\n    description: d\n    examples: [x]\n    colour: red\n",
     "themes.mood.colour: expected no such setting"),
])
def test_a_wrong_taxonomy_names_the_file_and_the_key(tmp_path: Path, yaml_text: str, message: str) -> None:
    (tmp_path / "themes.yaml").write_text(yaml_text)
    with pytest.raises(ParameterError, match="themes.yaml") as err:
        load_parameters("themes", tmp_path)
    assert message in str(err.value)


def test_the_real_export_complaints_each_get_a_theme_naming_their_point() -> None:
    found = themes.analyse(list(EXPORT), _shipped())
    for text, (expected, point) in EXPORT.items():
        assert set(found[text]["themes"]) == expected, text
        assert point in found[text]["points"], text


def test_points_carry_an_opinion_and_a_generic_noun_is_never_one() -> None:
    assert themes.points("Very realistic mock interview, great feedback") == ["realistic mock interview",
                                                                               "great feedback"]
    assert themes.points("Didn't get enough time") == ["not enough time"]
    for text in ("Mentor", "The session", "We had a discussion about the topic", "Mentor and session, topics"):
        assert themes.points(text) == [], text
    many = themes.analyse(["Great discussion about topics", "The mentor and the session", "Session about topics"],
                          _shipped())
    assert all(p not in themes.GENERIC_NOUNS for r in many.values() for p in r["points"])


def test_below_the_threshold_is_other_and_a_neutral_report_of_advice_is_no_complaint() -> None:
    tax = _shipped()
    text = "Had to reschedule twice"
    similarity = themes.similarities([text], tax).max()
    assert tax.threshold <= similarity < 0.99
    assert themes.assign([text], tax)[0]["themes"] == ["Scheduling"]
    strict = _settings() | {"threshold": round(float(similarity) + 0.005, 3)}
    assert themes.assign([text], themes.taxonomy(ThemeTaxonomy.model_validate(strict)))[0]["themes"] == [themes.OTHER]
    assert themes.assign(["Mentor suggested I try Udemy for some topics"], tax)[0]["themes"] == [themes.OTHER]


def test_a_theme_added_to_the_yaml_appears_in_the_next_run() -> None:
    text = "Helped me negotiate my salary offer"
    before = themes.analyse([text], _shipped())[text]["themes"]
    settings = _settings()
    settings["themes"]["negotiation"] = {"label": "Offer negotiation", "description": "negotiating a job offer",
                                         "examples": ["negotiate the salary offer", "offer negotiation tips"]}
    tax = themes.taxonomy(ThemeTaxonomy.model_validate(settings))
    assert tax.key != _shipped().key
    assert before == [themes.OTHER] and themes.analyse([text], tax)[text]["themes"] == ["Offer negotiation"]


def test_a_cached_rerun_gives_identical_themes(monkeypatch: pytest.MonkeyPatch) -> None:
    feedback = pd.Series(["Mentor was late, shortened our discussion time", None, "  ", "Audio kept cutting out",
                          "Mentor was late, shortened our discussion time"])
    first = themes.session_themes(feedback, _shipped())
    monkeypatch.setattr(themes, "assign", lambda *a: pytest.fail("recomputed a cached text"))
    again = themes.session_themes(feedback, _shipped())
    pd.testing.assert_frame_equal(first, again)
    assert first["themes"].isna().tolist() == [False, True, True, False, False]
    assert first.loc[3, "themes"] == "Audio/video problems"


def test_theme_counts_by_hand() -> None:
    late, rushed = "Mentor was late, shortened our discussion time", "Session felt rushed"
    frame = pd.DataFrame({
        "mentor_name": ["A", "A", "A", "B", "B", "A"],
        "learner_feedback": [late, late, rushed, "Late again", "Great mock interview", "Fine"],
        "sentiment": ["Negative", "Negative", "Negative", "Negative", "Positive", "No feedback"],
        "themes": ["Punctuality; Session length", "Punctuality; Session length", "Session length", "Punctuality",
                   "Mock-interview realism", "Other"]})
    table = themes.theme_counts(frame, "mentor_name")
    a = table[table["mentor_name"] == "A"].set_index("theme")
    # A: session length in 3 negative sessions (2 x late, 1 x rushed), punctuality in 2; the quote is the feedback
    # whose first theme it is (rushed), even though late is more frequent
    assert a["sessions"].to_dict() == {"Session length": 3, "Punctuality": 2}
    assert a.loc["Session length", "quote"] == rushed and a.loc["Punctuality", "quote"] == late
    assert (a["role"] == "complaint").all()
    assert themes.describe(a.loc["Punctuality"].to_dict() | {"theme": "Punctuality"}) == \
        "Punctuality — 2 complaints: 'Mentor was late, shortened our discussion time'"
    b = table[table["mentor_name"] == "B"].set_index("theme")
    assert b.loc["Mock-interview realism", "role"] == "praise" and b["sessions"].sum() == 2
    assert themes.theme_counts(frame[frame["sentiment"] == "No feedback"]).empty
    assert len(themes.theme_counts(frame, include_other=True)) == len(themes.theme_counts(frame))


def test_describe_shortens_long_quotes_at_a_word() -> None:
    row = {"theme": "Clarity", "role": "praise", "sessions": 1, "quote": "word " * 40}
    line = themes.describe(row, max_quote=20)
    assert line == "Clarity — 1 praise: 'word word word word …'"


def test_the_theme_evaluation_refuses_reserved_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    first = evaluation.theme_gold()["text"].iloc[0]
    monkeypatch.setattr(corpus, "reserved_fingerprints", lambda: frozenset({corpus.fingerprint(first)}))
    with pytest.raises(ValueError, match="reserved evaluation comments"):
        evaluation.evaluate_themes(SETTINGS.themes, split=evaluation.theme_gold()["split"].iloc[0])


def test_the_theme_evaluation_scores_every_theme_on_the_test_split() -> None:
    result = evaluation.evaluate_themes(SETTINGS.themes)
    table = result["per_theme"].set_index("theme")
    assert result["n"] == (evaluation.theme_gold()["split"] == "test").sum() > 100
    assert list(table.index) == _shipped().labels
    assert (table["right"] <= table[["gold", "predicted"]].min(axis=1)).all()
    assert result["micro"]["recall"] > 0.5
