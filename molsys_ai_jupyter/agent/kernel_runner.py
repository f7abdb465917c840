"""The agent in a fresh local IPython kernel: the kernel starts in the task's working
folder with the language-model settings in its environment, runs ``%load_ext
molsys_ai_jupyter`` and a ``%%molsys`` cell, hands ``_molsys_last`` back as JSON, can
export the run as a notebook, and is always shut down. A kernel that does not start,
dies, or runs a cell past its time limit is a :class:`KernelError`.

``molsys-ai run`` and ``molsys-ai bench agent`` use it. jupyter_client and nbclient
are imported only when a kernel is started."""

from __future__ import annotations

import ast
import json
import os
import queue
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..config import DEFAULT_AGENT_DESIGN, ENV_VARS
from ..errors import MolsysAIError

STARTUP_TIMEOUT_S = 60.0
SETUP_TIMEOUT_S = 60.0  # %load_ext, reading the result back, the export
POLL_S = 0.2

OnOutput = Callable[[str, str], None]  # (stream name, text)
Ask = Callable[[str], str]  # prompt -> the user's reply


class KernelError(MolsysAIError):
    """The kernel did not start, died, or a cell ran past its time limit."""


@dataclass
class CellResult:
    status: str  # "ok", "error" or "aborted", from the kernel's reply
    ename: str = ""
    evalue: str = ""
    stdout: str = ""
    stderr: str = ""
    user_expressions: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def kernel_env(settings) -> dict[str, str]:
    """This process's environment plus every setting that is set, under its MOLSYS_AI_* name."""
    env = dict(os.environ)
    for name, variable in ENV_VARS.items():
        value = getattr(settings, name)
        if value is not None:
            env[variable] = str(value)
    return env


class Kernel:
    """A fresh local kernel whose working folder is ``workdir``; use it with ``with``."""

    def __init__(self, workdir: str | Path, env: dict | None = None, kernel_name: str = "python3",
                 startup_timeout_s: float = STARTUP_TIMEOUT_S):
        self.workdir = Path(workdir)
        self.env = dict(os.environ if env is None else env)
        self.kernel_name = kernel_name
        self.startup_timeout_s = startup_timeout_s
        self.manager = None
        self.client = None
        self._log = None

    def __enter__(self) -> "Kernel":
        from jupyter_client import KernelManager

        self.manager = KernelManager(kernel_name=self.kernel_name)
        # the kernel process's own output (ZMQ warnings, C libraries' logs) is kept out of
        # the terminal; its tail explains a kernel that does not start or dies
        self._log = tempfile.TemporaryFile()
        try:
            self.manager.start_kernel(cwd=str(self.workdir), env=self.env, stdout=self._log, stderr=self._log)
            self.client = self.manager.client()
            self.client.start_channels()
            self.client.wait_for_ready(timeout=self.startup_timeout_s)
        except Exception as exc:  # noqa: BLE001 - any start failure is reported the same way
            self.shutdown()
            raise KernelError(f"the {self.kernel_name} kernel did not start: {exc}{self._last_words()}",
                              "check `jupyter kernelspec list` and that ipykernel is installed") from None
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()

    def shutdown(self) -> None:
        if self.client is not None:
            self.client.stop_channels()
            self.client = None
        if self.manager is not None and self.manager.has_kernel:
            try:
                self.manager.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001 - a kernel that is already gone needs no more
                pass
        if self._log is not None:
            self._log.close()
            self._log = None

    def alive(self) -> bool:
        return self.manager is not None and self.manager.is_alive()

    def execute(self, code: str, timeout_s: float, *, on_output: OnOutput | None = None, ask: Ask | None = None,
                silent: bool = False, user_expressions: dict | None = None) -> CellResult:
        """Run ``code``; its printed output goes to ``on_output`` as it comes, and ``input()``
        in the kernel is answered by ``ask`` (declined when there is none)."""
        client = self.client
        msg_id = client.execute(code, silent=silent, store_history=not silent,
                                user_expressions=user_expressions or {}, allow_stdin=True)
        deadline = time.monotonic() + timeout_s
        streams = {"stdout": [], "stderr": []}
        reply, idle = None, False

        def handle(msg) -> None:
            nonlocal idle
            if msg["parent_header"].get("msg_id") != msg_id:
                return
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                streams.setdefault(content["name"], []).append(content["text"])
                if on_output:
                    on_output(content["name"], content["text"])
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True

        while reply is None or not idle:
            if not self.alive():
                raise KernelError(f"the kernel died while running the cell{self._exit_status()}{self._last_words()}",
                                  "the output above shows the last thing it did")
            if time.monotonic() > deadline:
                self.manager.interrupt_kernel()
                raise KernelError(f"the cell ran past its time limit of {timeout_s:g} s and was stopped",
                                  "allow it more time, or look for code that never ends")
            request = _next(client.get_stdin_msg, 0)
            if request is not None and request["msg_type"] == "input_request":
                while (msg := _next(client.get_iopub_msg, POLL_S)) is not None:  # the code shown before the prompt
                    handle(msg)
                client.input(_answer(ask, request["content"].get("prompt", "")))
            msg = _next(client.get_iopub_msg, POLL_S)
            if msg is not None:
                handle(msg)
            if reply is None:
                shell = _next(client.get_shell_msg, 0)
                if shell is not None and shell["parent_header"].get("msg_id") == msg_id:
                    reply = shell["content"]
        return CellResult(status=reply.get("status", "error"), ename=reply.get("ename", ""),
                          evalue=reply.get("evalue", ""), stdout="".join(streams["stdout"]),
                          stderr="".join(streams["stderr"]), user_expressions=reply.get("user_expressions", {}))

    def evaluate(self, expression: str, timeout_s: float = SETUP_TIMEOUT_S) -> object:
        """The value of a Python literal expression in the kernel (read through user_expressions)."""
        value = self.execute("", timeout_s, silent=True, user_expressions={"value": expression}).user_expressions
        value = value.get("value", {})
        if value.get("status") != "ok":
            raise KernelError(f"cannot read `{expression}` from the kernel: {value.get('ename')}: {value.get('evalue')}")
        return ast.literal_eval(value["data"]["text/plain"])

    def _last_words(self) -> str:
        """The last line the kernel process wrote itself (not through Jupyter), if any."""
        if self._log is None:
            return ""
        self._log.seek(0)
        lines = [line.strip() for line in self._log.read().decode("utf-8", "replace").splitlines() if line.strip()]
        lines = [line for line in lines if "without encryption" not in line]
        return f": {lines[-1][:200]}" if lines else ""

    def _exit_status(self) -> str:
        provisioner = getattr(self.manager, "provisioner", None)
        process = getattr(provisioner, "process", None)
        code = process.poll() if process is not None else None
        return f" (exit status {code})" if code is not None else ""


def _next(get, timeout: float):
    try:
        return get(timeout=timeout)
    except queue.Empty:
        return None


def _answer(ask: Ask | None, prompt: str) -> str:
    if ask is None:
        return ""
    try:
        return ask(prompt)
    except EOFError:  # no terminal to answer from: no
        return ""


# --- the agent in the kernel ---------------------------------------------------------

_READ_LAST = "__import__('json').dumps(_molsys_last.to_dict(), default=repr)"
_COUNT_RUNS = "len(globals().get('_molsys_history', ()))"


def agent_cell(task: str, yes: bool = True, max_repairs: int = 2, design: str = DEFAULT_AGENT_DESIGN,
               k: int = 3) -> str:
    """The ``%%molsys`` cell a user would type, asking with a text prompt (answered through
    the kernel's stdin) instead of an approval panel: the code is planned once, shown, and
    what the user approves is what runs. Without ``yes`` every run asks; with it, only
    code that needs consent does."""
    flags = f"--no-panel --no-view --design {design} --max-repairs {int(max_repairs)} -k {int(k)}"
    return f"%%molsys {'--yes ' if yes else ''}{flags}\n{task}"


def _require(cell: CellResult, what: str) -> None:
    if cell.ename == "UsageError":  # the assistant's own one-line errors (server down, no model, …)
        raise MolsysAIError(cell.evalue)
    if not cell.ok:
        raise KernelError(f"{what} failed in the kernel: {cell.ename}: {cell.evalue}")


def run_agent(task: str, workdir: str | Path, *, env: dict | None = None, yes: bool = False,
              max_repairs: int = 2, design: str = DEFAULT_AGENT_DESIGN, timeout_s: float = 600.0,
              on_output: OnOutput | None = None, ask: Ask | None = None, export_to: str | Path | None = None,
              backend_label: str = "", k: int = 3) -> dict:
    """Run the agent on ``task`` in a fresh kernel working in ``workdir``; return
    ``_molsys_last.to_dict()``. The agent plans once; its code is shown and approved
    through ``ask`` (the kernel's ``input()``: every run without ``yes``, code that
    needs consent always; no ``ask`` declines), and the approved code is what runs.
    ``timeout_s`` limits the agent cell (planning, repairs and runs together); ``k``
    documentation pages are kept as sources (0: none). With ``export_to``, a successful
    run is written there as a notebook that re-runs without the assistant — written,
    not run (see :func:`check_export`)."""
    with Kernel(workdir, env) as kernel:
        _require(kernel.execute("%load_ext molsys_ai_jupyter", SETUP_TIMEOUT_S, on_output=on_output), "%load_ext")
        before = kernel.evaluate(_COUNT_RUNS)
        cell = agent_cell(task, yes, max_repairs, design, k=k)
        _require(kernel.execute(cell, timeout_s, on_output=on_output, ask=ask), "the agent")
        if kernel.evaluate(_COUNT_RUNS) == before:
            raise KernelError("the agent cell ended without recording a run")
        result = json.loads(kernel.evaluate(_READ_LAST))
        if export_to is not None and result["ok"]:
            code = ("from molsys_ai_jupyter.agent.transcript import export as _molsys_export\n"
                    f"_molsys_export([_molsys_last], {str(export_to)!r}, backend={backend_label!r})\n"
                    "del _molsys_export")
            _require(kernel.execute(code, SETUP_TIMEOUT_S, silent=True), "the export")
    return result


def check_export(notebook: str | Path, workdir: str | Path, timeout_s: float = 600.0) -> Path:
    """Re-run an exported notebook top to bottom in a scratch copy of ``workdir`` (the
    user's folder is not touched, so the task's side effects do not happen twice); the
    copy's notebook, with its outputs, is returned. A cell that fails is a :class:`KernelError`."""
    import shutil

    scratch = Path(tempfile.mkdtemp(prefix="molsys-ai-check-"))
    copy = scratch / Path(workdir).name
    shutil.copytree(workdir, copy, symlinks=True)
    target = copy / Path(notebook).name
    shutil.copyfile(notebook, target)
    execute_notebook(target, cwd=copy, timeout_s=timeout_s)
    return target


def execute_notebook(path: str | Path, cwd: str | Path | None = None, timeout_s: float = 600.0,
                     kernel_name: str = "python3") -> None:
    """Run a notebook top to bottom once in a fresh kernel (in ``cwd``, default its own
    folder) and save it with its outputs; a cell that fails is a :class:`KernelError`."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(path)
    notebook = nbformat.read(str(path), as_version=4)
    client = NotebookClient(notebook, timeout=timeout_s, kernel_name=kernel_name,
                            resources={"metadata": {"path": str(cwd or path.parent)}})
    try:
        with tempfile.TemporaryFile() as log:  # the kernel process's own output stays out of the terminal
            client.execute(stdout=log, stderr=log)
    except CellExecutionError as exc:
        detail = f"{exc.ename}: {exc.evalue}"
        raise KernelError(f"{path} did not re-run: {detail}", "run it in the folder holding the files") from None
    except (CellTimeoutError, DeadKernelError) as exc:
        raise KernelError(f"{path} did not re-run: {str(exc).splitlines()[0]}") from None
    finally:
        nbformat.write(notebook, str(path))
