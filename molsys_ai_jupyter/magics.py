"""The IPython extension: ``%load_ext molsys_ai_jupyter`` registers ``%molsys`` and ``%%molsys``.

    %%molsys
    How many residues are in 1vii.pdb?
    %molsys ask How do I count the waters of 1tcd?
    %molsys status
    %molsys config                      # show the settings in effect
    %config MolsysAI.llm_url = "http://gpu-node:8000/v1"   # or any other setting

Loading is instant: the assistant (and with it torch, haystack, chromadb, the
model) is created on the first ``ask``. In notebooks ``%%molsys`` asks through an
approval panel (ipywidgets) and shows the structure a task made (nglview); both are
imported only then. A terminal gets the same steps as printed lines and a ``[y/N]`` prompt.
"""

from __future__ import annotations

import importlib.util

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets.config import Configurable

from .config import AGENT_DESIGNS, DESIGN_HELP, IPYTHON_SECTION, load_settings, settings_traits
from .errors import MolsysAIError

SUBCOMMANDS = {
    "ask": "ask QUESTION: answer from the MolSysSuite docs, with citations",
    "history": "history: the agent runs of this session",
    "export": "export FILE [--short F]: write them as a notebook (.ipynb) that re-runs, a script (.py) or JSON",
    "status": "status: which model and index answer, and from where",
    "config": "config: the settings in effect (change them with %config MolsysAI.<name> = value)",
    "help": "help: this text",
}


MolsysAI = type(IPYTHON_SECTION, (Configurable,), {
    "__doc__": "Settings of MolSys-AI in IPython (``%config MolsysAI``); unset ones fall back to the "
               "environment, the TOML file and the defaults.",
    **settings_traits()})


@magics_class
class MolsysMagics(Magics):
    def __init__(self, shell):
        super().__init__(shell)
        self._assistant = None
        self._settings_key = None
        self.notebook_run = None  # the last %%molsys in a notebook (its approval panels, if any)

    def assistant(self):
        settings = load_settings()
        if self._assistant is None or settings != self._settings_key:
            from .assistant import Assistant

            self._assistant = Assistant(settings)
            self._settings_key = settings
        return self._assistant

    @line_magic
    @magic_arguments("molsys")  # the parser adds the "%"
    @argument("command", nargs="?", default="help", metavar="COMMAND",
              help="; ".join(f"%molsys {text}" for text in SUBCOMMANDS.values()).replace("%", "%%"))
    @argument("words", nargs="*", metavar="WORDS", help="the question (ask), the file (export)")
    @argument("--short", type=float, metavar="F",
              help="export: the notebook re-runs each simulation with F (0–1) of its steps")
    def molsys(self, line: str):
        """%molsys: ask the docs, list and export the agent's runs, show the model, index and settings."""
        command, _, question = line.strip().partition(" ")
        if command == "ask":  # the question as typed: it is not parsed as arguments
            return self._run_subcommand(self._ask, question.strip())
        try:
            args = parse_argstring(self.molsys, line)
        except (UsageError, ValueError) as exc:  # ValueError: shlex, e.g. an unclosed quote
            raise UsageError(f"cannot read the arguments ({exc}); quote the question\n\n{usage()}") from None
        if args.command not in SUBCOMMANDS:
            raise UsageError(f"unknown subcommand '{args.command}'\n\n{usage()}")
        if args.short is not None and args.command != "export":
            raise UsageError(f"--short is an option of %molsys export\n\n{usage()}")
        rest = " ".join(args.words)
        if args.command == "help":
            print(usage())
            return None
        if args.command == "export":
            return self._run_subcommand(self._export, rest, args.short)
        if args.command == "config":
            return self._run_subcommand(self._config, rest)
        return self._run_subcommand({"status": self._status, "history": self._history}[args.command])

    @staticmethod
    def _run_subcommand(action, *args):
        try:
            return action(*args)
        except MolsysAIError as exc:
            raise UsageError(str(exc)) from None

    @cell_magic("molsys")
    @magic_arguments("%molsys")
    @argument("--yes", action="store_true", help="run without asking (code that needs consent still asks)")
    @argument("--dry-run", action="store_true", help="show the code, do not run it")
    @argument("--design", default=None, choices=AGENT_DESIGNS,
              help=DESIGN_HELP + " (default: the agent_design setting)")
    @argument("--max-repairs", type=int, default=2, metavar="N", help="attempts after a failure (default 2)")
    @argument("-k", type=int, default=3, metavar="N",
              help="documentation pages kept as the run's sources (default 3; 0: none)")
    @argument("--model", default=None, metavar="M", help="a model of the OpenAI-compatible server, for this run")
    @argument("--no-view", action="store_true", help="no 3D view of the structure the task made")
    @argument("--no-panel", action="store_true", help="ask with a text prompt instead of the approval panel")
    @argument("--insert", action="store_true", help="put the accepted code in a new cell below")
    def molsys_cell(self, line: str, cell: str):
        """A task in plain words (the cell) → code, checked, run in this kernel. In notebooks a
        Run / Edit / Cancel panel asks first, and a 3D view shows the structure the task made."""
        try:
            args = parse_argstring(self.molsys_cell, line)
        except UsageError as exc:
            raise UsageError(f"{exc}\n\n{usage()}") from None
        task = cell.strip()
        if not task:
            raise UsageError("write the task in the cell under %%molsys, e.g. 'How many residues are in 1vii.pdb?'")
        if args.k < 0 or args.max_repairs < 0:
            raise UsageError(f"-k and --max-repairs need 0 or more\n\n{usage()}")
        from .agent.agent import Agent
        from .agent.ui import AgentOptions
        from .display import TextUI, in_notebook

        notebook = in_notebook(self.shell)
        try:
            settings = load_settings()
            backend, ui = self._backend(args.model), TextUI(self.shell)
            options = AgentOptions(max_repairs=args.max_repairs, k=args.k, design=args.design or settings.agent_design,
                                   docs=self._docs_finder() if args.k else None, corpus=settings.corpus)
            agent = Agent(backend, options, ui=ui)
            panel = notebook and not args.dry_run and not args.no_panel
            NotebookRun = _notebook_run_class() if panel else None
            if NotebookRun is not None:
                # non-blocking: returns once the run is over, or once a panel waits for a click
                run = agent.start(task, self.shell, workdir=".")
                self.notebook_run = NotebookRun(run, self.shell, ui=ui, yes=args.yes, view=not args.no_view,
                                                insert=args.insert)
                self.notebook_run.start()
                return None
            result = agent.run(task, self.shell, workdir=".", confirm_every_run=not args.yes,
                               dry_run=args.dry_run)  # the UI shows the result
        except MolsysAIError as exc:
            raise UsageError(str(exc)) from None
        if notebook and not args.no_view:
            from .viewer import show_structure

            show_structure(result, self.shell.user_ns)
        if args.insert and result.ok:
            self.shell.set_next_input(result.code, replace=False)
        return None

    def _backend(self, model: str | None):
        """The assistant's backend, or one serving ``model`` on the same server."""
        backend = self.assistant().backend
        if not model or model == backend.model:
            return backend
        settings = load_settings()
        if not settings.llm_url:
            print(f"--model {model} is ignored: the embedded model answers "
                  f"(set %config {IPYTHON_SECTION}.llm_url to use a server)")
            return backend
        from .llm import get_backend

        return get_backend(settings.with_overrides(model=model))

    def _docs_finder(self):
        """Documentation search for the agent's sources (None, said once, without an index)."""
        from .agent.sources import index_finder

        assistant = self.assistant()
        finder, why = index_finder(assistant.settings, lambda: assistant.retriever)
        if finder is None and not getattr(self, "_said_no_sources", False):
            print(why)
            self._said_no_sources = True
        return finder

    def _ask(self, question: str):
        from .display import AnswerView

        if not question:
            raise UsageError('%molsys ask needs a question, e.g. %molsys ask how do I count the waters?')
        from .remote import RemoteAssistant, remote_reason

        settings = load_settings()
        # the chat API answers when api_url is set, or when there is no local knowledge base here
        remote = RemoteAssistant(settings) if remote_reason(settings) else None
        view = AnswerView(self.shell, waiting=remote.waiting_note if remote else None)
        try:
            answer = (remote or self.assistant()).ask(question, on_token=view.token)
        except MolsysAIError as exc:
            view.failed(exc)
            raise
        view.final(answer, footer=remote.footer(answer) if remote else "")
        self.shell.user_ns["_molsys_last_answer"] = answer
        return None

    def _runs(self) -> list:
        from .agent.agent import HISTORY

        return list(self.shell.user_ns.get(HISTORY, []))

    def _history(self):
        runs = self._runs()
        if not runs:
            print("no %%molsys runs in this session yet")
        for number, run in enumerate(runs, 1):
            state = f"answer {run.final_answer!r}" if run.ok else run.message
            print(f"{number}. {run.task[:70]} → {state}")

    def _export(self, target: str, short: float | None = None):
        from .agent.transcript import export

        step_scale = 1.0 if short is None else short
        if not 0.0 < step_scale <= 1.0:
            raise UsageError(f"--short {step_scale:g}: give a share of the steps between 0 and 1")
        words = target.split()
        target = " ".join(words)
        if not target:
            raise UsageError("%molsys export needs a file name: run.ipynb, run.py or run.json")
        runs = self._runs()
        if not runs:
            raise UsageError("nothing to export: no %%molsys runs in this session yet")
        try:
            path = export(runs, target, backend=self.assistant().backend.describe(), step_scale=step_scale)
        except (ValueError, OSError) as exc:
            raise UsageError(str(exc)) from None
        print(f"wrote {path} ({sum(1 for r in runs if r.ok)} task(s))")

    def _status(self):
        from .knowledge.index_files import check_index

        settings = load_settings()
        backend = f"OpenAI-compatible server {settings.llm_url}" if settings.llm_url else "embedded SmolLM2-135M (CPU)"
        try:
            manifest = check_index(settings.index_path)
            index = f"{settings.index_path} ({manifest['counts']['chunks']} chunks, built {manifest['created_utc']})"
        except MolsysAIError as exc:
            index = str(exc)
        print(f"backend  {backend}\nindex    {index}\ncorpus   {settings.corpus}")

    def _config(self, rest: str):
        if rest:
            raise UsageError(f"change settings with %config {IPYTHON_SECTION}.<name> = value (e.g. "
                             f"%config {IPYTHON_SECTION}.llm_url = 'http://gpu-node:8000/v1')")
        settings = load_settings()
        for name, value in vars(settings).items():
            shown = "***" if name == "api_key" and value else value
            print(f"{name:18s} {shown}")


def usage() -> str:
    """The help of ``%%molsys`` and ``%molsys``, generated from their arguments."""
    return "\n".join(magic.parser.format_help() for magic in (MolsysMagics.molsys_cell, MolsysMagics.molsys))


def _notebook_run_class():
    """The approval panel's driver, or None without ipywidgets (then the text prompt asks)."""
    if importlib.util.find_spec("ipywidgets") is None:
        return None
    try:
        from .approval_panel import NotebookRun
    except ImportError:
        return None
    return NotebookRun


def keep_question_marks(lines: list[str]) -> list[str]:
    """IPython reads a line ending in ``?`` as a help request (``%molsys ask … there?``
    would show help for ``there``). Questions end in ``?``, so a ``%molsys`` line that
    does is turned into the equivalent explicit magic call before that happens."""
    out = []
    for line in lines:
        stripped = line.lstrip()
        body = stripped.rstrip("\n").rstrip()
        if stripped.startswith("%molsys ") and body.endswith("?"):
            indent = line[: len(line) - len(stripped)]
            out.append(f"{indent}get_ipython().run_line_magic('molsys', {body[len('%molsys '):]!r})\n")
        else:
            out.append(line)
    return out


def load(shell) -> None:
    if not any(isinstance(c, MolsysAI) for c in shell.configurables):
        shell.configurables.append(MolsysAI(parent=shell))
    if keep_question_marks not in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.append(keep_question_marks)
    shell.register_magics(MolsysMagics)
