#!/usr/bin/env bash
# Benchmark `make report` on the bundled sample for one month (default 2025-09):
#   cold          empty NLP cache, no previous output
#   warm rebuild  NLP cache warm, everything re-run (--force)
#   warm re-run   unchanged inputs (fingerprint hit, nothing re-rendered)
set -euo pipefail
MONTH=${1:-2025-09}
BIN=${BIN:-.venv/bin}
root=$(mktemp -d)
export MENTORTRACK_CACHE_DIR=$(mktemp -d)
run() {
  local label=$1; shift
  local t0=$(date +%s.%N)
  "$BIN/mentortrack" report --month "$MONTH" --out "$root" "$@" >/dev/null 2>"$root/err" || { cat "$root/err"; exit 1; }
  printf '%-14s %6.1f s\n' "$label" "$(echo "$(date +%s.%N) - $t0" | bc)"
}
echo "make report MONTH=$MONTH on the bundled sample, $(nproc) cores"
run cold
run "warm rebuild" --force
run "warm re-run"
rm -rf "$root" "$MENTORTRACK_CACHE_DIR"
