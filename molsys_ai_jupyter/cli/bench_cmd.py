"""``molsys-ai bench``, the group of benchmarks with JSON output, and its own benchmarks:
``retrieval``, ``answers``, ``agent`` and ``md``. The serve, policy and MCP command modules
add theirs (``load``, ``policy``, ``mcp``) with their ``register_bench``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..config import AGENT_DESIGNS, DESIGN_HELP
from .common import add_data_flags, add_llm_flags, settings_from, write_json
from .run_cmd import check_repairs, kernel_backend


def register(sub):
    """Add ``bench`` with its own benchmarks to the commands; returns the subparsers the
    other benchmarks are added to."""
    bench = sub.add_parser("bench", help="benchmarks with JSON output")
    bench_sub = bench.add_subparsers(dest="bench_command", metavar="BENCH")
    bench_sub.required = True
    retrieval = bench_sub.add_parser("retrieval", help="recall@k / MRR / nDCG / latency vs single legs")
    retrieval.add_argument("--questions", help="jsonl with query + gold_sources (default <data>/bench/dev_questions.jsonl)")
    retrieval.add_argument("--json", dest="json_out", help="write the result JSON to this file")
    retrieval.add_argument("-k", type=int, default=10)
    retrieval.add_argument("--repeats", type=int, default=3, help="timed runs per question (default 3)")
    add_data_flags(retrieval)
    retrieval.set_defaults(func=cmd_bench_retrieval)

    answers = bench_sub.add_parser("answers", help="answer pass rate, invented API, citations, TTFT")
    answers.add_argument("--questions", help="jsonl questions (default <data>/bench/dev_questions.jsonl)")
    answers.add_argument("--json", dest="json_out", help="write the result JSON to this file")
    answers.add_argument("-k", type=int, default=3, help="pages per answer (default 3)")
    answers.add_argument("--limit", type=int, help="only the first N questions")
    add_llm_flags(answers)
    add_data_flags(answers)
    answers.set_defaults(func=cmd_bench_answers)

    agent = bench_sub.add_parser("agent", help="task success of the agent, each task in a fresh kernel")
    agent.add_argument("--tasks", help="jsonl tasks (default <data>/bench/dev_agent_tasks.jsonl)")
    agent.add_argument("--json", dest="json_out", help="write the result JSON to this file")
    agent.add_argument("--max-repairs", type=int, default=2, help="attempts after a failure (default 2)")
    agent.add_argument("--design", default=AGENT_DESIGNS[0], choices=AGENT_DESIGNS,
                       help=DESIGN_HELP)
    agent.add_argument("--limit", type=int, help="only the first N tasks")
    add_llm_flags(agent)
    add_data_flags(agent)
    agent.set_defaults(func=cmd_bench_agent)

    md = bench_sub.add_parser("md", help="simulation speed (ns/day) per OpenMM platform, energies against the CPU's")
    md.add_argument("--platform", action="append", dest="platforms", metavar="NAME",
                    help="an OpenMM platform to time (repeatable; default CUDA when present, and CPU)")
    md.add_argument("--steps", type=int, default=500, help="timed steps per repeat (default 500)")
    md.add_argument("--repeats", type=int, default=3, help="timed repeats, the median is reported (default 3)")
    md.add_argument("--json", dest="json_out", help="write the result JSON to this file")
    add_data_flags(md)
    md.set_defaults(func=cmd_bench_md)
    return bench_sub


def cmd_bench_retrieval(args) -> int:
    from ..bench.retrieval import load_questions, run_retrieval_bench
    from ..knowledge.retrieval import Retriever

    settings = settings_from(args)
    questions = load_questions(Path(args.questions) if args.questions else settings.bench / "dev_questions.jsonl")
    result = run_retrieval_bench(Retriever(settings), questions, k=args.k, repeats=args.repeats)
    write_json(result, args.json_out)
    summary = {key: result[key] for key in ("n", "recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")}
    summary["latency_ms"] = result["latency_ms"]
    summary["bm25"] = {k: result["baselines"]["bm25"][k] for k in ("recall@5", "mrr@10")}
    summary["dense"] = {k: result["baselines"]["dense"][k] for k in ("recall@5", "mrr@10")}
    print(json.dumps(summary))
    return 0


def cmd_bench_answers(args) -> int:
    from ..assistant import Assistant
    from ..bench.answers import run_answers_bench
    from ..bench.retrieval import load_questions

    settings = settings_from(args)
    questions = load_questions(Path(args.questions) if args.questions else settings.bench / "dev_questions.jsonl")
    questions = questions[: args.limit] if args.limit else questions

    def progress(done, total, row):
        mark = "pass" if row["pass"] else "fail"
        print(f"  {done}/{total} {row['id']}: {mark} (first token {row['ttft_ms'] / 1000:.1f} s)", file=sys.stderr)

    result = run_answers_bench(Assistant(settings), questions, k=args.k, progress=progress)
    write_json(result, args.json_out)
    print(json.dumps({k: v for k, v in result.items() if k != "questions"}))
    return 0


def cmd_bench_md(args) -> int:
    from ..bench.md import run_md_bench

    settings = settings_from(args)
    result = run_md_bench(settings.structures, args.platforms, steps=args.steps, repeats=args.repeats)
    write_json(result, args.json_out)
    return 0


def cmd_bench_agent(args) -> int:
    from ..bench.agent import load_tasks, run_agent_bench

    check_repairs(args.max_repairs)
    settings = settings_from(args)
    tasks = load_tasks(Path(args.tasks) if args.tasks else settings.bench / "dev_agent_tasks.jsonl")
    tasks = tasks[: args.limit] if args.limit else tasks
    backend, env = kernel_backend(settings)

    def progress(done, total, row):
        mark = {"right": "ok   ", "wrong": "WRONG", "not understood": "NOT UNDERSTOOD", "failed": "FAIL ",
                "crashed": "CRASH"}[row["outcome"]]
        what = row["restatement"] or f"{row['recipe']} {row['params']}"
        line = f"  {done}/{total} {row['id']}: {mark} {what} → {row['final_answer']!r}"
        if row["error"] and row["final_answer"] is None:
            line += f" ({row['error'][:120]})"
        print(f"{line} [{row['seconds']:.1f} s]", file=sys.stderr)

    result = run_agent_bench(tasks, settings.structures, backend=backend, env=env, design=args.design,
                             max_repairs=args.max_repairs, progress=progress)
    write_json(result, args.json_out)
    print(json.dumps({k: v for k, v in result.items() if k != "results"}))
    return 0
