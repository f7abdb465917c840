"""``molsys-ai bench retrieval``: recall@k, MRR@10, nDCG@10 and latency of the
hybrid retriever against its two single legs, on a questions file (jsonl with
``query`` and ``gold_sources``)."""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..errors import MolsysAIError
from .stats import latency_summary

KS = (1, 3, 5, 10)
API_DEPTH = 3


def load_questions(path: Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise MolsysAIError(f"questions file not found: {path}", "pass --questions FILE (jsonl)")
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            item["query"], item["gold_sources"]
        except (ValueError, KeyError, TypeError):
            raise MolsysAIError(f"{path}:{number}: not a question (needs 'query' and 'gold_sources')") from None
        questions.append(item)
    if not questions:
        raise MolsysAIError(f"no questions in {path}")
    return questions


def ranked_paths(hits) -> list[str]:
    """Distinct corpus paths in rank order."""
    seen: list[str] = []
    for hit in hits:
        if hit.path not in seen:
            seen.append(hit.path)
    return seen


def score_ranking(paths: list[str], gold: set[str], depth: int) -> dict:
    top = paths[:depth]
    metrics = {f"recall@{k}": float(any(p in gold for p in paths[:k])) for k in KS}
    first = next((i for i, p in enumerate(top) if p in gold), None)
    metrics["mrr@10"] = 1.0 / (first + 1) if first is not None else 0.0
    dcg = sum(1.0 / math.log2(i + 2) for i, p in enumerate(top) if p in gold)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(gold), depth)))
    metrics["ndcg@10"] = dcg / ideal if ideal else 0.0
    return metrics


def _mean_metrics(rows: list[dict]) -> dict:
    keys = [f"recall@{k}" for k in KS] + ["mrr@10", "ndcg@10"]
    return {key: round(sum(r[key] for r in rows) / len(rows), 4) for key in keys}


def symbol_recall(api_hits, gold_symbols: list[str]) -> float:
    """Share of the gold API symbols named by the returned symbol cards."""
    names = {name for hit in api_hits for name in (hit.symbol, *hit.aliases.split())}
    return sum(1 for s in gold_symbols if s in names) / len(gold_symbols)


def evaluate(retriever, questions: list[dict], k: int = 10, mode: str = "hybrid", repeats: int = 1) -> dict:
    rows, latencies, per_question, symbol_rows = [], [], [], []
    for question in questions:
        for _ in range(repeats):
            result = retriever.search(question["query"], k=max(k, 10), mode=mode)
            latencies.append(result.latency_ms)
        paths = ranked_paths(result.hits)
        row = score_ranking(paths, set(question["gold_sources"]), depth=10)
        rows.append(row)
        if question.get("gold_symbols"):
            symbol_rows.append(symbol_recall(result.api[:API_DEPTH], question["gold_symbols"]))
        per_question.append({"id": question.get("id"), "hit@5": row["recall@5"], "top": paths[:5],
                             "api": [h.symbol for h in result.api[:API_DEPTH]]})
    summary = {"n": len(questions), **_mean_metrics(rows)}
    if symbol_rows:
        summary[f"api_symbol_recall@{API_DEPTH}"] = round(sum(symbol_rows) / len(symbol_rows), 4)
    summary["latency_ms"] = latency_summary(latencies)
    return summary, per_question


def run_retrieval_bench(retriever, questions: list[dict], k: int = 10, repeats: int = 3) -> dict:
    """The hybrid result with both single legs as baselines, in one run."""
    retriever.warm_up()
    hybrid, details = evaluate(retriever, questions, k=k, mode="hybrid", repeats=repeats)
    baselines = {mode: evaluate(retriever, questions, k=k, mode=mode, repeats=repeats)[0] for mode in ("bm25", "dense")}
    return {
        **hybrid,
        "k": k,
        "query_encoder": retriever.query_encoder,
        "query_adapter": retriever.query_adapter,
        "baselines": baselines,
        "index": retriever.manifest,
        "questions": details,
    }
