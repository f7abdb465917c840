"""Index build (cache, atomic swap, manifest) and hybrid search on the toy corpus."""

from __future__ import annotations

import os

import pytest

from molsys_ai_jupyter.errors import IndexCorrupt, IndexNotFound, InvalidQuery
from molsys_ai_jupyter.knowledge import index_build
from molsys_ai_jupyter.knowledge.index_build import build_index
from molsys_ai_jupyter.knowledge.index_files import check_index
from molsys_ai_jupyter.knowledge.retrieval import Retriever


def test_manifest_describes_the_build(mini_index):
    manifest = check_index(mini_index.index_path)
    assert os.path.islink(mini_index.index_path)
    assert manifest["corpus_commits"] == {"mini": "abc123"}
    assert "all-MiniLM-L6-v2" in manifest["model"]
    assert manifest["chunk_params"]["max_tokens"] == 192
    assert manifest["counts"]["by_project"]["mini"] == manifest["counts"]["chunks"] > 3
    assert manifest["counts"]["by_kind"]["api"] == 1
    assert manifest["build_seconds"] > 0


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_search_finds_the_page_and_the_symbol(mini_index, mode):
    result = Retriever(mini_index).search("how many water molecules are in my system?", k=3, mode=mode)
    top = result.hits[0]
    assert top.path == "mini/docs/content/waters.ipynb"
    assert top.url.startswith("https://example.org/mini/content/waters.html")
    assert len({h.path for h in result.hits}) == len(result.hits)  # one hit per page


def test_api_cards_come_beside_the_pages(mini_index):
    result = Retriever(mini_index).search("select atoms by name", k=3)
    assert [c.symbol for c in result.api] == ["mini.select"]
    assert all(not h.symbol for h in result.hits)
    assert result.api[0].url.endswith("mini/basic/select.py#L3")


def test_bad_queries_are_clear_errors(mini_index):
    retriever = Retriever(mini_index)
    with pytest.raises(InvalidQuery, match="empty query"):
        retriever.search("   ")
    with pytest.raises(InvalidQuery, match="unknown project 'nope'.*mini"):
        retriever.search("waters", project="nope")
    with pytest.raises(InvalidQuery, match="too long"):
        retriever.search("water " * 5000)
    assert retriever.search("waters", project="mini").hits


def test_unchanged_corpus_is_reused_and_force_rebuild_embeds_nothing(mini_settings):
    first = build_index(mini_settings, progress=False)
    first_build = os.path.realpath(mini_settings.index_path)
    again = build_index(mini_settings, progress=False)
    assert again["created_utc"] == first["created_utc"]  # up to date: nothing rebuilt
    forced = build_index(mini_settings, force=True, progress=False)
    assert forced["embeddings"]["embedded"] == 0
    assert forced["embeddings"]["cached"] == forced["counts"]["chunks"]
    assert os.path.realpath(mini_settings.index_path) != first_build  # a new build was swapped in


def test_interrupted_build_leaves_previous_index_usable(mini_settings, monkeypatch):
    build_index(mini_settings, progress=False)
    before = os.path.realpath(mini_settings.index_path)

    def crash(chunks, staging, *_):
        (staging / "chroma").mkdir()
        raise KeyboardInterrupt

    monkeypatch.setattr(index_build, "_run_pipeline", crash)
    with pytest.raises(KeyboardInterrupt):
        build_index(mini_settings, force=True, progress=False)
    assert os.path.realpath(mini_settings.index_path) == before
    assert Retriever(mini_settings).search("waters").hits
    monkeypatch.undo()
    build_index(mini_settings, force=True, progress=False)  # the next build cleans the abandoned folder
    leftovers = [p for p in (mini_settings.index_root / ".builds").iterdir() if not (p / "manifest.json").exists()]
    assert leftovers == []


def test_missing_and_corrupt_index(mini_settings):
    with pytest.raises(IndexNotFound, match="molsys-ai index build"):
        Retriever(mini_settings)
    build_index(mini_settings, progress=False)
    (mini_settings.index_path / "bm25" / "documents.jsonl").unlink()
    with pytest.raises(IndexCorrupt, match="--force"):
        Retriever(mini_settings)
    (mini_settings.index_path / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorrupt, match="unreadable"):
        Retriever(mini_settings)
