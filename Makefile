# MolSys-AI for Jupyter — developer entry points.
#   make demo   set up, build the knowledge index if missing, search it, ask the embedded model
#   make test   set up, run the test suite
#   make docs   set up, build the Sphinx site with the chat widget and the offline JupyterLite demo
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
DEMO_QUERY ?= how do I remove the water molecules from 1tcd?
DEMO_QUESTION ?= How do I get the RMSD of every frame of a trajectory against frame 0?

.PHONY: setup index demo lint test bench clean-index docs

setup:
	@./scripts/setup-venv.sh

index: setup
	@$(BIN)/molsys-ai index build

demo: index
	@echo; echo "$$ molsys-ai search \"$(DEMO_QUERY)\""
	@$(BIN)/molsys-ai search "$(DEMO_QUERY)"
	@echo; echo "$$ molsys-ai ask \"$(DEMO_QUESTION)\""
	@$(BIN)/molsys-ai ask "$(DEMO_QUESTION)"

# ruff, mypy on the typed core, the import contracts (no circles, one-way layers) of pyproject.toml;
# ESLint and the unit tests (node:test) of the sidebar's TypeScript
lint: setup
	@$(BIN)/ruff check --quiet .
	@MYPY_CACHE_DIR=$${MOLSYS_AI_CACHE:-$$HOME/.cache/molsys-ai}/mypy $(BIN)/mypy
	@out=$$($(BIN)/lint-imports --no-cache 2>&1) || { echo "$$out"; exit 1; }
	@npm --prefix labextension run --silent lint
	@out=$$(npm --prefix labextension test --silent 2>&1) || { echo "$$out"; exit 1; }

test: lint
	@./scripts/ensure-chromium.sh
	@$(BIN)/python -m pytest -q

bench: index
	@mkdir -p bench-results
	@$(BIN)/molsys-ai bench retrieval --json bench-results/retrieval.json
	@$(BIN)/molsys-ai bench answers --json bench-results/answers.json

# the site in build/docs/html; the chat widget and the demo ask $(MOLSYS_AI_API_URL), default
# http://127.0.0.1:8765 (molsys-ai serve --anonymous --cors-origin <where the site is served>);
# Pyodide and the demo's wheels are downloaded once into ~/.cache/molsys-ai/lite
docs: setup
	@$(BIN)/python scripts/build_lite.py --lite-dir build/lite
	@MOLSYS_AI_LITE_PREPARED=1 $(BIN)/python -m sphinx -W --keep-going -b html docs build/docs/html
	@echo "docs: build/docs/html/index.html (serve the folder over HTTP: python -m http.server -d build/docs/html)"

clean-index:
	rm -rf indexes/molsyssuite indexes/.builds
