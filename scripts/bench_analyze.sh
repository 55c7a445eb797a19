#!/usr/bin/env bash
# Benchmark `mentortrack analyze` cold (empty NLP cache) and warm (same cache again)
# on the bundled sample and on a generated export of ROWS sessions (default 100,000).
# Prints wall time and peak memory (max RSS) of each run.
set -euo pipefail
ROWS=${ROWS:-100000}
BIN=${BIN:-.venv/bin}
OUT=${OUT:-outputs/bench}
mkdir -p "$OUT"
big="$OUT/sessions_${ROWS}.csv"
[ -f "$big" ] || "$BIN/mentortrack" sample --rows "$ROWS" --seed 2 --out "$big" >/dev/null
export MENTORTRACK_CACHE_DIR
for data in "" "$big"; do
  MENTORTRACK_CACHE_DIR=$(mktemp -d)
  name=${data:-bundled sample}
  for run in cold warm; do
    /usr/bin/time -f "analyze $name ($run cache): %e s wall, peak memory %M KiB" \
      "$BIN/mentortrack" analyze $data --out "$OUT/enriched.parquet" >/dev/null 2>"$OUT/analyze.err" || { cat "$OUT/analyze.err"; exit 1; }
    tail -n 1 "$OUT/analyze.err"
  done
  rm -rf "$MENTORTRACK_CACHE_DIR"
done
