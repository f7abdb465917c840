"""How the retriever ranks pages, restated over exported arrays so that an adapted encoder
can be measured the way the retriever would use it: each leg's raw top 30 chunks, API
cards left out, a page scoring its best chunk, each leg min-max rescaled, the two summed
with equal weights, and pages of a project the question names moved up."""
from __future__ import annotations

import numpy as np

TOP = 30


def rescale(scores: dict) -> dict:
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    return {k: 1.0 if hi - lo <= 1e-12 else (v - lo) / (hi - lo) for k, v in scores.items()}


class PageRanker:
    """``chunks``: the exported chunks (``path``, ``project``, ``card``), in index order."""

    def __init__(self, chunks: list[dict]):
        self.paths = [c["path"] for c in chunks]
        self.card = np.array([c["card"] for c in chunks])
        self.project_of = {c["path"]: c["project"] for c in chunks}

    def _pages(self, top) -> dict:
        pages: dict = {}
        for i, s in top:
            if not self.card[i]:
                pages[self.paths[i]] = max(s, pages.get(self.paths[i], -1e9))
        return pages

    def rank(self, dense_top, bm25_top, named, mode: str) -> list[str]:
        """dense_top, bm25_top: [(chunk index, score)], each leg's raw top 30."""
        if mode == "hybrid":
            a, b = rescale(self._pages(bm25_top)), rescale(self._pages(dense_top))
            score = {p: 0.5 * a.get(p, 0) + 0.5 * b.get(p, 0) for p in set(a) | set(b)}
        else:
            score = self._pages(dense_top if mode == "dense" else bm25_top)
        order = sorted(score, key=lambda p: -score[p])[:TOP]
        named = set(named or ())
        if named and mode == "hybrid" and len(named) < 5:
            bonus = 0.25 / 61
            order = [order[i] for i in sorted(range(len(order)), key=lambda i: -(
                1 / (60 + i + 1) + (bonus if self.project_of[order[i]] in named else 0)))]
        return order

    def measure(self, similarities: np.ndarray, questions: list[dict], mode: str) -> tuple[float, float]:
        """recall@5 and MRR@10 of one question set, given the dense similarities
        (questions × chunks) and each question's exported BM25 top 30."""
        r5, mrr = [], []
        for q, s in zip(questions, similarities, strict=True):
            top = np.argsort(-s)[:TOP]
            order = self.rank([(int(i), float(s[i])) for i in top], [(int(i), sc) for i, sc in q["bm25"]],
                              q["named"], mode)
            first = next((j for j, p in enumerate(order) if p in q["gold"]), None)
            r5.append(first is not None and first < 5)
            mrr.append(1 / (first + 1) if first is not None and first < 10 else 0.0)
        return round(float(np.mean(r5)), 3), round(float(np.mean(mrr)), 3)
