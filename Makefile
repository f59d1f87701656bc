# Two commands do everything on a fresh machine with only python3:
#   make tutorial   create .venv, install nnscratch, run the whole tutorial (figures in out/tutorial)
#   make test       create .venv, install nnscratch with its dev extra, run lint, types and the suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: tutorial test lint bench clean browser gallery

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

tutorial: $(STAMP)
	$(BIN)/nnscratch tutorial

gallery: $(STAMP)
	$(BIN)/python -m nnscratch.experiments.gallery docs/gallery

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# best effort: headless chromium for the report's rendering test (skipped without it); never fails
browser:
	-@command -v chromium >/dev/null 2>&1 || (command -v apt-get >/dev/null 2>&1 && \
	  (apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 || \
	   (apt-get update -qq >/dev/null 2>&1 && \
	    apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1))) || true

test: $(STAMP) lint browser
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --markdown benchmarks/RESULTS.md

clean:
	rm -rf $(VENV) out
