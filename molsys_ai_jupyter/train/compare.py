"""``bench answers`` with the base GGUF and a fine-tuned GGUF, side by side: the same
questions, retrieval and prompt; only the embedded model file differs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

SUMMARY_KEYS = ("answer_pass_rate", "mention_rate", "draft_answer_pass_rate", "symbol_recall",
                "invented_symbol_rate", "citation_validity", "gold_source_cited_rate", "rewrite_rate")


def compare_answers(settings, tuned_gguf: Path, questions_file: Path, *, base_gguf=None, limit=None, k: int = 3,
                    progress=None) -> dict:
    from ..assistant import Assistant
    from ..bench.answers import run_answers_bench
    from ..bench.retrieval import load_questions
    from ..llm.embedded import packaged_gguf

    questions = load_questions(Path(questions_file))
    questions = questions[:limit] if limit else questions
    base = Path(base_gguf) if base_gguf else packaged_gguf()
    runs = {}
    retriever = None  # one index load for both runs
    for label, path in (("base", base), ("fine_tuned", Path(tuned_gguf))):
        local = replace(settings, gguf_path=path, llm_url=None)  # always the embedded backend
        assistant = Assistant(local, retriever=retriever)
        retriever = assistant.retriever

        def report(done, total, row, label=label):
            if progress:
                progress(f"  {label} {done}/{total} {row['id']}: {'pass' if row['pass'] else 'fail'}")

        runs[label] = run_answers_bench(assistant, questions, k=k, progress=report)
    summary = {"n": len(questions), "base_gguf": str(base), "fine_tuned_gguf": str(tuned_gguf)}
    for key in SUMMARY_KEYS:
        summary[key] = {"base": runs["base"][key], "fine_tuned": runs["fine_tuned"][key]}
    summary["ttft_ms_p50"] = {label: runs[label]["ttft_ms"].get("p50") for label in runs}
    return {"summary": summary, "base": runs["base"], "fine_tuned": runs["fine_tuned"]}
