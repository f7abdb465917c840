"""The query adapter: a linear map of the query embedding, learned from questions written
about the docs (``scripts/retriever_adaptation/``), shipped in the package."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from haystack import component

from molsys_ai_jupyter.knowledge.query_adapter import (
    AdaptedQueryEmbedder,
    load_matrix,
    packaged_path,
    packaged_version,
)

WRITTEN = Path(__file__).parents[1] / "scripts" / "retriever_adaptation" / "written_questions.jsonl"


@component
class Fixed:
    """A query embedder that always answers the same vector."""

    def __init__(self, vector):
        self.vector = list(vector)
        self.warmed = False

    def warm_up(self):
        self.warmed = True

    @component.output_types(embedding=list[float])
    def run(self, text: str):
        return {"embedding": self.vector}


class TestAdaptedQueryEmbedder:
    def test_checks_its_arguments(self):
        with pytest.raises(TypeError, match="run"):
            AdaptedQueryEmbedder(object())
        with pytest.raises(ValueError, match="square"):
            AdaptedQueryEmbedder(Fixed([1.0, 0.0]), matrix=np.ones((2, 3)))
        from molsys_ai_jupyter.errors import IndexCorrupt

        adapted = AdaptedQueryEmbedder(Fixed([1.0, 0.0, 0.0]), matrix=np.eye(2))
        with pytest.raises(IndexCorrupt, match="2 dimensions; the embedding has 3"):
            adapted.run(text="q")

    def test_maps_then_rescales_to_unit_length(self):
        inner = Fixed([0.6, 0.8])
        same = AdaptedQueryEmbedder(inner, matrix=np.eye(2))
        assert same.run(text="q")["embedding"] == pytest.approx([0.6, 0.8])
        assert inner.warmed  # warm_up reaches the wrapped embedder
        stretched = AdaptedQueryEmbedder(Fixed([0.6, 0.8]), matrix=np.diag([10.0, 1.0])).run(text="q")["embedding"]
        assert np.linalg.norm(stretched) == pytest.approx(1.0)
        assert stretched[0] > 0.99  # the first axis, stretched tenfold, now dominates

    def test_the_packaged_map_is_small_finite_and_not_the_identity(self):
        assert packaged_path().stat().st_size < 1_000_000
        matrix = load_matrix(packaged_path())
        assert matrix.shape == (384, 384) and matrix.dtype == np.float32
        assert np.abs(matrix - np.eye(384)).max() > 0.01
        assert len(packaged_version()) == 12

    def test_a_broken_file_is_one_line_with_a_fix(self, tmp_path):
        from molsys_ai_jupyter.errors import IndexCorrupt

        np.save(tmp_path / "nan.npy", np.full((3, 3), np.nan))
        np.save(tmp_path / "zero.npy", np.zeros((4, 4)))
        np.save(tmp_path / "rank1.npy", np.outer(np.arange(1.0, 5.0), np.ones(4)))
        (tmp_path / "cut.npy").write_bytes(packaged_path().read_bytes()[:1000])
        (tmp_path / "empty.npy").write_bytes(b"")
        np.savez(tmp_path / "archive.npz", W=np.eye(4))
        (tmp_path / "archive.npz").rename(tmp_path / "archive.npy")
        for name, reason in (("nan.npy", "square, finite"), ("cut.npy", "cannot be read"), ("none.npy", "cannot be read"),
                             ("zero.npy", "degenerate"), ("rank1.npy", "degenerate"), ("empty.npy", "cannot be read"),
                             ("archive.npy", "cannot be read")):
            with pytest.raises(IndexCorrupt, match=reason) as caught:
                load_matrix(tmp_path / name)
            assert "MOLSYS_AI_QUERY_ADAPTER=none" in str(caught.value) and "\n" not in str(caught.value)

    def test_the_retriever_applies_it_unless_the_setting_is_none(self, real_index):
        """On questions written about the docs (what it was fitted to), the adapted dense leg
        ranks their pages higher: the packaged file is the fitted map, and it is in use."""
        from molsys_ai_jupyter.knowledge.retrieval import Retriever

        settings, _ = real_index
        rows = [json.loads(line) for line in WRITTEN.read_text(encoding="utf-8").splitlines()][::15]

        def mrr(adapter: str) -> float:
            retriever = Retriever(replace(settings, query_adapter=adapter))
            ranks = []
            for row in rows:
                result = retriever.search(row["question"], k=10, mode="dense")
                assert result.query_adapter == adapter
                pages = [hit.path for hit in result.hits]
                ranks.append(1 / (pages.index(row["page"]) + 1) if row["page"] in pages else 0.0)
            assert (retriever.query_adapter is None) == (adapter == "none")
            return float(np.mean(ranks))

        base, adapted = mrr("none"), mrr("packaged")
        print(f"dense MRR@10 on {len(rows)} written questions: base {base:.3f}, adapted {adapted:.3f}")
        assert adapted > base + 0.1, (base, adapted)


def test_the_retriever_refuses_an_unknown_adapter_setting(real_index):
    """``dataclasses.replace`` skips the settings' own checks: the retriever makes them."""
    from molsys_ai_jupyter.knowledge.retrieval import Retriever

    settings, _ = real_index
    with pytest.raises(ValueError, match="query_adapter must be one of"):
        Retriever(replace(settings, query_adapter="off"))


# Spanish questions a red team found turned away as off-topic with the adapter: the glossary
# lacked the verbs' conjugated forms ("selecciono"), and a named project was no evidence.
SPANISH_ON_TOPIC = ["¿Cómo selecciono los átomos CA de una proteína?", "¿Cómo selecciono átomos?",
                    "¿Cómo construyo un péptido?", "¿Qué es PyUnitWizard?", "¿Cómo añado los hidrógenos que faltan?"]


def test_short_spanish_questions_are_on_topic_and_find_their_page(real_index):
    from molsys_ai_jupyter.assistant.answer import off_topic
    from molsys_ai_jupyter.knowledge.retrieval import Retriever

    settings, _ = real_index
    retriever = Retriever(settings)
    results = {q: retriever.search(q, k=3) for q in SPANISH_ON_TOPIC}
    assert [q for q, r in results.items() if off_topic(r)] == []
    top = {q: r.hits[0].path.rsplit("/", 1)[-1] for q, r in results.items()}
    assert top[SPANISH_ON_TOPIC[0]] == "select.ipynb" and top[SPANISH_ON_TOPIC[2]] == "build_peptide.ipynb"
    assert results[SPANISH_ON_TOPIC[0]].to_dict()["query_adapter"] == "packaged"


def test_a_lone_surrogate_is_searched_not_raised(real_index):
    from molsys_ai_jupyter.knowledge.retrieval import Retriever

    settings, _ = real_index
    assert Retriever(settings).search("select atoms \ud800", k=1).hits


def _page_text(path: Path) -> str:
    """A page as its writers read it: a notebook's markdown and code cells, or the file."""
    if path.suffix == ".ipynb":
        return "\n".join("".join(cell["source"]) for cell in json.loads(path.read_text(encoding="utf-8"))["cells"])
    return path.read_text(encoding="utf-8", errors="replace")


def test_every_written_question_quotes_its_page(real_settings):
    """The adapter's training questions: each names a page of the corpus and quotes it."""
    rows = [json.loads(line) for line in WRITTEN.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 900 and len({r["question"].lower() for r in rows}) == len(rows)
    assert {r["lang"] for r in rows} == {"en", "es"} and sum(r["lang"] == "es" for r in rows) > 0.2 * len(rows)
    texts: dict[str, str] = {}
    unquoted = []
    for row in rows:
        page = real_settings.corpus / row["page"]
        assert page.is_file(), row["page"]
        text = texts.setdefault(row["page"], " ".join(_page_text(page).split()))
        if " ".join(row["evidence"].split()) not in text:
            unquoted.append((row["page"], row["evidence"][:60]))
    assert unquoted == []
