"""The package imports light, and settings come from one place with clear precedence."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from molsys_ai_jupyter.config import load_settings

HEAVY = ["torch", "haystack", "chromadb", "sentence_transformers", "transformers", "numpy", "bm25s"]


def test_import_pulls_no_heavy_library():
    code = (
        "import sys, json, molsys_ai_jupyter, molsys_ai_jupyter.config, molsys_ai_jupyter.cli.main;"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_precedence_defaults_toml_env_overrides(tmp_path, monkeypatch):
    toml = tmp_path / "config.toml"
    toml.write_text('[molsys_ai]\ndata_root = "/from/toml"\nindex_name = "toml-index"\n')
    monkeypatch.setenv("MOLSYS_AI_CONFIG", str(toml))
    monkeypatch.delenv("MOLSYS_AI_DATA", raising=False)
    monkeypatch.delenv("MOLSYS_AI_INDEX", raising=False)
    settings = load_settings()
    assert settings.data_root == Path("/from/toml") and settings.index_name == "toml-index"
    assert settings.corpus == Path("/from/toml/corpus")
    assert settings.structures == Path("/from/toml/data/structures")
    assert settings.bench == Path("/from/toml/bench")

    monkeypatch.setenv("MOLSYS_AI_DATA", "/from/env")
    assert load_settings().data_root == Path("/from/env")
    overridden = load_settings(data_root="/from/flag", corpus_dir="/elsewhere/docs")
    assert overridden.data_root == Path("/from/flag") and overridden.corpus == Path("/elsewhere/docs")


def test_default_data_root_is_shared_next_to_the_repo(monkeypatch, tmp_path):
    monkeypatch.setenv("MOLSYS_AI_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("MOLSYS_AI_DATA", raising=False)
    repo = Path(__file__).resolve().parents[1]
    assert load_settings().data_root == (repo / ".." / "shared").resolve()
    assert load_settings().index_root == repo / "indexes"


def test_ipython_config_sits_between_env_and_explicit_overrides(monkeypatch, tmp_path):
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    monkeypatch.setenv("MOLSYS_AI_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("MOLSYS_AI_LLM_URL", "http://from-env:8000/v1")
    config = Config()
    config.MolsysAI.llm_url = "http://from-ipython:8000/v1"
    config.MolsysAI.llm_timeout = 7
    InteractiveShell.clear_instance()  # a shell made by an earlier test would ignore this config
    shell = InteractiveShell.instance(config=config)
    try:
        settings = load_settings()
        assert settings.llm_url == "http://from-ipython:8000/v1" and settings.llm_timeout == 7.0
        assert load_settings(llm_url="http://flag/v1").llm_url == "http://flag/v1"
    finally:
        InteractiveShell.clear_instance()
        del shell
    assert load_settings().llm_url == "http://from-env:8000/v1"


def test_llm_threads_reach_the_embedded_model(monkeypatch):
    from molsys_ai_jupyter.errors import MolsysAIError
    from molsys_ai_jupyter.llm.factory import get_backend

    monkeypatch.delenv("MOLSYS_AI_LLM_URL", raising=False)
    monkeypatch.setenv("MOLSYS_AI_LLM_THREADS", "1")
    settings = load_settings()
    assert settings.llm_threads == 1
    assert get_backend(settings).n_threads == 1  # the model itself loads on first use
    assert get_backend(load_settings(llm_threads=3)).n_threads == 3
    monkeypatch.setenv("MOLSYS_AI_LLM_THREADS", "0")
    with pytest.raises(MolsysAIError, match="llm_threads must be between 1 and 256"):
        get_backend(load_settings())
    monkeypatch.setenv("MOLSYS_AI_LLM_THREADS", "two")
    with pytest.raises(MolsysAIError, match="setting llm_threads must be a number"):
        load_settings()


def test_the_sidebar_knows_the_same_agent_designs():
    """The sidebar's settings schema and its TypeScript list follow config.AGENT_DESIGNS (the first the default)."""
    import json
    import re
    from pathlib import Path

    from molsys_ai_jupyter.config import AGENT_DESIGNS

    root = Path(__file__).resolve().parents[1] / "labextension"
    schema = json.loads((root / "schema" / "plugin.json").read_text())["properties"]["agentDesign"]
    assert tuple(schema["enum"]) == AGENT_DESIGNS and schema["default"] == AGENT_DESIGNS[0]
    source = (root / "src" / "runSettings.ts").read_text()
    listed = re.search(r"AGENT_DESIGNS: ReadonlyArray<AgentDesign> = \[([^\]]*)\]", source).group(1)
    assert tuple(re.findall(r"'([\w-]+)'", listed)) == AGENT_DESIGNS
