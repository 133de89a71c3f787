# Every target bootstraps .venv (reinstalled only when pyproject.toml changes) and runs from it.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: test demo up bench schemas

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q

demo: $(STAMP)
	$(VENV)/bin/standings demo

up: $(STAMP)
	$(VENV)/bin/standings up

bench: $(STAMP)
	$(VENV)/bin/python -m bench

schemas: $(STAMP)
	$(VENV)/bin/python -m schemas
