#!/usr/bin/env bash
# Benchmark: generate a large export (ROWS, default 1,000,000) and time `mentortrack validate` on it,
# reporting wall time and peak memory (max RSS) from GNU time.
set -euo pipefail
ROWS=${ROWS:-1000000}
BIN=${BIN:-.venv/bin}
OUT=${OUT:-outputs/bench}
mkdir -p "$OUT"
file="$OUT/sessions_${ROWS}.csv"
[ -f "$file" ] || "$BIN/mentortrack" sample --rows "$ROWS" --seed 1 --messy 0.01 --out "$file"
/usr/bin/time -f "validate $ROWS rows: %e s wall, peak memory %M KiB" \
  "$BIN/mentortrack" validate "$file" --quarantine "$OUT/quarantine_${ROWS}.csv" --json
