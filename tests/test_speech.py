"""Offline speech-to-text on a clip synthesised with espeak-ng (needs `make setup-stt` and espeak-ng)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mentortrack.cli import app
from mentortrack.lifecycle.speech import transcribe, word_error_rate

pytestmark = pytest.mark.slow

SENTENCE = "Please send me your updated resume by Friday."


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng; .ci/run installs it)")
    pytest.importorskip("faster_whisper", reason="speech-to-text extra not installed (make setup-stt)")
    path = tmp_path_factory.mktemp("audio") / "clip.wav"
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(path), SENTENCE], check=True)
    return path


def test_whisper_gets_the_key_words_back(clip: Path) -> None:
    text = " ".join(u.text for u in transcribe(clip, "whisper")).lower()
    assert "send" in text and "friday" in text
    assert word_error_rate(SENTENCE, text) < 0.5


def test_pocketsphinx_runs_offline(clip: Path) -> None:
    utterances = transcribe(clip, "pocketsphinx")
    assert utterances and utterances[0].text and utterances[0].end > utterances[0].start


def test_word_error_rate() -> None:
    assert word_error_rate("Send it by Friday.", "send it by friday") == 0.0
    assert word_error_rate("a b c d", "a x c") == pytest.approx(0.5)


def test_notes_from_a_recording(clip: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["notes", str(clip), "--session-id", "SS2959", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "SS2959.md").read_text()
    assert "Friday" in markdown and "## Action items" in markdown
