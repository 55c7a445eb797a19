"""Transcript parsing (VTT voices, SRT and TXT name prefixes), engagement by hand, action items, notes."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from mentortrack.cli import app
from mentortrack.lifecycle.transcripts import (
    TranscriptError,
    Utterance,
    action_items,
    attendance,
    engagement,
    join_notes,
    read_transcript,
    session_id_from_name,
)
from mentortrack.paths import package_data

VTT = """WEBVTT

00:00:00.000 --> 00:00:10.000
<v Mentor A>Welcome. Today we review your resume.

00:00:10.000 --> 00:00:20.000
<v Mentor A>First the summary section.

00:00:35.000 --> 00:00:45.000
<v Learner B>Should I keep the summary? What about skills?

00:00:45.000 --> 00:01:05.000
<v Mentor A>Keep two lines. Next step: I will send you a template by Friday.
"""


@pytest.fixture()
def vtt(tmp_path: Path) -> Path:
    path = tmp_path / "SS1234_review.vtt"
    path.write_text(VTT)
    return path


def test_vtt_voices(vtt: Path) -> None:
    utterances = read_transcript(vtt)
    assert [u.speaker for u in utterances] == ["Mentor A", "Mentor A", "Learner B", "Mentor A"]
    assert utterances[2] == Utterance(35.0, 45.0, "Learner B", "Should I keep the summary? What about skills?")


def test_srt_and_txt_name_prefixes(tmp_path: Path) -> None:
    srt = tmp_path / "a.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:04,000\nRahul Chopra: Hello there.\n\n"
                   "2\n00:00:05,000 --> 00:00:09,500\nLearner_7: Hi! Can we start?\n")
    assert [(u.speaker, u.text, u.end) for u in read_transcript(srt)] == [
        ("Rahul Chopra", "Hello there.", 4.0), ("Learner_7", "Hi! Can we start?", 9.5)]
    txt = tmp_path / "b.txt"
    txt.write_text("[00:00:03] Swati Verma: Hi, thanks.\n[00:01:10] Learner_18: Thank you for the review.\n")
    utterances = read_transcript(txt)
    assert [(u.start, u.end, u.speaker) for u in utterances] == [(3, 70, "Swati Verma"), (70, 72.0, "Learner_18")]


def test_speaker_names_of_any_script_and_with_brackets(tmp_path: Path) -> None:
    txt = tmp_path / "c.txt"
    txt.write_text("[00:00:01] Émile Dubois: Bonjour.\n[00:00:02] 李明: 你好。\n[00:00:03] Mentor [Host]: Welcome.\n"
                   "[00:00:04] Learner+1: Thanks.\n[00:00:05] note: this line has no speaker.\n", encoding="utf-8")
    assert [u.speaker for u in read_transcript(txt)] == ["Émile Dubois", "李明", "Mentor [Host]", "Learner+1", "Unknown"]


def test_engagement_by_hand(vtt: Path) -> None:
    speakers, gaps = engagement(read_transcript(vtt))
    table = speakers.set_index("speaker")
    assert table.loc["Mentor A", "talk_seconds"] == 40 and table.loc["Learner B", "talk_seconds"] == 10
    assert table.loc["Mentor A", "talk_share"] == pytest.approx(0.8)
    assert table.loc["Mentor A", "turns"] == 2 and table.loc["Learner B", "turns"] == 1
    assert table.loc["Mentor A", "longest_monologue_seconds"] == 20
    assert table.loc["Learner B", "questions"] == 2 and table.loc["Mentor A", "questions"] == 0
    assert gaps.to_dict("records") == [{"start": 20.0, "end": 35.0, "seconds": 15.0}]


def test_attendance_and_lateness(vtt: Path) -> None:
    table = attendance(read_transcript(vtt), late_offset_minutes=5).set_index("speaker")
    assert table.loc["Learner B", "first_spoke"] == 35 and table.loc["Learner B", "last_spoke"] == 45
    assert table.loc["Learner B", "minutes_late"] == pytest.approx(5.6, abs=0.05)


def test_action_items(vtt: Path) -> None:
    found = action_items(read_transcript(vtt))
    assert found["text"].tolist() == ["Next step: I will send you a template by Friday."]
    assert found["cues"].iloc[0] == "commitment, next step, deadline, send"


def test_session_id_from_file_name() -> None:
    assert session_id_from_name(Path("SS2959_mock_interview.vtt")) == "SS2959"
    assert session_id_from_name(Path("interview.vtt")) is None


@pytest.mark.parametrize(("content", "suffix", "message"), [
    ("not a vtt", ".vtt", "not a valid VTT"), ("", ".txt", "no speech"), ("x", ".docx", "expected a .vtt"),
])
def test_bad_transcripts(tmp_path: Path, content: str, suffix: str, message: str) -> None:
    path = tmp_path / f"t{suffix}"
    path.write_text(content)
    with pytest.raises(TranscriptError, match=message):
        read_transcript(path)


@pytest.mark.slow
def test_notes_cli_on_bundled_transcripts(tmp_path: Path) -> None:
    folder = package_data("transcripts")
    files = sorted(str(p) for p in folder.iterdir() if p.suffix in {".vtt", ".srt", ".txt"})
    result = CliRunner().invoke(app, ["notes", *files, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "notes.csv")
    assert sorted(table["session_id"]) == ["SS2954", "SS2959", "SS2966"]
    mock = table.set_index("session_id").loc["SS2959"]
    assert mock["speakers"] == 2 and mock["action_items"] >= 3 and mock["learner_questions"] == 4
    assert 0.3 < mock["learner_talk_share"] < 0.6
    markdown = (tmp_path / "SS2959.md").read_text()
    assert "I will send you two more case studies by Friday" in markdown and "## Engagement" in markdown
    again = CliRunner().invoke(app, ["notes", files[0], "--out", str(tmp_path)])
    assert again.exit_code == 0 and len(pd.read_csv(tmp_path / "notes.csv")) == 3
    sessions = pd.DataFrame({"session_id": ["SS2959", "SS1"]})
    joined = join_notes(sessions, table)
    assert joined.loc[0, "action_items"] == mock["action_items"] and pd.isna(joined.loc[1, "action_items"])


@pytest.mark.parametrize("start", ["25:61", "abc", "99", "-1:00", "2025-01-01"])
def test_a_recording_start_that_is_no_clock_time_is_one_line(start: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mentortrack.cli import app
    from mentortrack.paths import package_data

    result = CliRunner().invoke(app, ["notes", str(package_data("transcripts") / "SS2959_mock_interview.vtt"),
                                      "--recording-start", start, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == f"error: --recording-start {start}: not a clock time (HH:MM, 00:00 to 23:59)\n"


def test_transcripts_in_other_encodings_are_read_or_named(tmp_path: Path) -> None:
    utf16 = tmp_path / "a.txt"
    utf16.write_text("[00:00:01] Rahul Chopra: Héllo.\n", encoding="utf-16")
    assert [(u.speaker, u.text) for u in read_transcript(utf16)] == [("Rahul Chopra", "Héllo.")]
    latin = tmp_path / "b.txt"
    latin.write_bytes("[00:00:01] Sneha: caf\xe9 talk.\n".encode("cp1252"))
    assert read_transcript(latin)[0].text == "café talk."
    srt = tmp_path / "c.srt"
    srt.write_bytes("1\n00:00:01,000 --> 00:00:02,000\nSneha: caf\xe9\n".encode("cp1252"))
    with pytest.raises(TranscriptError, match=rf"^{re.escape(str(srt))}: not UTF-8 or UTF-16 text"):
        read_transcript(srt)


def test_transcript_times_that_are_no_times_are_named_and_backward_cues_last_nothing(tmp_path: Path) -> None:
    txt = tmp_path / "a.txt"
    txt.write_text("[00:01] Mentor: Hello.\n[99:99] Mentor: bad time.\n")
    with pytest.raises(TranscriptError, match=r"a\.txt: line 2: 99:99 is not a time"):
        read_transcript(txt)
    vtt = tmp_path / "b.vtt"
    vtt.write_text("WEBVTT\n\n00:00:05.000 --> 00:00:01.000\n<v Mentor>Backwards.\n")
    (cue,) = read_transcript(vtt)
    assert cue.start == cue.end == 5.0


def test_no_invisible_character_of_a_transcript_reaches_the_notes(tmp_path: Path) -> None:
    txt = tmp_path / "a.txt"
    txt.write_text("[00:00:01] Mentor\u200b: I will send the \u202egnp.exe file.\n", encoding="utf-8")
    (said,) = read_transcript(txt)
    assert said.speaker == "Mentor" and said.text == "I will send the gnp.exe file."
