# Every target creates .venv when missing; only Python 3.11+ and pip are needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LANG_OPT := $(if $(LANG_REPORT),--lang $(LANG_REPORT),)

.PHONY: demo test lint lab explore sample browser bench bench-org clean

# uv (from PyPI) resolves and installs in seconds where pip takes minutes; pip is the fallback.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv>=0.5,<1" && \
	  $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e ".[demo,dev,dask]" || \
	  { $(BIN)/python -m pip install --quiet --upgrade "pip>=24" && $(BIN)/python -m pip install --quiet -e ".[demo,dev,dask]"; }
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3" >/dev/null
	touch $(STAMP)

demo: $(STAMP)  ## run the whole pipeline on a simulated account; prints the index path
	$(BIN)/awsbp demo $(LANG_OPT)

test: $(STAMP) browser  ## the full test suite (what CI runs)
	$(BIN)/python -m pytest -n 3 --dist loadgroup --nbmake tests notebooks

browser:  ## Debian's chromium (+ CJK fonts) for tests/reports; Playwright drives it, downloads no browser
	@command -v chromium >/dev/null || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null); } || \
	  echo "chromium unavailable: the browser tests in tests/reports will be skipped"

lint: $(STAMP)  ## ruff lint + format check, mypy, notebooks without outputs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q tests/test_repo.py

RUN ?=
lab: $(STAMP)  ## JupyterLab at the project root, runs read-only; RUN=reports/<client>/<run-id> opens a scratch notebook on it
	$(BIN)/awsbp lab $(RUN)

explore: $(STAMP)  ## a scratch copy of the follow-up cookbook on RUN=reports/<client>/<run-id>; prints its path
	@test -n "$(RUN)" || { echo "usage: make explore RUN=reports/<client>/<run-id>" >&2; exit 2; }
	$(BIN)/awsbp explore $(RUN)

sample: $(STAMP)  ## regenerate the bundled sample snapshot from the demo account
	$(BIN)/python -m awsbp.demo.sample

SCALES ?= 1 4 16
LATENCY_SCALES ?= 1 4
ACCOUNTS ?= 10 30 100
LATENCY ?= 100
BENCH_OPTS ?=
bench: $(STAMP)  ## every benchmark table: SCALES side by side with Prowler, LATENCY_SCALES at LATENCY ms with AWS's throttling, the Organization of ACCOUNTS (BENCH_OPTS=--no-prowler: awsbp only)
	$(BIN)/python -m bench.run --scales $(SCALES) $(BENCH_OPTS)
	$(BIN)/python -m bench.run --scales $(LATENCY_SCALES) --latency $(LATENCY) --throttle aws --name latency-$(LATENCY)ms $(BENCH_OPTS)
	$(BIN)/python -m bench.org --accounts $(ACCOUNTS) --latency $(LATENCY) $(if $(RENDER),--render $(RENDER),) $(BENCH_OPTS)

bench-org: $(STAMP)  ## only the Organization of ACCOUNTS members at LATENCY ms per call: local pool, Dask LocalCluster, a separate cluster (RENDER="10": also render at 10)
	$(BIN)/python -m bench.org --accounts $(ACCOUNTS) --latency $(LATENCY) $(if $(RENDER),--render $(RENDER),) $(BENCH_OPTS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
