"""Word error rate of the offline speech-to-text engines on speech synthesised with espeak-ng.

Usage: .venv/bin/python scripts/eval_stt.py   (needs `make setup-stt` and the espeak-ng Debian package)
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

from mentortrack.lifecycle.speech import ENGINES, transcribe, word_error_rate

SENTENCES = [
    "Please send me your updated resume by Friday.",
    "Your project discussion went very well today.",
    "Next step: record yourself answering two case studies.",
    "I will review your portfolio and share feedback on Monday.",
    "Let us schedule a follow up mock interview next week.",
    "Focus on window functions and joins for the SQL round.",
    "The summary section should be two lines long.",
    "Quantify the impact of each project with a number.",
    "We talked about cloud certifications and site reliability roles.",
    "Practise forming a hypothesis before you dive into the data.",
    "Thank you for joining the session on time.",
    "Book a new slot on the platform if you cannot attend.",
]


def main() -> None:
    totals = {engine: [] for engine in ENGINES}
    seconds = {engine: 0.0 for engine in ENGINES}
    with tempfile.TemporaryDirectory() as folder:
        for i, sentence in enumerate(SENTENCES):
            wav = Path(folder) / f"{i}.wav"
            subprocess.run(["espeak-ng", "-s", "150", "-w", str(wav), sentence], check=True)
            for engine in ENGINES:
                start = time.perf_counter()
                text = " ".join(u.text for u in transcribe(wav, engine))  # type: ignore[arg-type]
                seconds[engine] += time.perf_counter() - start
                totals[engine].append(word_error_rate(sentence, text))
    print(f"{len(SENTENCES)} espeak-ng sentences; word error rate (mean) and time per clip")
    for engine in ENGINES:
        wer = sum(totals[engine]) / len(totals[engine])
        print(f"  {engine:<13} WER {wer:.3f}   {seconds[engine] / len(SENTENCES):.2f} s/clip")


if __name__ == "__main__":
    main()
