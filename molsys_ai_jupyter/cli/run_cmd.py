"""``molsys-ai run``: a task done by the agent in a fresh kernel, written as a notebook that
re-runs it. Also what ``molsys-ai bench agent`` shares with it (the repair count check and the
kernels' backend)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..config import AGENT_DESIGNS, DESIGN_HELP
from ..errors import MolsysAIError
from .common import add_llm_flags, print_error, settings_from


def register(sub) -> None:
    """Add ``run`` to the commands."""
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
    add_llm_flags(run, timeout_flag="--llm-timeout")
    run.set_defaults(func=cmd_run)


def check_repairs(value: int) -> None:
    if value < 0:
        raise MolsysAIError(f"--max-repairs must be 0 or more (got {value})")


def kernel_backend(settings):
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
    check_repairs(args.max_repairs)
    if args.run_timeout <= 0:
        raise MolsysAIError(f"--timeout must be more than 0 seconds (got {args.run_timeout:g})")
    settings = settings_from(args)
    design = args.design or settings.agent_design
    backend, env = kernel_backend(settings)

    view = TerminalRun()
    try:
        result = run_agent(task, workdir, env=env, yes=args.yes, max_repairs=args.max_repairs, design=design,
                           timeout_s=args.run_timeout, on_output=view.output, ask=view.ask, export_to=out,
                           backend_label=backend.describe(), k=max(args.k, 0))
        checked = check_export(out, workdir, timeout_s=args.run_timeout) if result["ok"] and args.check_export \
            else None
    except KernelError as exc:
        view.release()
        print_error(exc)
        return 1
    return view.report(result, out, shown=not args.yes, checked=checked)


class TerminalRun:
    """What ``molsys-ai run`` shows in a terminal. The kernel's printed output (the plan,
    the code, what needs consent) is held until the agent asks, so that the question comes
    right under what it is about; errors go to stderr at once; the report ends the run."""

    def __init__(self) -> None:
        self.held: list[str] = []

    def output(self, name: str, text: str) -> None:
        if name == "stdout":
            self.held.append(text)
        else:
            sys.stderr.write(text)
            sys.stderr.flush()

    def release(self) -> None:
        sys.stdout.write("".join(self.held))
        self.held.clear()

    def ask(self, prompt: str) -> str:
        """The agent's question in the kernel, under the exact code it will run; no one to
        answer (end of input) is no."""
        self.release()
        try:
            return input(prompt)
        except EOFError:
            print()
            return ""

    def report(self, result: dict, out: Path, shown: bool, checked: str | None) -> int:
        """The answer, what it made and where the notebook is; the exit code."""
        if not result["ok"]:
            print(f"not done: {result['message']}")
            return 1
        if not shown:  # nothing asked (--yes): the plan and the code that ran were not shown yet
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
