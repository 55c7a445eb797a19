# A mentortrack report project (written by `mentortrack init`). `make help` lists the targets.
# The parameters/ and notebooks/ here override the ones shipped with mentortrack.

MONTH ?=##  month to report (YYYY-MM or all); empty: the latest complete month in the data
DATA  ?=##  session export to read (CSV, .xlsx, .parquet); empty: mentortrack's bundled sample
SHEET ?=##  Excel sheet of DATA to read; empty: the first sheet that holds the session columns
PDF   ?=##  1: also print the dashboard to outputs/MONTH/dashboard.pdf (needs Chromium)

.DEFAULT_GOAL := help
.PHONY: help validate analyze report lab

help: ## List the targets and variables
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-9s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@awk 'BEGIN {FS = "##  "} /^[A-Z_]+ +\?=.*##  / {split($$1, a, " "); printf "  %-6s %s\n", a[1], $$2}' $(MAKEFILE_LIST)

validate: ## Check an export and write outputs/quarantine.csv
	mentortrack validate $(DATA) $(if $(SHEET),--sheet "$(SHEET)") --quarantine outputs/quarantine.csv

analyze: ## Run the NLP once: outputs/enriched.parquet (what the notebooks read)
	mentortrack analyze $(DATA) $(if $(SHEET),--sheet "$(SHEET)") --out outputs/enriched.parquet

report: ## HTML reports, Excel and Power BI files in outputs/MONTH/
	mentortrack report $(DATA) $(if $(SHEET),--sheet "$(SHEET)") $(if $(MONTH),--month $(MONTH)) $(if $(PDF),--pdf)

lab: ## Open JupyterLab on the notebooks
	jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)
