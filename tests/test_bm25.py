"""The BM25 leg: code-aware tokens, ranking, project filter, persistence."""

from __future__ import annotations

import pytest
from haystack import Document

from molsys_ai_jupyter.knowledge.bm25 import Bm25sIndexWriter, Bm25sRetriever, tokenize


@pytest.mark.parametrize(
    "text, present, absent",
    [
        ("molsysmt.structure.get_rmsd", ["molsysmt", "structur", "get_rmsd", "rmsd"], []),
        ("How do I count the waters?", ["count", "water"], ["how", "the", "do"]),
        ("¿Cómo creo una caja de agua?", ["creo", "caja", "agua"], ["una", "de"]),
        ("n_waters=True", ["n_waters", "water", "true"], ["n"]),
    ],
)
def test_tokenize(text, present, absent):
    tokens = tokenize(text)
    for token in present:
        assert token in tokens
    for token in absent:
        assert token not in tokens


def _docs():
    return [
        Document(id="a", content="Counting water molecules with n_waters", meta={"project": "molsysmt", "context": "Get"}),
        Document(id="b", content="Converting units of quantities", meta={"project": "pyunitwizard", "context": "Convert"}),
        Document(id="c", content="Remove the waters and ions from a system", meta={"project": "molsysmt", "context": "Remove"}),
    ]


def test_index_retrieve_filter_and_reload(tmp_path):
    Bm25sIndexWriter(str(tmp_path)).run(documents=_docs())
    retriever = Bm25sRetriever(str(tmp_path), top_k=3)
    ids = [d.id for d in retriever.run(query="how many waters")["documents"]]
    assert ids[0] == "a" and "b" not in ids
    only_units = retriever.run(query="waters units", filters={"field": "meta.project", "operator": "==", "value": "pyunitwizard"})
    assert [d.id for d in only_units["documents"]] == ["b"]
    assert retriever.run(query="zzzz unknownword")["documents"] == []
    fresh = Bm25sRetriever(str(tmp_path))
    assert fresh.run(query="convert units")["documents"][0].id == "b"
