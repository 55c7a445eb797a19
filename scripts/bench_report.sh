#!/usr/bin/env bash
# Benchmark `make report` for one month (default 2025-09) of the tests' first-months fixture, the bundled
# sample (and DATA=export.csv when given): cold, forced rebuild, unchanged re-run, and the ratio of the
# forced rebuild to the bare notebook machinery (as many trivial notebooks as the report runs, in as many
# kernels, rendered the same way); see scripts/bench_report.py.
set -euo pipefail
MONTH=${1:-2025-09}
BIN=${BIN:-.venv/bin}
"$BIN/python" scripts/bench_report.py --month "$MONTH" ${DATA:+--data "$DATA"}
