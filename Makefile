# MolSys-AI for Jupyter — developer entry points.
#   make demo   set up, build the knowledge index if missing, search it
#   make test   set up, run the test suite
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
DEMO_QUERY ?= how do I remove the water molecules from 1tcd?

.PHONY: setup index demo test bench clean-index

setup:
	@./scripts/setup-venv.sh

index: setup
	@$(BIN)/molsys-ai index build

demo: index
	@echo; echo "$$ molsys-ai search \"$(DEMO_QUERY)\""
	@$(BIN)/molsys-ai search "$(DEMO_QUERY)"

test: setup
	@$(BIN)/python -m pytest -q

bench: index
	@mkdir -p bench-results
	@$(BIN)/molsys-ai bench retrieval --json bench-results/retrieval.json

clean-index:
	rm -rf indexes/molsyssuite indexes/.builds
