#!/usr/bin/env bash
# Benchmark `make report` for one month (default 2025-09) of the bundled sample (or DATA=export.csv):
# cold, forced rebuild, unchanged re-run, and the ratio of the forced rebuild to the bare notebook
# machinery (7 trivial notebooks run and rendered the same way); see scripts/bench_report.py.
set -euo pipefail
MONTH=${1:-2025-09}
BIN=${BIN:-.venv/bin}
"$BIN/python" scripts/bench_report.py --month "$MONTH" ${DATA:+--data "$DATA"}
