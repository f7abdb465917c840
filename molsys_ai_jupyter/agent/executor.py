"""Run code in the user's own IPython namespace and observe what happened: output,
displays, the error with a trimmed traceback, new and changed variables.

The time limit is enforced from outside the process, so nothing the code does can defeat
it: a watchdog subprocess (:mod:`.watchdog`) sends SIGINT when the limit passes — the
KeyboardInterrupt becomes the timeout result — and again halfway through the grace
period; in a Jupyter kernel, code still running at limit + grace gets one line in the
cell output (a thread here relays it from the watchdog) and the kernel process is killed,
which its manager answers by restarting it. The limit applies only to code run in the
main thread, where SIGINT lands; code run from another thread has no limit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .watchdog import INTERRUPTED

MAX_TEXT = 4000
TRACEBACK_LINES = 12
GRACE_S = 5.0  # after the limit: a second interrupt halfway, the kernel's restart at its end
WATCHDOG = "molsys_ai_jupyter.agent.watchdog"


class ExecutionTimeout(Exception):
    """The code ran past the time limit (it names the error in :class:`Execution`)."""


@dataclass
class Execution:
    ok: bool
    stdout: str = ""
    stderr: str = ""
    result: str | None = None  # repr of the value of the last expression
    error: str | None = None  # "NameError: name 'x' is not defined"
    traceback: str = ""  # the last lines, for a repair prompt
    timed_out: bool = False
    displays: list[dict] = field(default_factory=list)  # rich outputs (mime bundles)
    new_variables: list[str] = field(default_factory=list)
    changed_variables: list[str] = field(default_factory=list)
    duration_ms: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def _trim(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit // 2] + "\n…[trimmed]…\n" + text[-limit // 2 :]


def _snapshot(namespace: dict) -> dict[str, int]:
    return {k: id(v) for k, v in namespace.items() if not k.startswith("_")}


class TimeLimit:
    """A context manager that keeps one watchdog (:mod:`.watchdog`) on this process while
    the code inside runs: ``expired`` is True afterwards if the limit passed, and the
    KeyboardInterrupt it caused does not leave the block. ``restart`` allows the kill at
    limit + grace: only for a Jupyter kernel, whose manager starts a new one; the message
    before it goes to ``notify`` (default: ``sys.stderr`` when the limit is made, the cell's
    stderr in a kernel, even while the code's output is captured)."""

    def __init__(self, seconds: float | None, grace_s: float = GRACE_S, restart: bool = False, notify=None):
        self.seconds, self.grace_s, self.restart = seconds, grace_s, restart
        self.notify = notify if notify is not None else sys.stderr
        self.expired = False
        self._watchdog: subprocess.Popen | None = None
        self._relay: threading.Thread | None = None
        self._sigint = None

    def __enter__(self) -> "TimeLimit":
        if not self.seconds or threading.current_thread() is not threading.main_thread():
            return self
        self._sigint = signal.getsignal(signal.SIGINT)
        deadline = time.monotonic() + self.seconds  # one clock for every process of the machine
        argv = [sys.executable, "-m", WATCHDOG, str(os.getpid()), repr(deadline), repr(float(self.grace_s)),
                repr(float(self.seconds))] + (["--restart"] if self.restart else [])
        # run from the folder that holds this package: `-m` finds it there, and no file in the
        # user's folder (a signal.py, say) can stand in for a module the watchdog imports
        root = Path(__file__).resolve().parents[2]
        self._watchdog = subprocess.Popen(argv, stdin=subprocess.PIPE, cwd=root,
                                          stdout=subprocess.PIPE if self.restart else subprocess.DEVNULL,
                                          start_new_session=True)  # the kernel's process group gets no signal of ours
        if self.restart:
            self._relay = threading.Thread(target=_relay, args=(self._watchdog.stdout, self.notify),
                                           name="molsys-time-limit", daemon=True)
            self._relay.start()
        return self

    def __exit__(self, kind, error, tb) -> bool:
        if self._watchdog is None:
            return False
        while True:  # a late interrupt may land anywhere in here: stopping starts again
            try:
                self.expired = self._stop()
                break
            except KeyboardInterrupt:
                continue
        return self.expired and kind is not None and issubclass(kind, KeyboardInterrupt)

    def _stop(self) -> bool:
        """Tell the watchdog the code is done, reap it, and say whether it interrupted."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # its last interrupt, if one is on its way
        if not self._watchdog.stdin.closed:
            try:
                self._watchdog.stdin.write(b"done")
                self._watchdog.stdin.close()
            except BrokenPipeError:  # it already ended
                pass
        status = self._watchdog.wait()
        if self._relay is not None:
            self._relay.join()  # the pipe's end of file came with the watchdog's exit
            self._watchdog.stdout.close()
        # the handler from before the code (which may have replaced it)
        signal.signal(signal.SIGINT, self._sigint if self._sigint is not None else signal.default_int_handler)
        return status == INTERRUPTED


def _relay(pipe, stream) -> None:
    """Copy what the watchdog says (its message before a restart) to ``stream``."""
    for line in pipe:
        stream.write("\n" + line.decode(errors="replace"))
        stream.flush()


def in_kernel(shell) -> bool:
    """Whether ``shell`` is a Jupyter kernel's (ipykernel), which a manager restarts."""
    return getattr(shell, "kernel", None) is not None


def execute(shell, code: str, timeout_s: float | None = 60.0, show: bool = True, *,
            grace_s: float = GRACE_S, restart: bool | None = None) -> Execution:
    """Run ``code`` in ``shell`` (an IPython ``InteractiveShell``) and report what happened.
    ``restart`` (default: whether ``shell`` is a Jupyter kernel's) lets the time limit kill
    the process when the code ignores the interrupt (see the module docstring)."""
    from IPython.utils.capture import capture_output

    before = _snapshot(shell.user_ns)
    started = time.perf_counter()
    outcome = None
    limit = TimeLimit(timeout_s, grace_s, restart=in_kernel(shell) if restart is None else restart)
    with capture_output(display=True) as captured:
        with limit:
            outcome = shell.run_cell(code, store_history=False, silent=False)
    duration = (time.perf_counter() - started) * 1000.0
    if show:
        captured.show()
    error = (outcome.error_before_exec or outcome.error_in_exec) if outcome is not None else None
    after = _snapshot(shell.user_ns)
    run = Execution(
        ok=error is None,
        stdout=_trim(captured.stdout),
        stderr=_trim(captured.stderr),
        result=_trim(repr(outcome.result)) if outcome is not None and outcome.result is not None else None,
        displays=[dict(o.data) for o in captured.outputs],
        new_variables=sorted(set(after) - set(before)),
        changed_variables=sorted(k for k in after if k in before and after[k] != before[k]),
        duration_ms=round(duration, 1),
    )
    if limit.expired:  # even if the code caught the interrupt and went on to the end
        run.ok, run.timed_out = False, True
        run.error = f"{ExecutionTimeout.__name__}: stopped after {timeout_s:g} s (time limit)"
    elif error is not None:
        run.error = f"{type(error).__name__}: {error}"
    if error is not None:
        lines = "".join(traceback.format_exception(error)).rstrip().splitlines()
        run.traceback = "\n".join(lines[-TRACEBACK_LINES:])
    return run
