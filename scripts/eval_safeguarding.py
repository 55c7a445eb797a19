"""Recall and false alarms of the safeguarding alerts, and whether the static encoder helps as a second signal.

    python scripts/eval_safeguarding.py

Two labelled sets (data card: ``mentortrack/data/safeguarding/DATACARD.md``):

- ``safeguarding_eval.csv``: 131 mentoring-feedback texts written for the project, 79
  concerning (five categories, including forms the YAML does not list) and 52 not
  (negated mentions, near-misses such as "mock interview", low-rated ordinary complaints).
- the 26,591 real human-written sentences of ``mentortrack/data/sentiment/real_feedback.csv``
  (reviews, editorials, tweets; MIT and CC BY 4.0), none of them mentoring feedback: every
  alert there is counted as a false alarm.

Also times the scan of the real sentences. The second signal: a text is also an alert when its static-encoder embedding lies within
cosine ``t`` of a category's terms (the best-matching term), for several ``t``.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from mentortrack.analytics.safeguarding import Rules, concerns
from mentortrack.config import load_settings
from mentortrack.paths import package_data


def _rate(hits: pd.Series) -> str:
    return f"{hits.mean():.1%} ({int(hits.sum())}/{len(hits)})"


def main() -> None:
    r = Rules.from_settings(load_settings().safeguarding)
    domain = pd.read_csv(package_data("safeguarding/safeguarding_eval.csv"))
    real = pd.read_csv(package_data("sentiment/real_feedback.csv"))
    domain["found"] = domain["text"].map(lambda t: concerns(t, r))
    domain["alert"] = domain["found"].str.len() > 0
    concerning = domain["category"] != "none"
    right = domain.apply(lambda row: row["category"] in {c for c, _ in row["found"]}, axis=1)
    print(f"domain set, {len(domain)} texts ({int(concerning.sum())} concerning, {int((~concerning).sum())} not)")
    print(f"  recall (any alert)           {_rate(domain.loc[concerning, 'alert'])}")
    print(f"  recall (right category)      {_rate(right[concerning])}")
    print(f"  false alarms                 {_rate(domain.loc[~concerning, 'alert'])}")
    for kind, group in domain.groupby("kind"):
        part = group["category"] != "none"
        shown = [f"recall {_rate(group.loc[part, 'alert'])}"] if part.any() else []
        shown += [f"false alarms {_rate(group.loc[~part, 'alert'])}"] if (~part).any() else []
        print(f"    {kind:<14} {', '.join(shown)}")
    for row in domain[concerning & ~domain["alert"]].itertuples():
        print(f"    missed [{row.category}] {row.text}")
    for row in domain[~concerning & domain["alert"]].itertuples():
        print(f"    false alarm {[t for _, t in row.found]} {row.text}")
    started = time.perf_counter()
    real["alert"] = real["text"].map(lambda t: bool(concerns(t, r)))
    seconds = time.perf_counter() - started
    print(f"real sentences, {len(real):,}: alerts (false alarms) {_rate(real['alert'])}; scanned in {seconds:.1f} s "
          f"({seconds / len(real) * 1000:.2f} ms a text)")
    for source, group in real.groupby("source"):
        print(f"    {source:<22} {_rate(group['alert'])}")
    _encoder(domain, real, r)


def _encoder(domain: pd.DataFrame, real: pd.DataFrame, r: object) -> None:
    """The static encoder as a second signal: recall gained and false alarms added per threshold."""
    from mentortrack.analytics.embeddings import static_model

    model = static_model()
    terms = [t.text for t in r.terms]  # type: ignore[attr-defined]
    anchor = model.encode(terms)
    anchor /= np.linalg.norm(anchor, axis=1, keepdims=True) + 1e-9

    def nearest(texts: pd.Series) -> np.ndarray:
        vectors = model.encode(texts.astype(str).tolist())
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
        return (vectors @ anchor.T).max(axis=1)

    concerning = domain["category"] != "none"
    d_score, r_score = nearest(domain["text"]), nearest(real["text"])
    print("static encoder as a second signal (terms OR cosine >= t):")
    for t in (0.5, 0.6, 0.7, 0.8):
        d_alert = domain["alert"] | (d_score >= t)
        r_alert = real["alert"] | (r_score >= t)
        print(f"  t = {t:.1f}: recall {_rate(d_alert[concerning])}, domain false alarms {_rate(d_alert[~concerning])}, "
              f"real false alarms {_rate(r_alert)}")


if __name__ == "__main__":
    main()
