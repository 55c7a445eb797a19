"""Write the fingerprints of a reserved evaluation corpus, never its text.

    python scripts/reserved_fingerprints.py course_evaluations.rda [more.rda ...]   # needs `pip install pyreadr`
    python scripts/reserved_fingerprints.py comments.csv                            # a CSV with a `text` column

The course-evaluation comments of Welch & Mihalcea (sentimentr's
``course_evaluations``) are reserved for independent evaluation: the suite must
not train, tune or test on them. Their SHA-256 fingerprints
(:func:`mentortrack.analytics.corpus.fingerprint`) let ``make eval`` and the tests prove
that none of them is in the repository. Nothing but the hashes is written.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from mentortrack.analytics.corpus import FINGERPRINT_FILE, fingerprint


def reserved_texts(path: Path) -> list[str]:
    """The ``text`` column of an R data file or CSV."""
    if path.suffix.lower() in {".rda", ".rdata"}:
        import pyreadr

        frame = next(iter(pyreadr.read_r(str(path)).values()))
    else:
        frame = pd.read_csv(path)
    return frame["text"].dropna().astype(str).tolist()


def main(sources: list[str]) -> None:
    hashes = sorted({fingerprint(t) for source in sources for t in reserved_texts(Path(source))})
    out = Path(__file__).resolve().parent.parent / "mentortrack" / "data" / "sentiment" / FINGERPRINT_FILE
    header = ("# SHA-256 fingerprints (mentortrack.analytics.corpus.fingerprint) of the course-evaluation comments of\n"
              "# Welch & Mihalcea (2016), as shipped in the R package sentimentr 2.9.1 (`course_evaluations`, current\n"
              "# and deprecated versions).\n"
              "# Reserved for independent evaluation: none of these texts may be trained, tuned or tested on.\n")
    out.write_text(header + "\n".join(hashes) + "\n", encoding="utf-8")
    print(f"{len(hashes)} fingerprints -> {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
