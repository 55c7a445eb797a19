"""Safeguarding alerts: terms on word stems with negation, whatever the rating; PM-only output."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import SETTINGS, enriched, row
from typer.testing import CliRunner

from mentortrack.analytics.safeguarding import (
    Rules,
    concerns,
    safeguarding_alerts,
    scan_sessions,
    told_to_mentor,
    withhold_from_mentor,
    words,
)
from mentortrack.cli import app
from mentortrack.config import SafeguardingSettings
from mentortrack.lifecycle.mailer import compose
from mentortrack.reports.escape import markdown_text


@pytest.mark.parametrize(("text", "category"), [
    ("he harassed me", "harassment"),
    ("The mentor kept HARASSING me", "harassment"),
    ("I was bullied in the call", "harassment"),
    ("He asked for my WhatsApp number", "outside_contact"),
    ("He kept texting me after the session", "outside_contact"),
    ("I don't want to live anymore", "self_harm"),
    ("He said women can't code", "discrimination"),
    ("He made inappropriate comments about my looks", "inappropriate_conduct"),
    ("Not only was he rude, he harassed me", "harassment"),          # "not only" is no negation
    ("It was not great, he threatened me", "harassment"),            # the comma closes the negation's clause
    ("No feedback on my CV and he harassed me", "harassment"),      # "and" closes it too
])
def test_concerning_text_raises_its_category(text: str, category: str) -> None:
    assert category in {c for c, _ in concerns(text, Rules.from_settings(SETTINGS.safeguarding))}


@pytest.mark.parametrize("text", [
    "I felt safe", "There was no harassment", "I never felt unsafe", "I didn't feel uncomfortable at all",
    "Harassment was not an issue", "He did not ask for my phone number", "Nobody bullied me",
    "We barely touched my resume", "Mock interview was great", "Hard to understand the mentor's accent",
    "Mentioned external resources (Udemy, etc.)", "Dismissive tone noted", "", None,
])
def test_harmless_or_negated_text_raises_nothing(text: str | None) -> None:
    assert concerns(text, Rules.from_settings(SETTINGS.safeguarding)) == []


def test_words_are_stems_with_contractions_expanded() -> None:
    assert words("He harassed me; I didn't reply") == ["he", "harass", "me", ";", "i", "did", "not", "repli"]
    assert words("harassment") == words("harassing") == ["harass"]


def test_terms_come_from_the_parameters() -> None:
    settings = SafeguardingSettings.model_validate({
        "max_gap": 0, "negation": {"window": 2, "cues": ["no"], "not_negating": [], "clause_breaks": [], "after": []},
        "categories": {"custom": {"label": "Custom", "terms": ["pineapple pizza"]}}})
    assert concerns("He ordered pineapple pizzas", Rules.from_settings(settings)) == [("custom", "pineapple pizza")]
    assert concerns("no pineapple pizza", Rules.from_settings(settings)) == []
    assert concerns("he harassed me", Rules.from_settings(settings)) == []


@pytest.fixture()
def table(tmp_path: Path) -> pd.DataFrame:
    rows = [
        row(Session_ID="G1", Session_Date="2025-09-10", Post_Session_Rating="5", Mentor_Name="Asha Rao",
            Learner_ID="L1", Learner_Feedback="Great tips, but he asked for my WhatsApp number <b>"),
        row(Session_ID="G2", Session_Date="2025-09-11", Learner_ID="L2", Learner_Feedback="I felt safe and heard"),
        row(Session_ID="G3", Session_Date="2025-09-12", Learner_ID="L3", Learner_Feedback="Helpful",
            Issue_Flag="Mentor made inappropriate remark"),
        row(Session_ID="G4", Session_Date="2025-09-12", Learner_ID="L4", Post_Session_Rating="1",
            Learner_Feedback="Mentor was late and vague"),
    ]
    return enriched(tmp_path, rows, ["Positive", "Positive", "Positive", "Negative"], ["whatsapp number", None,
                                                                                       None, "vague"])


def test_a_planted_comment_alerts_whatever_its_rating_and_a_harmless_one_does_not(table: pd.DataFrame) -> None:
    alerts = safeguarding_alerts(table, SETTINGS.safeguarding)
    assert alerts[["session_id", "source", "concern"]].values.tolist() == [
        ["G3", "issue flag", "Inappropriate conduct"], ["G1", "feedback", "Contact outside the platform"]]
    first = alerts[alerts["session_id"] == "G1"].iloc[0]
    assert (first["mentor_name"], first["learner_id"]) == ("Asha Rao", "L1")
    assert first["quote"] == "Great tips, but he asked for my WhatsApp number <b>"
    assert scan_sessions(table, SETTINGS.safeguarding)["safeguarding"].tolist() == ["Contact outside the platform", "",
                                                            "Inappropriate conduct", ""]


def test_transcript_notes_are_scanned(table: pd.DataFrame, tmp_path: Path) -> None:
    import json

    from mentortrack.analytics.safeguarding import read_transcript_notes

    (tmp_path / "G2.json").write_text(json.dumps({"session_id": "G2", "transcript_text": [
        {"speaker": "Mentor", "text": "Add me on Instagram, it is easier."},
        {"speaker": "Learner", "text": "Thanks, that helps."}]}), encoding="utf-8")
    alerts = safeguarding_alerts(table, SETTINGS.safeguarding, read_transcript_notes(tmp_path))
    hit = alerts[alerts["source"] == "transcript"].iloc[0]
    assert (hit["session_id"], hit["learner_id"], hit["quote"]) == ("G2", "L2", "Mentor: Add me on Instagram, it is easier.")


def test_the_mentor_concerned_never_gets_the_text(table: pd.DataFrame) -> None:
    view = withhold_from_mentor(table, SETTINGS.safeguarding)
    assert view.loc[table["session_id"] == "G1", "learner_feedback"].isna().all()
    assert view.loc[table["session_id"] == "G2", "learner_feedback"].tolist() == ["I felt safe and heard"]
    assert "whatsapp" not in " ".join(view["summary"].str.lower())
    directory = {"Sneha Reddy": "sneha@mentors.org", "Asha Rao": "asha@mentors.org"}
    mails, _, withheld = compose(table, "2025-09", directory, SETTINGS.lifecycle.email, SETTINGS.safeguarding,
                                 SETTINGS.warnings.rules)
    to_mentor = [m for m in mails if m.recipient.endswith("@mentors.org")]
    assert to_mentor and not any("whatsapp" in (m.text + m.html).lower() or "inappropriate remark" in
                                 (m.text + m.html).lower() for m in to_mentor)
    assert sorted(withheld["session_id"]) == ["G1", "G3"], "no session e-mail to a reported pair, either side"
    assert not any(m.key.startswith(("session:G1:", "session:G3:")) for m in mails)
    to_learner = next(m for m in mails if m.key == "session:G2:learner")
    assert "feedback helps us improve" not in to_learner.text      # the learner did give feedback


def test_what_reaches_the_mentor_does_not_say_a_complaint_exists(tmp_path: Path) -> None:
    rows = [row(Session_ID="H1", Session_Date="2025-09-10", Post_Session_Rating="4", Mentor_Name="Asha Rao",
                Learner_ID="L1", Learner_Feedback="He harassed me and was rude", Follow_Up_Scheduled="Yes"),
            row(Session_ID="H2", Session_Date="2025-09-11", Post_Session_Rating="4", Mentor_Name="Asha Rao",
                Learner_ID="L2", Learner_Feedback="Mentor was late and vague", Follow_Up_Scheduled="Yes")]
    table = enriched(tmp_path, rows, ["Negative", "Negative"], ["rude", "vague"])
    assert "negative feedback" in table.loc[0, "reasons"]
    told = told_to_mentor(table, SETTINGS.safeguarding, SETTINGS.warnings.rules)
    assert told.loc[0, "sentiment"] == "No feedback" and pd.isna(told.loc[0, "themes"])
    assert "negative feedback" not in told.loc[0, "reasons"] and told.loc[0, "level"] == "green"
    assert "negative" not in told.loc[0, "summary"].lower()
    assert told.loc[1, "reasons"] == table.loc[1, "reasons"]
    assert told.loc[1, "sentiment"] == "Negative", "an unflagged session is told as it is"
    assert withhold_from_mentor(table, SETTINGS.safeguarding).loc[0, "sentiment"] == "Negative", \
        "the pages the program manager reads keep the label (the KPIs do not change)"


def test_markdown_output_is_escaped() -> None:
    assert markdown_text("<script>*x*</script> [a](b)") == "&lt;script&gt;\\*x\\*&lt;/script&gt; \\[a\\](b)"


def test_the_alerts_command_puts_safeguarding_first(table: pd.DataFrame, tmp_path: Path) -> None:
    from mentortrack.reports.storage import write_table

    path = write_table(table, tmp_path / "enriched.parquet")
    result = CliRunner().invoke(app, ["alerts", str(path), "--as-of", "2025-09-12 23:00", "--out", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "a" / "alerts.md").read_text(encoding="utf-8")
    assert text.index("Safeguarding alerts") < text.index("Red sessions")
    assert "session G3" in text and "learner L3" in text and "G1" not in text.split("# Red")[0]   # G1: 10 Sep
    assert pd.read_csv(tmp_path / "a" / "safeguarding.csv")["session_id"].tolist() == ["G3"]
