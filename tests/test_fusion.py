"""PageScoreFusion: the two legs' page rankings fused by their rescaled scores."""

import pytest
from haystack import Document

from molsys_ai_jupyter.knowledge.fusion import PageScoreFusion


def doc(chunk: str, page: str, score: float) -> Document:
    return Document(id=chunk, content=chunk, meta={"path": page}, score=score)


def paths(documents) -> list[str]:
    return [d.meta["path"] for d in documents]


class TestPageScoreFusion:
    def test_a_clear_lexical_winner_beats_a_dense_near_tie(self):
        # ranks alone (RRF) would tie "a" and "b": each is first in one leg and second in the other
        bm25 = [doc("a1", "a", 20.0), doc("b1", "b", 2.0), doc("c1", "c", 1.0)]
        dense = [doc("b1", "b", 0.300), doc("a1", "a", 0.302), doc("c1", "c", 0.50)]
        fused = PageScoreFusion().run(bm25=bm25, dense=dense)["documents"]
        assert paths(fused) == ["a", "b", "c"]
        assert fused[0].score > fused[1].score > fused[2].score

    def test_a_chunk_both_legs_returned_comes_out_once_and_a_page_keeps_its_best_chunk_first(self):
        bm25 = [doc("a2", "a", 9.0), doc("a1", "a", 3.0), doc("b1", "b", 1.0)]
        dense = [doc("a1", "a", 0.2), doc("b1", "b", 0.25), doc("a2", "a", 0.6)]
        fused = PageScoreFusion().run(bm25=bm25, dense=dense)["documents"]
        assert sorted(d.id for d in fused) == ["a1", "a2", "b1"]
        assert paths(fused) == ["a", "a", "b"] and fused[0].id in ("a1", "a2")

    def test_one_empty_leg_keeps_the_other_legs_order(self):
        bm25 = [doc("x", "x", 5.0), doc("y", "y", 4.0), doc("z", "z", 1.0)]
        assert paths(PageScoreFusion().run(bm25=bm25, dense=[])["documents"]) == ["x", "y", "z"]
        dense = [doc("x", "x", 0.4), doc("y", "y", 0.1)]
        assert paths(PageScoreFusion().run(bm25=[], dense=dense)["documents"]) == ["y", "x"]

    def test_the_weight_decides_between_disagreeing_legs(self):
        bm25 = [doc("a", "a", 10.0), doc("b", "b", 1.0)]
        dense = [doc("b", "b", 0.1), doc("a", "a", 0.9)]
        assert paths(PageScoreFusion(bm25_weight=0.8).run(bm25=bm25, dense=dense)["documents"]) == ["a", "b"]
        assert paths(PageScoreFusion(bm25_weight=0.2).run(bm25=bm25, dense=dense)["documents"]) == ["b", "a"]

    def test_a_chunk_without_a_finite_score_ranks_last_in_its_leg(self):
        bm25 = [doc("a", "a", 10.0), doc("n", "n", float("nan")), doc("b", "b", 5.0)]
        dense = [doc("x", "x", None), doc("a", "a", 0.2), doc("b", "b", 0.3)]
        fused = PageScoreFusion().run(bm25=bm25, dense=dense)["documents"]
        assert paths(fused)[:2] == ["a", "b"] and all(d.score == d.score for d in fused)  # no NaN

    def test_a_weight_outside_zero_one_is_refused(self):
        with pytest.raises(ValueError, match="bm25_weight"):
            PageScoreFusion(bm25_weight=1.5)
