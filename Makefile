# MolSys-AI for Jupyter — developer entry points.
#   make demo   set up, build the knowledge index if missing, search it, ask the embedded model
#   make test   set up, run the test suite
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
DEMO_QUERY ?= how do I remove the water molecules from 1tcd?
DEMO_QUESTION ?= How do I get the RMSD of every frame of a trajectory against frame 0?

.PHONY: setup index demo test bench clean-index

setup:
	@./scripts/setup-venv.sh

index: setup
	@$(BIN)/molsys-ai index build

demo: index
	@echo; echo "$$ molsys-ai search \"$(DEMO_QUERY)\""
	@$(BIN)/molsys-ai search "$(DEMO_QUERY)"
	@echo; echo "$$ molsys-ai ask \"$(DEMO_QUESTION)\""
	@$(BIN)/molsys-ai ask "$(DEMO_QUESTION)"

test: setup
	@./scripts/ensure-chromium.sh
	@$(BIN)/python -m pytest -q

bench: index
	@mkdir -p bench-results
	@$(BIN)/molsys-ai bench retrieval --json bench-results/retrieval.json
	@$(BIN)/molsys-ai bench answers --json bench-results/answers.json

clean-index:
	rm -rf indexes/molsyssuite indexes/.builds
