"""Run code in the user's own IPython namespace and observe what happened: output,
displays, the error with a trimmed traceback, new and changed variables — with a
time limit that interrupts runaway code and leaves the kernel usable."""

from __future__ import annotations

import signal
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

MAX_TEXT = 4000
TRACEBACK_LINES = 12


class ExecutionTimeout(Exception):
    """Raised inside the user's code when it runs past the time limit."""


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


@contextmanager
def time_limit(seconds: float | None):
    """Raise :class:`ExecutionTimeout` in the running code after ``seconds`` (main thread only:
    elsewhere the code runs without a limit)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise ExecutionTimeout(f"stopped after {seconds:g} s (time limit)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def execute(shell, code: str, timeout_s: float | None = 60.0, show: bool = True) -> Execution:
    """Run ``code`` in ``shell`` (an IPython ``InteractiveShell``) and report what happened."""
    from IPython.utils.capture import capture_output

    before = _snapshot(shell.user_ns)
    started = time.perf_counter()
    with capture_output(display=True) as captured:
        with time_limit(timeout_s):
            outcome = shell.run_cell(code, store_history=False, silent=False)
    duration = (time.perf_counter() - started) * 1000.0
    if show:
        captured.show()
    error = outcome.error_before_exec or outcome.error_in_exec
    after = _snapshot(shell.user_ns)
    run = Execution(
        ok=error is None,
        stdout=_trim(captured.stdout),
        stderr=_trim(captured.stderr),
        result=_trim(repr(outcome.result)) if outcome.result is not None else None,
        displays=[dict(o.data) for o in captured.outputs],
        new_variables=sorted(set(after) - set(before)),
        changed_variables=sorted(k for k in after if k in before and after[k] != before[k]),
        duration_ms=round(duration, 1),
    )
    if error is not None:
        run.timed_out = isinstance(error, ExecutionTimeout)
        run.error = f"{type(error).__name__}: {error}"
        lines = "".join(traceback.format_exception(error)).rstrip().splitlines()
        run.traceback = "\n".join(lines[-TRACEBACK_LINES:])
    return run
