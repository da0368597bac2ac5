# Two commands on a fresh machine with Python 3.11 and make:
#   make demo   set up .venv and run the main job on the shipped default scenario
#   make test   set up .venv and run lint and the tests
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_SCENARIO ?= scenarios/demo/tree_100.toml
DEMO_OUT      ?= results/demo

MIN_VENV := .venv-min

.PHONY: setup browser demo demo-routing test test-wheel test-min lint format bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "setup: installing wdnopt (editable) with every extra and the test tools into $(VENV)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/wdnopt compare $(DEMO_SCENARIO) --out $(DEMO_OUT)

demo-routing: $(STAMP)
	$(BIN)/wdnopt solve scenarios/routing/two_sources_three_plants_six_zones.toml

# The web page's test drives Debian's chromium (Playwright never downloads a browser here); run
# without chromium (pytest alone), it is skipped, saying so.
browser:
	@command -v chromium >/dev/null || { \
	    echo "make browser: installing Debian's chromium package (apt-get, with its dependencies):"; \
	    echo "  the solve service's web page test (tests/service/test_web_page.py) drives it"; \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q
	$(MAKE) --no-print-directory test-wheel

# Build the wheel, install it (not editable) in a venv of its own and run the examples from a
# temporary folder outside the clone (about a minute the first time, less after).
test-wheel: $(STAMP)
	PYTHON=$(PYTHON) bash .ci/wheel_smoke.sh

# The suite on the declared minimum versions (every `>=` floor of pyproject.toml pinned with
# `==`), in a venv of its own (several minutes: not part of `make test`).
test-min:
	rm -rf $(MIN_VENV)
	$(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(MIN_VENV)/bin/python .ci/min_constraints.py pyproject.toml > $(MIN_VENV)/constraints.txt
	cat $(MIN_VENV)/constraints.txt
	$(MIN_VENV)/bin/python -m pip install --quiet -c $(MIN_VENV)/constraints.txt -e '.[test]'
	$(MIN_VENV)/bin/python -m pip check
	$(MIN_VENV)/bin/python -m pip list | grep -iE '^(pyomo|highspy|numpy|scipy|pandas|networkx|wntr|pydantic|matplotlib|dask|distributed|pyarrow) '
	$(MIN_VENV)/bin/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(MIN_VENV) build *.egg-info .pytest_cache .ruff_cache
