"""``molsys-ai bench answers``: answer quality, API honesty, citations and latency of
the assistant on a questions file (jsonl with ``query``, ``gold_sources``,
``gold_symbols``, ``must_mention_any``)."""

from __future__ import annotations

from ..assistant.citations import markers
from ..assistant.sanitize import api_issues
from ..knowledge.verifier import verify_text
from .stats import latency_summary

WARM_UP_QUESTION = "How do I load a PDB file and look at it?"


def _passes(text: str, question: dict, registry, report=None) -> tuple[bool, list[str]]:
    """(mentions a must_mention_any string, the gold symbols the text names)."""
    used = set((report or verify_text(text, registry)).symbols_used)
    found = [g for g in question.get("gold_symbols") or [] if _canonical(g, registry) in used]
    mention = any(m.lower() in text.lower() for m in question.get("must_mention_any") or [])
    return mention, found


def score_answer(answer, question: dict, registry) -> dict:
    text = answer.text
    report = verify_text(text, registry)
    gold = question.get("gold_symbols") or []
    mention, found = _passes(text, question, registry, report)
    draft_mention, draft_found = _passes(answer.draft, question, registry)
    marks = markers(text)
    valid = [n for n in marks if 1 <= n <= len(answer.sources)]
    cited_paths = {answer.sources[n - 1].path for n in set(valid)}
    return {
        "id": question.get("id"),
        "pass": mention and len(found) == len(gold),
        "draft_pass": draft_mention and len(draft_found) == len(gold) and not answer.weak_retrieval,
        "mention": mention,
        "gold_symbols": len(gold),
        "gold_symbols_named": len(found),
        "invented": bool(api_issues(report)),
        "markers": len(marks),
        "valid_markers": len(valid),
        "gold_source_cited": bool(cited_paths & set(question.get("gold_sources") or [])),
        "weak_retrieval": answer.weak_retrieval,
        "rewritten": answer.rewritten,
        "ttft_ms": answer.timings.get("ttft_ms", 0.0),
        "total_ms": answer.timings.get("total_ms", 0.0),
    }


def _canonical(name: str, registry) -> str:
    symbol = registry.resolve(name)
    return symbol.name if symbol else name


def run_answers_bench(assistant, questions: list[dict], k: int = 3, progress=None) -> dict:
    assistant.ask(WARM_UP_QUESTION, k=k)  # warm: model, index and registry loaded once, not a bench question
    rows = []
    for number, question in enumerate(questions, 1):
        answer = assistant.ask(question["query"], k=k)
        rows.append(score_answer(answer, question, assistant.registry))
        if progress:
            progress(number, len(questions), rows[-1])
    n = len(rows)
    with_gold = [r for r in rows if r["gold_symbols"]]
    total_markers = sum(r["markers"] for r in rows)
    return {
        "n": n,
        "answer_pass_rate": round(sum(r["pass"] for r in rows) / n, 4),
        "mention_rate": round(sum(r["mention"] for r in rows) / n, 4),
        # the model's own words only, before the checked example and signatures are added
        "draft_answer_pass_rate": round(sum(r["draft_pass"] for r in rows) / n, 4),
        "symbol_recall": round(sum(r["gold_symbols_named"] for r in with_gold) / max(1, sum(r["gold_symbols"] for r in with_gold)), 4),
        "invented_symbol_rate": round(sum(r["invented"] for r in rows) / n, 4),
        "citation_validity": round(sum(r["valid_markers"] for r in rows) / total_markers, 4) if total_markers else 1.0,
        "gold_source_cited_rate": round(sum(r["gold_source_cited"] for r in rows) / n, 4),
        "weak_retrieval_rate": round(sum(r["weak_retrieval"] for r in rows) / n, 4),
        "rewrite_rate": round(sum(r["rewritten"] for r in rows) / n, 4),
        "ttft_ms": latency_summary([r["ttft_ms"] for r in rows]),
        "total_ms": latency_summary([r["total_ms"] for r in rows]),
        "backend": assistant.backend.name,
        "model": assistant.backend.model,
        "k": k,
        "questions": rows,
    }
