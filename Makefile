# Every target bootstraps .venv (reinstalled only when pyproject.toml changes) and runs from it.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: test demo up bench schemas mutation

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q -n 4  # 4 workers: most tests wait on processes, not the CPU

demo: $(STAMP)
	$(VENV)/bin/standings demo

up: $(STAMP)
	$(VENV)/bin/standings up

bench: $(STAMP)
	$(VENV)/bin/python -m bench

schemas: $(STAMP)
	$(VENV)/bin/python -m schemas

# Mutation testing (slow, not part of `test` nor CI; see docs/testing.md). Mutates services/engine/ and the
# projector's commit path, from a fresh mutants/ copy. One area: make mutation MUTANTS='services.engine.*'
MUTATION_STAMP := $(VENV)/.installed-mutation
MUTATION_CHILDREN ?= 2
MUTANTS ?=

$(MUTATION_STAMP): $(STAMP)
	$(VENV)/bin/pip install --quiet -e '.[test,mutation]'
	touch $@

mutation: $(MUTATION_STAMP)
	rm -rf mutants
	$(VENV)/bin/mutmut run --max-children $(MUTATION_CHILDREN) $(MUTANTS)
	$(VENV)/bin/mutmut results --all true > mutants/results.txt
	@grep -c ': killed$$' mutants/results.txt | sed 's/^/killed: /'
	@grep -v -e ': killed$$' -e ': not checked$$' mutants/results.txt || true
