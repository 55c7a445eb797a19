"""``make eval-themes``: precision, recall and F1 of the theme assignment per theme, before and after, on
hand-labelled real text.

    python scripts/eval_themes.py [--split test] [--errors 15]

"after" is ``parameters/themes.yaml``; "before" is the taxonomy as it was before the
learner-feedback set existed (``mentortrack/data/themes/themes_before.yaml``). Both are
scored on the same rows: first students' comments on their teachers, then customers'
review sentences (``mentortrack/data/themes/theme_eval.csv``, data card beside it). See
:mod:`mentortrack.analytics.theme_evaluation` for the definitions.
"""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from mentortrack.analytics.theme_evaluation import SETS, before_settings, evaluate_themes
from mentortrack.config import load_settings


def _share(value: object) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.2f}"


def _scores(s: dict[str, Any]) -> str:
    return f"{_share(s['precision'])} | {_share(s['recall'])} | {_share(s['f1'])}"


def _table(before: dict[str, Any], after: dict[str, Any]) -> None:
    print(f"\n{after['group']}, {after['split']} split: {after['n']} hand-labelled real sentences")
    print("| theme | support | before P | R | F1 | after P | R | F1 | after predicted / right |")
    print("|---|---|---|---|---|---|---|---|---|")
    for b, a in zip(before["per_theme"].to_dict("records"), after["per_theme"].to_dict("records")):
        print(f"| {a['theme']} | {a['support']} | {_scores(b)} | {_scores(a)} | {a['predicted']} / {a['right']} |")
    pairs = after["per_theme"].iloc[:-1]
    print(f"| all themes (micro) | {pairs['support'].sum()} | {_scores(before['micro'])} | {_scores(after['micro'])} | "
          f"{pairs['predicted'].sum()} / {pairs['right'].sum()} |")
    print(f"| mean of {after['macro']['themes']} themes with support (macro) | | {_scores(before['macro'])} | "
          f"{_scores(after['macro'])} | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--errors", type=int, default=15, help="misassigned learner-feedback texts to print")
    parser.add_argument("--split", choices=("test", "dev"), default="test")
    args = parser.parse_args()
    old, new = before_settings(), load_settings().themes
    for group in SETS:
        _table(evaluate_themes(old, split=args.split, group=group), evaluate_themes(new, split=args.split, group=group))
    group = next(iter(SETS))
    before, after = (evaluate_themes(s, split=args.split, group=group, drawn="random") for s in (old, new))
    print(f"\n{group}, only the {after['n']} rows drawn at random (not by keyword), micro P / R / F1: "
          f"before {_scores(before['micro'])}, after {_scores(after['micro'])}; "
          f"Other P / R: before {_scores(before['per_theme'].iloc[-1])}, after {_scores(after['per_theme'].iloc[-1])}")
    result = evaluate_themes(new, thresholds=(0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9), split=args.split, group=group)
    print(f"\n{group}, every threshold replaced by (micro precision / recall / F1):")
    for r in result["sweep"].itertuples():
        print(f"  {r.threshold:.2f}: {r.precision:.2f} / {r.recall:.2f} / {r.f1:.2f}")
    print(f"\nmisassigned ({len(result['errors'])}), first {args.errors}:")
    for r in result["errors"].head(args.errors).itertuples():
        print(f"  gold {r.gold!r:<30} got {r.predicted!r:<40} {r.text[:90]}")


if __name__ == "__main__":
    main()
