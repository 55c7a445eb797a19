#!/usr/bin/env bash
# Benchmark: validate and KPIs on a generated 1,000,000-row export (1 % messy) and on ten copies of it
# (10,019,570 rows, 2.4 GB, streamed in chunks), reporting wall time and peak memory (max RSS) from GNU time.
set -euo pipefail
BIN=${BIN:-.venv/bin}
OUT=${OUT:-outputs/bench}
mkdir -p "$OUT"
one="$OUT/sessions_1000000.csv"
ten="$OUT/sessions_10x1000000.csv"
[ -f "$one" ] || "$BIN/mentortrack" sample --rows 1000000 --seed 1 --messy 0.01 --out "$one"
[ -f "$ten" ] || "$BIN/python" scripts/tile_export.py "$one" "$ten" --times 10
for file in "$one" "$ten"; do
  /usr/bin/time -f "validate $(basename "$file"): %e s wall, peak memory %M KiB" \
    "$BIN/mentortrack" validate "$file" --quarantine "$OUT/quarantine.csv" --json >/dev/null
  /usr/bin/time -f "kpis     $(basename "$file"): %e s wall, peak memory %M KiB" \
    "$BIN/mentortrack" kpis "$file" --json >/dev/null
done
