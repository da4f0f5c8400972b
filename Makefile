# unspin: `make run` cleans input/ into output/; `make test` runs the whole suite.
# Both set up the environment on first use (virtualenv, pinned packages, LanguageTool, browser).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup system-deps languagetool run test lint format bench bench-fast clean-output

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

# Debian packages: Chromium for the HTML report browser tests, the MyThes thesaurus for spin candidates.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	[ -f /usr/share/mythes/th_en_US_v2.dat ] || missing="$$missing mythes-en-us"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "unspin: install these Debian packages first (needs root):$$missing" >&2; exit 2; \
	  fi; \
	fi

languagetool: $(STAMP)
	$(BIN)/unspin languagetool install

setup: $(STAMP) languagetool

run: setup
	$(BIN)/unspin clean input/ --out output/

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

test: setup system-deps lint
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m bench.evaluate --split all
	$(BIN)/python -m bench.evaluate --split all --unsafe-fixes
	$(BIN)/python -m bench.throughput

bench-fast: setup
	$(BIN)/python -m bench.evaluate --split tune --no-grammar

clean-output:
	find output -mindepth 1 ! -name .gitkeep -delete
