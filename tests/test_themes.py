"""Themes: the taxonomy file, points with an opinion, the threshold and Other, the cache, counts with quotes."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

import pandas as pd
import pytest
from conftest import SETTINGS

from mentortrack.analytics import corpus, theme_evaluation, themes
from mentortrack.config import ParameterError, ThemeTaxonomy, load_parameters

EXPORT = {"Mentor was late, shortened our discussion time": ({"Punctuality", "Session length"}, "mentor late"),
          "Session felt rushed, didn't get enough time": ({"Session length"}, "session rushed"),
          "Vague advice, expected more concrete steps": ({"Actionable advice"}, "vague advice")}
"""The complaints quoted from the real export (docs/session-export.md), the themes and a point each must get."""


def _settings() -> dict:
    return copy.deepcopy(SETTINGS.themes.model_dump())


def _shipped() -> themes.Taxonomy:
    return themes.taxonomy(SETTINGS.themes)


def _custom(settings: dict) -> themes.Taxonomy:
    return themes.taxonomy(ThemeTaxonomy.model_validate(settings))


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


def test_feeling_judged_is_the_mentors_conduct() -> None:
    found = themes.analyse(["Felt judged for asking basic questions", "Mentor was judgmental about my background"],
                           _shipped())
    assert [row["themes"] for row in found.values()] == [["Conduct"], ["Conduct"]]


def test_points_carry_an_opinion_and_a_generic_noun_is_never_one() -> None:
    assert themes.points("Very realistic mock interview, great feedback") == ["realistic mock interview",
                                                                               "great feedback"]
    assert themes.points("Didn't get enough time") == ["not enough time"]
    for text in ("Mentor", "The session", "We had a discussion about the topic", "Mentor and session, topics"):
        assert themes.points(text) == [], text
    many = themes.analyse(["Great discussion about topics", "The mentor and the session", "Session about topics"],
                          _shipped())
    assert all(p not in themes.GENERIC_NOUNS for r in many.values() for p in r["points"])


def test_below_the_threshold_is_other() -> None:
    tax = _shipped()
    text = "Mentor joined after the start"  # no cue: the similarity alone decides
    assert not themes.cue_hits(themes.pieces(text), tax)[0].any()
    score = themes.scores([text], tax).max()
    assert tax.threshold <= score < 0.99
    assert themes.assign([text], tax)[0]["themes"] == ["Punctuality"]
    strict = _settings() | {"threshold": round(float(score) + 0.005, 3)}
    assert themes.assign([text], _custom(strict))[0]["themes"] == [themes.OTHER]
    own = _settings()
    own["themes"]["punctuality"]["threshold"] = round(float(score) + 0.005, 3)
    assert themes.assign([text], _custom(own))[0]["themes"] == [themes.OTHER]


def test_a_cue_adds_its_bonus_and_an_exception_cancels_the_theme() -> None:
    tax = _shipped()
    without_bonus = _custom(_settings() | {"cue_bonus": 0.0})
    text = "Had to reschedule twice"
    column = [t.key for t in tax.themes].index("scheduling")
    gain = themes.scores([text], tax)[0, column] - themes.scores([text], without_bonus)[0, column]
    assert gain == pytest.approx(tax.cue_bonus)
    assert themes.assign([text], tax)[0]["themes"] == ["Scheduling"]
    # the learner's own preparation or lateness is not the mentor's
    assert themes.assign(["Mentor came well prepared"], tax)[0]["themes"] == ["Preparation"]
    assert themes.assign(["Be prepared to work hard"], tax)[0]["themes"] == [themes.OTHER]
    assert "Punctuality" not in themes.assign(["Late work is not accepted"], tax)[0]["themes"]


def test_cues_match_whole_words_case_hyphens_and_contractions_aside() -> None:
    tax = _shipped()
    column = {t.key: k for k, t in enumerate(tax.themes)}
    cues, exceptions = themes.cue_hits(["Unclear prompts", "He DIDN'T show up", "A fast-paced session",
                                        "Be prepared to read"], tax)
    assert not cues[0, column["punctuality"]]  # "prompts" is not the cue "prompt"
    assert cues[1, column["punctuality"]] and cues[2, column["session_length"]]
    assert cues[3, column["preparation"]] and exceptions[3, column["preparation"]]


def test_a_piece_closer_to_the_other_examples_counts_for_no_theme() -> None:
    text = "Recommend the class"
    assert themes.assign([text], _shipped())[0]["themes"] == [themes.OTHER]
    assert themes.assign([text], _custom(_settings() | {"other_examples": []}))[0]["themes"] != [
        themes.OTHER]


def test_a_neutral_report_of_advice_is_a_mention_not_a_complaint() -> None:
    text = "Mentor suggested I try Udemy for some topics"
    assert themes.analyse([text], _shipped())[text]["themes"] == ["Actionable advice"]
    frame = pd.DataFrame({"learner_feedback": [text], "sentiment": ["Neutral"], "themes": ["Actionable advice"]})
    assert themes.theme_counts(frame)["role"].tolist() == ["mention"]


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


def test_other_comes_after_every_named_theme_however_many_it_holds() -> None:
    frame = pd.DataFrame({"themes": ["Other", "Other", "Other", "Punctuality", "Other"],
                          "sentiment": ["Neutral", "Neutral", "Neutral", "Negative", "Positive"],
                          "learner_feedback": ["We planned the next session"] * 3 + ["Mentor was late", "Fine"]})
    table = themes.theme_counts(frame, include_other=True)
    assert table[["theme", "role", "sessions"]].values.tolist() == [
        ["Punctuality", "complaint", 1], ["Other", "mention", 3], ["Other", "praise", 1]]
    assert themes.describe(table.iloc[1]) == "Other (no theme matched) — 3 mentions: 'We planned the next session'"


def test_describe_shortens_long_quotes_at_a_word() -> None:
    row = {"theme": "Clarity", "role": "praise", "sessions": 1, "quote": "word " * 40}
    line = themes.describe(row, max_quote=20)
    assert line == "Clarity — 1 praise: 'word word word word …'"


def test_the_theme_evaluation_refuses_reserved_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    gold = theme_evaluation.theme_gold()
    first = gold["text"].iloc[0]
    monkeypatch.setattr(corpus, "reserved_fingerprints", lambda: frozenset({corpus.fingerprint(first)}))
    with pytest.raises(ValueError, match="reserved evaluation comments"):
        theme_evaluation.evaluate_themes(SETTINGS.themes, split=gold["split"].iloc[0], group=None)


def test_the_theme_evaluation_data_is_labelled_with_the_taxonomy_and_split_by_hash() -> None:
    gold = theme_evaluation.theme_gold()
    keys = {t.key for t in _shipped().themes} | {"other"}
    assert all(set(cell.split(";")) <= keys for cell in gold["themes"])
    assert not gold["text"].duplicated().any() and not corpus.leaked(gold["text"])
    parity = gold["text"].map(lambda t: "dev" if int(hashlib.sha256(t.encode()).hexdigest(), 16) % 2 == 0 else "test")
    assert (gold["split"] == parity).all()
    learner = gold[gold["source"].isin(theme_evaluation.SETS["learner feedback"])]
    assert len(learner) >= 300 and set(learner["drawn"]) == {"random", "keyword"}
    assert set(gold["source"]) == {s for sources in theme_evaluation.SETS.values() for s in sources}


def test_the_theme_evaluation_scores_every_theme_on_the_test_split() -> None:
    result = theme_evaluation.evaluate_themes(SETTINGS.themes)
    table = result["per_theme"].set_index("theme")
    gold = theme_evaluation.theme_gold()
    test = gold[(gold["split"] == "test") & gold["source"].isin(theme_evaluation.SETS["learner feedback"])]
    assert result["n"] == len(test) > 150
    assert list(table.index) == _shipped().labels
    assert (table["right"] <= table[["support", "predicted"]].min(axis=1)).all()
    assert table.loc[themes.OTHER, "support"] == (test["themes"] == "other").sum()
    assert result["macro"]["themes"] == ((table["support"] > 0) & (table.index != themes.OTHER)).sum()
    assert result["micro"]["f1"] > 0.6 and result["macro"]["f1"] > 0.6


def test_theme_scores_by_hand() -> None:
    truth = [{"A"}, {"A", "B"}, set(), set()]
    pred = [{"A"}, {"B"}, {"A"}, set()]
    table = theme_evaluation.per_theme(truth, pred, ["A", "B", "C", "Other"], "Other").set_index("theme")
    # A: gold in 2 texts, predicted in 2, right in 1; B: 1 / 1 / 1; C: never; Other (no theme): 2 / 1 / 1
    assert table.loc["A", ["support", "predicted", "right"]].tolist() == [2, 2, 1]
    assert table.loc["A", "precision"] == table.loc["A", "recall"] == table.loc["A", "f1"] == 0.5
    assert table.loc["B", "f1"] == 1.0 and pd.isna(table.loc["C", "precision"])
    assert table.loc["Other", ["support", "predicted", "right"]].tolist() == [2, 1, 1]
    # micro: 2 right of 3 predicted and 3 gold pairs; macro over A and B (C and Other have no support)
    assert theme_evaluation.micro(truth, pred) == pytest.approx({"precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3})
    assert theme_evaluation.macro(table.reset_index(), "Other") == pytest.approx(
        {"precision": 0.75, "recall": 0.75, "f1": 0.75, "themes": 2})


def test_a_negation_reads_once() -> None:
    # "Not worth the booking" said "not worth, not booking" in a real export's summary
    assert themes.points("Not worth the booking. Disappointed") == ["not worth", "disappointed"]
    assert themes.points("Mentor was not prepared and not helpful") == ["mentor not prepared", "not helpful"]


def test_a_negation_is_said_with_its_own_word() -> None:
    # the session summaries read "(mock interview, not feedback)" for "had no feedback"
    assert themes.points("The mock interview had no feedback at the end") == ["mock interview", "no feedback"]
    assert themes.points("No agenda and no feedback") == ["no agenda", "no feedback"]
    assert themes.points("Never explained the code") == ["never explained code"]
    assert themes.points("We ran out of time without any action items") == ["without action items"]
    # "did not get X" is having no X; "not enough time" keeps its quantity
    assert themes.points("Did not get feedback on my project") == ["no feedback"]
    assert themes.points("Didn't get enough time") == ["not enough time"]
