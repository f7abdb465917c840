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
        adapted = AdaptedQueryEmbedder(Fixed([1.0, 0.0, 0.0]), matrix=np.eye(2))
        with pytest.raises(ValueError, match="2 dimensions; the embedding has 3"):
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

    def test_a_broken_file_is_refused(self, tmp_path):
        np.save(tmp_path / "bad.npy", np.full((3, 3), np.nan))
        with pytest.raises(ValueError, match="square, finite"):
            load_matrix(tmp_path / "bad.npy")

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
