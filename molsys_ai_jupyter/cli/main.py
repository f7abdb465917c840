"""``molsys-ai``: index, search, bench, doctor.

Expected failures (missing corpus, missing index, bad query, …) print one line
``error: … — how to fix`` and exit with status 2; no traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from .. import __version__
from ..config import AGENT_DESIGNS, DESIGN_HELP, load_settings
from ..errors import MolsysAIError


def _add_data_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("data and index locations")
    group.add_argument("--data", help="data root holding corpus/, data/structures/, bench/ (env MOLSYS_AI_DATA)")
    group.add_argument("--corpus", help="documentation corpus folder (default <data>/corpus)")
    group.add_argument("--structures", help="molecular structures folder (default <data>/data/structures)")
    group.add_argument("--index-dir", help="folder holding the indexes (env MOLSYS_AI_INDEX_DIR)")
    group.add_argument("--name", dest="index_name", help="index name (default molsyssuite)")


def _add_retrieval_flags(parser: argparse.ArgumentParser, k: int, what: str) -> None:
    parser.add_argument("-k", type=int, default=k, help=f"{what} (default {k})")
    parser.add_argument("--project", help="only this project (molsysmt, pyunitwizard, …)")


def _add_llm_flags(parser: argparse.ArgumentParser, timeout_flag: str = "--timeout") -> None:
    group = parser.add_argument_group("language model (default: the embedded offline model)")
    group.add_argument("--llm-url", help="OpenAI-compatible server, e.g. http://gpu-node:8000/v1 (env MOLSYS_AI_LLM_URL)")
    group.add_argument("--model", help="model name on that server (env MOLSYS_AI_MODEL; default: the one it serves)")
    group.add_argument(timeout_flag, dest="timeout", type=float,
                       help="seconds to wait for the server (env MOLSYS_AI_LLM_TIMEOUT)")
    group.add_argument("--llm-threads", type=int, metavar="N",
                       help="CPU threads of the embedded model (env MOLSYS_AI_LLM_THREADS; default: the cores, "
                            "at most 4)")


def _settings(args):
    return load_settings(
        llm_url=getattr(args, "llm_url", None),
        model=getattr(args, "model", None),
        llm_timeout=getattr(args, "timeout", None),
        llm_threads=getattr(args, "llm_threads", None),
        data_root=getattr(args, "data", None),
        corpus_dir=getattr(args, "corpus", None),
        structures_dir=getattr(args, "structures", None),
        index_root=getattr(args, "index_dir", None),
        index_name=getattr(args, "index_name", None),
    )


class _CommonFlags:
    """The flag groups and helpers shared by every command (for the command modules)."""

    data = staticmethod(_add_data_flags)
    retrieval = staticmethod(_add_retrieval_flags)
    llm = staticmethod(_add_llm_flags)
    settings = staticmethod(_settings)


COMMON_FLAGS = _CommonFlags()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="molsys-ai", description="MolSys-AI: the MolSysSuite assistant.")
    parser.add_argument("--version", action="version", version=f"molsys-ai {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    index = sub.add_parser("index", help="build or inspect the knowledge index")
    index_sub = index.add_subparsers(dest="index_command", metavar="ACTION")
    index_sub.required = True
    build = index_sub.add_parser("build", help="build the index from the corpus (reuses cached embeddings)")
    _add_data_flags(build)
    build.add_argument("--force", action="store_true", help="rebuild even if the corpus is unchanged")
    build.add_argument("--max-tokens", type=int, default=None, help="chunk size in model tokens (≤ 256)")
    build.add_argument("--quiet", action="store_true", help="no progress output")
    build.set_defaults(func=cmd_index_build)
    info = index_sub.add_parser("info", help="show what an index was built from")
    _add_data_flags(info)
    info.add_argument("--json", action="store_true")
    info.set_defaults(func=cmd_index_info)

    search = sub.add_parser("search", help="search the documentation")
    search.add_argument("query", help="what you are looking for")
    _add_retrieval_flags(search, 5, "number of pages")
    search.add_argument("--mode", default="hybrid", help="hybrid (default), dense or bm25")
    search.add_argument("--json", action="store_true", help="machine-readable output")
    _add_data_flags(search)
    search.set_defaults(func=cmd_search)

    ask = sub.add_parser("ask", help="ask a question; a cited, API-verified answer from the docs")
    ask.add_argument("question", help="your question")
    _add_retrieval_flags(ask, 3, "documentation pages to read")
    ask.add_argument("--json", action="store_true", help="machine-readable answer (no streaming)")
    ask.add_argument("--no-stream", action="store_true",
                     help="print the answer when it is complete (the draft streams only into a terminal)")
    _add_llm_flags(ask)
    _add_data_flags(ask)
    ask.set_defaults(func=cmd_ask)

    chat = sub.add_parser("chat", help="a multi-turn conversation about the docs")
    _add_retrieval_flags(chat, 3, "documentation pages per answer")
    _add_llm_flags(chat)
    _add_data_flags(chat)
    chat.set_defaults(func=cmd_chat)

    run = sub.add_parser("run", help="do a task with the agent in a fresh kernel; write a notebook that re-runs it")
    run.add_argument("task", help="the task in plain words, e.g. 'How many residues are in 1vii.pdb?'")
    run.add_argument("--workdir", default=".", metavar="D",
                     help="folder holding the files; the kernel works there (default: here)")
    run.add_argument("--yes", action="store_true",
                     help="run without asking (code that needs explicit consent still does not run without it)")
    run.add_argument("--out", metavar="FILE", help="notebook to write (default <workdir>/run.ipynb)")
    run.add_argument("--max-repairs", type=int, default=2, metavar="N", help="attempts after a failure (default 2)")
    run.add_argument("-k", type=int, default=3, metavar="N",
                     help="documentation pages kept as the run's sources (default 3; 0: none)")
    run.add_argument("--timeout", dest="run_timeout", type=float, default=600.0, metavar="S",
                     help="seconds the task may take in the kernel (default 600)")
    run.add_argument("--design", choices=AGENT_DESIGNS, default=None,
                     help=DESIGN_HELP + " (default: the agent_design setting, env MOLSYS_AI_AGENT_DESIGN)")
    run.add_argument("--check-export", action="store_true",
                     help="re-run the written notebook in a scratch copy of the folder, to check that it re-runs")
    _add_llm_flags(run, timeout_flag="--llm-timeout")
    run.set_defaults(func=cmd_run)

    bench = sub.add_parser("bench", help="benchmarks with JSON output")
    bench_sub = bench.add_subparsers(dest="bench_command", metavar="BENCH")
    bench_sub.required = True
    retrieval = bench_sub.add_parser("retrieval", help="recall@k / MRR / nDCG / latency vs single legs")
    retrieval.add_argument("--questions", help="jsonl with query + gold_sources (default <data>/bench/dev_questions.jsonl)")
    retrieval.add_argument("--json", dest="json_out", help="write the result JSON to this file")
    retrieval.add_argument("-k", type=int, default=10)
    retrieval.add_argument("--repeats", type=int, default=3, help="timed runs per question (default 3)")
    _add_data_flags(retrieval)
    retrieval.set_defaults(func=cmd_bench_retrieval)

    answers = bench_sub.add_parser("answers", help="answer pass rate, invented API, citations, TTFT")
    answers.add_argument("--questions", help="jsonl questions (default <data>/bench/dev_questions.jsonl)")
    answers.add_argument("--json", dest="json_out", help="write the result JSON to this file")
    answers.add_argument("-k", type=int, default=3, help="pages per answer (default 3)")
    answers.add_argument("--limit", type=int, help="only the first N questions")
    _add_llm_flags(answers)
    _add_data_flags(answers)
    answers.set_defaults(func=cmd_bench_answers)

    agent = bench_sub.add_parser("agent", help="task success of the agent, each task in a fresh kernel")
    agent.add_argument("--tasks", help="jsonl tasks (default <data>/bench/dev_agent_tasks.jsonl)")
    agent.add_argument("--json", dest="json_out", help="write the result JSON to this file")
    agent.add_argument("--max-repairs", type=int, default=2, help="attempts after a failure (default 2)")
    agent.add_argument("--design", default=AGENT_DESIGNS[0], choices=AGENT_DESIGNS,
                       help=DESIGN_HELP)
    agent.add_argument("--limit", type=int, help="only the first N tasks")
    _add_llm_flags(agent)
    _add_data_flags(agent)
    agent.set_defaults(func=cmd_bench_agent)

    md = bench_sub.add_parser("md", help="simulation speed (ns/day) per OpenMM platform, energies against the CPU's")
    md.add_argument("--platform", action="append", dest="platforms", metavar="NAME",
                    help="an OpenMM platform to time (repeatable; default CUDA when present, and CPU)")
    md.add_argument("--steps", type=int, default=500, help="timed steps per repeat (default 500)")
    md.add_argument("--repeats", type=int, default=3, help="timed repeats, the median is reported (default 3)")
    md.add_argument("--json", dest="json_out", help="write the result JSON to this file")
    _add_data_flags(md)
    md.set_defaults(func=cmd_bench_md)

    # commands that live in their own modules: each adds its parsers (and bench entries)
    from . import corpus_cmd, mcp_cmd, policy_cmd, serve_cmd, train_cmd

    serve_cmd.register(sub, bench_sub, common=COMMON_FLAGS)
    train_cmd.register(sub, common=COMMON_FLAGS)
    corpus_cmd.register(sub, common=COMMON_FLAGS)
    policy_cmd.register(sub, bench_sub, common=COMMON_FLAGS)
    mcp_cmd.register(sub, bench_sub, common=COMMON_FLAGS)

    doctor = sub.add_parser("doctor", help="check corpus, index, packages and paths")
    doctor.add_argument("--json", action="store_true")
    _add_data_flags(doctor)
    doctor.set_defaults(func=cmd_doctor)
    return parser


# --- commands ------------------------------------------------------------------------


def cmd_index_build(args) -> int:
    from ..knowledge.corpus import ChunkParams
    from ..knowledge.index_build import build_index

    params = ChunkParams() if args.max_tokens is None else ChunkParams(max_tokens=args.max_tokens)
    if not 32 <= params.max_tokens <= 256:
        raise MolsysAIError(f"--max-tokens must be between 32 and 256 (got {params.max_tokens})")
    build_index(_settings(args), params, force=args.force, progress=not args.quiet)
    return 0


def cmd_index_info(args) -> int:
    from ..knowledge.index_files import check_index

    settings = _settings(args)
    manifest = check_index(settings.index_path)
    if args.json:
        print(json.dumps(manifest, indent=2))
        return 0
    counts = manifest["counts"]
    print(f"index     {settings.index_path} → {Path(settings.index_path).resolve().name}")
    print(f"built     {manifest['created_utc']} in {manifest['build_seconds']} s")
    print(f"corpus    {manifest['corpus']}")
    for project, commit in manifest["corpus_commits"].items():
        print(f"          {project:13s} {commit[:12]}  {counts['by_project'].get(project, 0)} chunks")
    print(f"model     {manifest['model']}")
    print(f"chunks    {counts['chunks']} from {counts['pages']} pages; by kind: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts["by_kind"].items())))
    print(f"params    {manifest['chunk_params']}")
    return 0


def cmd_search(args) -> int:
    from ..knowledge.retrieval import Retriever, validate_query
    from .text_input import require_utf8

    validate_query(require_utf8(args.query, "query"))  # a bad query is reported before anything loads
    started = time.perf_counter()
    retriever = Retriever(_settings(args))
    retriever.warm_up()
    load_ms = (time.perf_counter() - started) * 1000.0
    result = retriever.search(args.query, k=args.k, project=args.project, mode=args.mode)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
        return 0
    from .render import print_search_result

    print_search_result(result)
    print(f"(search {result.latency_ms:.0f} ms; loading the index and model took {load_ms / 1000:.1f} s)")
    return 0


def cmd_ask(args) -> int:
    from ..assistant import Assistant, validate_question
    from ..knowledge.retrieval import Retriever
    from .text_input import require_utf8

    validate_question(require_utf8(args.question, "question"))
    settings = _settings(args)
    retriever = Retriever(settings)
    retriever.dense_store()  # a broken index is reported before the language model loads
    assistant = Assistant(settings, retriever=retriever)
    from .render import ask_streaming, print_answer

    def ask(on_token=None):
        return assistant.ask(args.question, k=args.k, project=args.project, on_token=on_token)

    # the draft streams only where it can be replaced in place: a terminal
    streaming = not (args.json or args.no_stream) and sys.stdout.isatty()
    answer = ask_streaming(ask) if streaming else ask()
    if args.json:
        print(json.dumps(answer.to_dict(), indent=2))
        return 0
    print_answer(answer)
    return 0


def cmd_chat(args) -> int:
    from ..assistant import Assistant
    from .chat import run_chat
    from .text_input import read_line

    return run_chat(Assistant(_settings(args)), k=args.k, project=args.project, read=read_line)


def cmd_bench_retrieval(args) -> int:
    from ..bench.retrieval import load_questions, run_retrieval_bench
    from ..knowledge.retrieval import Retriever

    settings = _settings(args)
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

    settings = _settings(args)
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

    settings = _settings(args)
    result = run_md_bench(settings.structures, args.platforms, steps=args.steps, repeats=args.repeats)
    write_json(result, args.json_out)
    return 0


def cmd_bench_agent(args) -> int:
    from ..bench.agent import load_tasks, run_agent_bench

    _check_repairs(args.max_repairs)
    settings = _settings(args)
    tasks = load_tasks(Path(args.tasks) if args.tasks else settings.bench / "dev_agent_tasks.jsonl")
    tasks = tasks[: args.limit] if args.limit else tasks
    backend, env = _kernel_backend(settings)

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


def _check_repairs(value: int) -> None:
    if value < 0:
        raise MolsysAIError(f"--max-repairs must be 0 or more (got {value})")


def _kernel_backend(settings):
    """The backend the kernels will use, made here first so that a wrong server or a
    missing model is one error line before any kernel starts; and the kernels' environment."""
    from ..agent.kernel_runner import kernel_env
    from ..llm import get_backend

    backend = get_backend(settings)
    env = kernel_env(settings)
    if settings.llm_url:
        env["MOLSYS_AI_MODEL"] = backend.model  # the served model found here, not looked up again
    return backend, env


def cmd_run(args) -> int:
    from ..agent.kernel_runner import KernelError, check_export, run_agent
    from .text_input import require_utf8

    task = require_utf8(args.task, "task").strip()
    if not task:
        raise MolsysAIError("empty task", "say what to do, e.g. molsys-ai run 'How many residues are in 1vii.pdb?'")
    workdir = Path(args.workdir).expanduser().resolve()
    if not workdir.is_dir():
        raise MolsysAIError(f"working folder not found: {args.workdir}", "pass --workdir FOLDER holding the files")
    out = Path(args.out).expanduser().resolve() if args.out else workdir / "run.ipynb"
    if out.suffix != ".ipynb":
        raise MolsysAIError(f"--out must name a notebook (.ipynb), got '{out.name}'")
    if not out.parent.is_dir():
        raise MolsysAIError(f"folder for --out not found: {out.parent}", "create it first")
    _check_repairs(args.max_repairs)
    if args.run_timeout <= 0:
        raise MolsysAIError(f"--timeout must be more than 0 seconds (got {args.run_timeout:g})")
    settings = _settings(args)
    design = args.design or settings.agent_design
    backend, env = _kernel_backend(settings)

    held = []  # the kernel's printed output (the code, what needs consent): shown before a question

    def show(name, text):
        if name == "stdout":
            held.append(text)
        else:
            sys.stderr.write(text)
            sys.stderr.flush()

    def ask(prompt):  # the agent's text prompt in the kernel: the exact code it will run, then the question
        sys.stdout.write("".join(held))
        held.clear()
        try:
            return input(prompt)
        except EOFError:  # nobody to answer: no
            print()
            return ""

    try:
        result = run_agent(task, workdir, env=env, yes=args.yes, max_repairs=args.max_repairs, design=design,
                           timeout_s=args.run_timeout, on_output=show, ask=ask, export_to=out,
                           backend_label=backend.describe(), k=max(args.k, 0))
        checked = check_export(out, workdir, timeout_s=args.run_timeout) if result["ok"] and args.check_export \
            else None
    except KernelError as exc:
        sys.stdout.write("".join(held))
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not result["ok"]:
        print(f"not done: {result['message']}")
        return 1
    if args.yes:  # nothing asked: the plan and the code that ran were not shown yet
        if result.get("restatement"):
            print(f"plan: {result['restatement']}")
        print("code:\n" + "\n".join("    " + line for line in result["code"].splitlines()))
    print(f"answer: {result['final_answer']!r}")
    print(f"new variables: {', '.join(result['new_variables']) or 'none'}")
    for source in result.get("sources", []):
        print(f"source: {source['title']} — {source['url'] or source['path']}")
    print(f"wrote {out} (re-runs top to bottom without the assistant)")
    if checked is not None:
        print(f"checked: it re-ran top to bottom in a scratch copy of the folder ({checked})")
    return 0


def write_json(result: dict, path: str | None) -> None:
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def cmd_doctor(args) -> int:
    from .doctor import print_report, run_checks

    checks = run_checks(_settings(args))
    if args.json:
        print(json.dumps([c.to_dict() for c in checks], indent=2))
    else:
        print_report(checks)
    return 0 if all(c.ok or c.optional for c in checks) else 1


def _output_closed() -> int:
    """The reader of stdout left early (``molsys-ai index info | head -2``). Python's recipe
    (docs.python.org, "Note on SIGPIPE"): point stdout at devnull, so that the flush at exit
    does not fail again, and say so in one line."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    try:
        print("error: output closed before it was all written (broken pipe) — "
              "nothing to fix if only the start was wanted (e.g. `| head`)", file=sys.stderr)
    except BrokenPipeError:  # stderr went to the same closed pipe (`2>&1 | head`)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stderr.fileno())
        os.close(devnull)
    return 2


def main(argv: list[str] | None = None) -> int:
    from .text_input import tolerant_stdin

    parser = build_parser()
    args = parser.parse_args(argv)
    tolerant_stdin()  # a line that is not UTF-8 is refused where it is read, in one line
    try:
        status = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the flush at exit
        return status
    except BrokenPipeError:
        return _output_closed()
    except MolsysAIError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
