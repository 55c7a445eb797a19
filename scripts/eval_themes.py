"""``make eval-themes``: precision and recall of the theme assignment per theme, on hand-labelled real text.

    python scripts/eval_themes.py [--errors 15]

The set (``mentortrack/data/themes/theme_eval.csv``, data card beside it) is real
review sentences (Amazon product reviews, Yelp restaurant reviews) labelled by hand
with the themes of ``parameters/themes.yaml``; see
:func:`mentortrack.analytics.evaluation.evaluate_themes` for the definitions.
"""

from __future__ import annotations

import argparse

import pandas as pd

from mentortrack.analytics.evaluation import evaluate_themes
from mentortrack.config import load_settings


def _share(value: object) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--errors", type=int, default=15, help="misassigned texts to print")
    parser.add_argument("--split", choices=("test", "dev"), default="test")
    args = parser.parse_args()
    result = evaluate_themes(load_settings().themes, thresholds=(0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8), split=args.split)
    print(f"{result['split']} split: {result['n']} hand-labelled real sentences, threshold {result['threshold']}")
    print("| theme | gold | predicted | right | precision | recall |\n|---|---|---|---|---|---|")
    for r in result["per_theme"].itertuples():
        print(f"| {r.theme} | {r.gold} | {r.predicted} | {r.right} | {_share(r.precision)} | {_share(r.recall)} |")
    m = result["micro"]
    print(f"| all themes (micro) | | | | {m['precision']:.2f} | {m['recall']:.2f} |  F1 {m['f1']:.2f}")
    print("\nthreshold sweep (micro precision / recall / F1):")
    for r in result["sweep"].itertuples():
        print(f"  {r.threshold:.2f}: {r.precision:.2f} / {r.recall:.2f} / {r.f1:.2f}")
    print(f"\nmisassigned ({len(result['errors'])}), first {args.errors}:")
    for r in result["errors"].head(args.errors).itertuples():
        print(f"  gold {r.gold!r:<30} got {r.predicted!r:<40} {r.text[:90]}")


if __name__ == "__main__":
    main()
