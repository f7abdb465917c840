"""Shared fixtures: a small synthetic corpus written to a temp folder, and the
settings that point the project at it (or at the real shared corpus).

Tests that read the shared data (``real_settings``, ``real_index``, or the corpus read
directly) carry the ``needs_corpus`` marker; ``-m "not needs_corpus"`` runs the rest
without it (e.g. with ``MOLSYS_AI_DATA`` pointing nowhere)."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

from molsys_ai_jupyter.config import load_settings
from support.servers import free_port, stopped_at_the_end, wait_until_up

CORPUS_FIXTURES = ("real_settings", "real_index")  # they fail the test when the shared corpus is missing


def pytest_collection_modifyitems(items):
    """Mark ``needs_corpus`` each test that uses, directly or through other fixtures, a
    fixture of CORPUS_FIXTURES defined here (not a module's override, such as a toy
    ``real_index``); tests that read the corpus otherwise carry the marker themselves."""
    here = Path(__file__).resolve()
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None:
            continue
        for name in CORPUS_FIXTURES:
            used = info.name2fixturedefs.get(name) if name in info.names_closure else None
            if used and Path(inspect.getsourcefile(used[-1].func)).resolve() == here:
                item.add_marker(pytest.mark.needs_corpus)
                break


MINI_MD = """\
(Intro_label)=
# Mini guide

Mini is a toy library for tests.

## Installing

Install it with conda:

```bash
conda install -c uibcdf mini
```

## Selecting atoms

Use `mini.select` to choose atoms by name.

```python
import mini
# a code block with a heading-like line inside it
# Not a heading
indices = mini.select(system, selection='name CA')
```
"""

MINI_RST = """\
Reference
=========

.. _units-section:

Units
-----

Quantities carry units. Example::

    q = mini.quantity(1, 'nm')
    print(q)

Back to prose.
"""


def _notebook() -> dict:
    def md(text):
        return {"cell_type": "markdown", "metadata": {}, "source": text}

    def code(text, out=None, tags=None):
        cell = {"cell_type": "code", "metadata": {"tags": tags} if tags else {}, "source": text, "outputs": []}
        if out:
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": out}]
        return cell

    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            code("import warnings", tags=["remove-input"]),
            md("# Counting waters\n*How many water molecules are there?*"),
            md("Use `mini.get` with `n_waters=True` to count the waters of a system."),
            code("n = mini.get(system, n_waters=True)\nprint(n)", out="120\n"),
            md("## Removing waters"),
            md("The function `mini.remove` drops the selected atoms."),
            code("dry = mini.remove(system, selection='water')"),
        ],
    }


API = [
    {"project": "mini", "qualname": "mini.select", "kind": "function",
     "signature": "select(molecular_system, selection='all', syntax='MolSysMT')",
     "params": ["molecular_system", "selection", "syntax"], "module": "mini.basic.select",
     "public_names": ["mini.select", "mini.basic.select"], "defined_in": "mini/basic/select.py:3",
     "docstring": "Select atoms of a molecular system."},
]


@pytest.fixture(scope="session")
def mini_corpus(tmp_path_factory) -> Path:
    """A read-only toy corpus; tests that change files make their own copy."""
    root = tmp_path_factory.mktemp("mini") / "data" / "corpus"
    docs = root / "mini" / "docs"
    (docs / "content").mkdir(parents=True)
    (docs / "content" / "guide.md").write_text(MINI_MD)
    (docs / "content" / "reference.rst").write_text(MINI_RST)
    (docs / "content" / "waters.ipynb").write_text(json.dumps(_notebook()))
    (root / "mini" / "_api_surface.jsonl").write_text("\n".join(json.dumps(r) for r in API) + "\n")
    files = []
    for rel in ("docs/content/guide.md", "docs/content/reference.rst", "docs/content/waters.ipynb"):
        stem = rel.removeprefix("docs/").rsplit(".", 1)[0]
        files.append({"path": rel, "published": True, "url": f"https://example.org/mini/{stem}.html"})
    manifest = {
        "projects": {
            "mini": {"repo": "uibcdf/mini", "head_commit": "abc123", "docs_base_url": "https://example.org/mini/",
                     "files": files}
        }
    }
    (root / "MANIFEST.json").write_text(json.dumps(manifest))
    return root


@pytest.fixture
def mini_settings(mini_corpus: Path, tmp_path: Path, shared_embedding_cache: Path):
    """Settings for the toy corpus with a fresh, empty index folder."""
    return load_settings(
        data_root=mini_corpus.parent,
        index_root=tmp_path / "indexes",
        cache_dir=shared_embedding_cache,
    )


@pytest.fixture(scope="session")
def mini_index(mini_corpus: Path, tmp_path_factory, shared_embedding_cache: Path):
    """Settings of a toy index built once per session (read-only for tests)."""
    from molsys_ai_jupyter.knowledge.index_build import build_index

    settings = load_settings(
        data_root=mini_corpus.parent,
        index_root=tmp_path_factory.mktemp("mini-index"),
        cache_dir=shared_embedding_cache,
    )
    build_index(settings, progress=False)
    return settings


@pytest.fixture(scope="session")
def shared_embedding_cache() -> Path:
    """The user's embedding cache: re-runs of the suite embed nothing twice."""
    return load_settings().cache_dir


@pytest.fixture(scope="session")
def real_settings():
    settings = load_settings()
    if not (settings.corpus / "MANIFEST.json").is_file():
        pytest.fail(f"the shared corpus is missing at {settings.corpus}: set MOLSYS_AI_DATA")
    return settings


@pytest.fixture(scope="session")
def real_index(real_settings, tmp_path_factory):
    """The real corpus indexed once per session in a temp folder: (settings, manifest)."""
    from molsys_ai_jupyter.knowledge.index_build import build_index

    settings = real_settings.with_overrides(index_root=tmp_path_factory.mktemp("real-index"))
    manifest = build_index(settings, progress=False)
    return settings, manifest


@pytest.fixture(scope="session")
def llama_server():
    """llama.cpp's own OpenAI-compatible server with the SmolLM2 GGUF on a free
    loopback port: the protocol vLLM speaks in production. Yields its base URL."""
    import subprocess
    import sys
    import urllib.request

    from molsys_ai_jupyter.llm.embedded import packaged_gguf

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(packaged_gguf()), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    with stopped_at_the_end(proc):
        wait_until_up(proc, lambda: urllib.request.urlopen(f"{url}/models", timeout=2).read(), "llama_cpp.server", 90)
        yield url


@pytest.fixture
def answer_outcomes(monkeypatch) -> list[str]:
    """How each ``Assistant.ask`` ended, in order: "answer", or the name of what it raised."""
    from molsys_ai_jupyter.assistant import Assistant

    ask, outcomes = Assistant.ask, []

    def recorded_ask(self, *args, **kwargs):
        try:
            answer = ask(self, *args, **kwargs)
        except Exception as exc:
            outcomes.append(type(exc).__name__)
            raise
        outcomes.append("answer")
        return answer

    monkeypatch.setattr(Assistant, "ask", recorded_ask)
    return outcomes
