# Two commands do everything on a fresh machine with only python3:
#   make tutorial   create .venv, install nnscratch, run the whole tutorial (figures in out/tutorial)
#   make test       create .venv, install nnscratch with its dev extra, run lint, types and the suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: tutorial test test-numpy lint bench clean browser gallery

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -c "from nnscratch.engine._fused import warm_up; print(warm_up())"  # compile the optional fused kernels once (disk cache)
	touch $(STAMP)

tutorial: $(STAMP)
	$(BIN)/nnscratch tutorial

gallery: $(STAMP)
	$(BIN)/python -m nnscratch.experiments.gallery docs/gallery

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# Debian's chromium for the browser tests (Playwright drives it; no browser download). Installed
# with apt when missing; under CI (CI=true) a browser that cannot be had fails the build.
browser:
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null 2>&1 && \
	      apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; }; }; } || \
	  { if [ "$${CI:-}" = true ]; then echo "error: chromium is needed for the browser tests" >&2; \
	    exit 1; else echo "warning: no chromium; the browser tests will skip" >&2; fi; }

# Two workers (pytest-xdist): most of the suite's time is subprocesses, servers and a browser,
# each on one core; every test synchronises on what the program reports, so load does not matter.
PYTEST = $(BIN)/python -m pytest -q -n 2

test: $(STAMP) lint browser
	$(PYTEST)

# Every feature on NumPy alone: the engine, estimator, CLI and export tests with numba hidden
# (tests/conftest.py: NNSCRATCH_HIDE_NUMBA=1 makes `import numba` fail, as when not installed).
test-numpy: $(STAMP)
	NNSCRATCH_HIDE_NUMBA=1 $(PYTEST) tests/engine tests/estimator tests/cli \
	  tests/export tests/test_math.py

# benchmarks/RESULTS.md: the side-by-side tables, then the estimator on digits and the playground
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --markdown benchmarks/RESULTS.md
	{ printf '\n### digits, estimator level: `python benchmarks/digits.py`\n\n```\n'; \
	  $(BIN)/python benchmarks/digits.py; printf '```\n'; } >> benchmarks/RESULTS.md
	{ printf '\n### playground: `python benchmarks/playground.py`\n\n```\n'; \
	  $(BIN)/python benchmarks/playground.py; printf '```\n'; } >> benchmarks/RESULTS.md

clean:
	rm -rf $(VENV) out
