"""The real MolSysSuite corpus: a full index build and the retrieval bench on the
public dev questions. Slow on a cold embedding cache (minutes), seconds after."""

from __future__ import annotations

import json

import pytest

from molsys_ai_jupyter.bench.retrieval import load_questions, run_retrieval_bench
from molsys_ai_jupyter.knowledge.index_build import build_index
from molsys_ai_jupyter.knowledge.retrieval import Retriever

pytestmark = pytest.mark.slow


def test_manifest_covers_every_project(real_index):
    settings, manifest = real_index
    assert set(manifest["corpus_commits"]) == {"molsysmt", "molsysviewer", "pyunitwizard", "topomt", "molsyssuite"}
    counts = manifest["counts"]
    assert counts["pages"] >= 380 and counts["by_kind"]["recipe"] > 500 and counts["by_kind"]["api"] > 800
    # internal molsysmt.form.* converters stay out of the retrieval index
    documents = (settings.index_path / "bm25" / "documents.jsonl").read_text().splitlines()
    assert not any(json.loads(line)["meta"]["symbol"].startswith("molsysmt.form.") for line in documents)


def test_dev_set_retrieval_quality(real_index):
    settings, _ = real_index
    questions = load_questions(settings.bench / "dev_questions.jsonl")
    result = run_retrieval_bench(Retriever(settings), questions, k=10, repeats=1)
    bm25, dense = result["baselines"]["bm25"], result["baselines"]["dense"]
    assert result["recall@5"] >= 0.85
    assert result["mrr@10"] >= 0.65
    for metric in ("recall@5", "mrr@10", "ndcg@10"):
        assert result[metric] > bm25[metric] and result[metric] > dense[metric], metric
    # 0.525 before the BM25 text of this round (headings twice, dotted paths), 0.495 since: one gold symbol of
    # 99 dropped out of the top three cards while page MRR rose 0.726 → 0.801 (docs/retrieval.md); a floor
    # below that, not a target
    assert result["api_symbol_recall@3"] >= 0.49


def test_search_deep_links_and_project_filter(real_index):
    settings, _ = real_index
    retriever = Retriever(settings)
    result = retriever.search("convert a quantity from nanometers to angstroms", k=5, project="pyunitwizard")
    assert result.hits and all(h.project == "pyunitwizard" for h in result.hits + result.api)
    rmsd = retriever.search("RMSD of every frame against frame 0 with backbone atoms", k=3)
    assert rmsd.hits[0].url.startswith("https://www.uibcdf.org/molsysmt/")
    assert "molsysmt.structure.get_rmsd" in [c.symbol for c in rmsd.api]


def test_each_page_found_keeps_its_retrieved_chunks_for_the_answer(real_index):
    settings, _ = real_index
    result = Retriever(settings).search("pit vs nadir vs apex in topomt: what are these point features?", k=3)
    assert set(result.page_chunks) == {hit.path for hit in result.hits}
    for hit in result.hits:
        chunks = result.page_chunks[hit.path]
        assert chunks[0].id == hit.id and len(chunks) <= 4 and {c.path for c in chunks} == {hit.path}
    # the page that ranks first is a catalogue whose best chunk is not the one that names these points
    assert any("Nadir" in chunk.content for chunks in result.page_chunks.values() for chunk in chunks[1:])


def test_unchanged_corpus_rebuild_embeds_nothing(real_index):
    settings, first = real_index
    again = build_index(settings, force=True, progress=False)
    assert again["embeddings"] == {"cached": first["counts"]["chunks"], "embedded": 0}
