"""The time limit of agent code, enforced from outside the kernel process.

Rule: once the limit passes, the watched process gets SIGINT (what Jupyter's interrupt
sends); if the code is still running halfway through the grace period it gets a second
SIGINT; at limit + grace, with ``--restart``, one message goes to stdout (the executor
relays it to the cell) and a second later the process is killed (SIGKILL), which a
Jupyter kernel's manager answers by restarting the kernel. Without ``--restart``, SIGINT
is repeated every half grace period. The watchdog stops at once, doing nothing more, as
soon as anything arrives on its stdin: a byte that the watched process writes when the
code is done, or end of file (the pipe closes by itself when that process dies). The
watched process must be the watchdog's parent: once it is not (it died, and a forked child
of it may still hold the pipe), the watchdog stops too. Its exit status says whether it
interrupted: 0 no, 3 yes.

Run by :mod:`molsys_ai_jupyter.agent.executor` as
``python -m molsys_ai_jupyter.agent.watchdog PID DEADLINE GRACE LIMIT [--restart]``:
DEADLINE is the ``time.monotonic()`` at which the limit passes (one clock for every
process of the machine), GRACE and LIMIT are in seconds (LIMIT only for the message).
It imports only small standard modules, so it starts in a few tens of milliseconds.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time

FLUSH_S = 1.0  # between the restart message and the kill: the kernel shows it in the cell
TICK_S = 0.5  # how often the parent is checked for being alive, beyond end of file on stdin
INTERRUPTED = 3  # exit status once SIGINT was sent


def restart_message(limit_s: float) -> str:
    return (f"the code ignored the interrupt after the {limit_s:g} s time limit: "
            "restarting the kernel (your variables are lost)")


def ended(fd: int, until: float, parent: int) -> bool:
    """Wait until the monotonic time ``until``; True as soon as ``fd`` is readable (data or
    end of file) or the parent process is gone (this process was handed to another parent)."""
    while True:
        left = until - time.monotonic()
        if left <= 0:
            return False
        readable, _, _ = select.select([fd], [], [], min(left, TICK_S))
        if readable or os.getppid() != parent:
            return True


def watch(pid: int, deadline: float, grace_s: float, restart: bool, limit_s: float,
          stdin: int = 0, report=sys.stdout) -> int:
    """Enforce the limit on ``pid``, this process's parent (the rule is in the module docstring); returns the
    exit status: 0 when the code ended before the limit, else :data:`INTERRUPTED`."""
    parent = pid
    if ended(stdin, deadline, parent):
        return 0
    os.kill(pid, signal.SIGINT)
    step = max(grace_s / 2.0, 0.05)
    beat = 1
    while not ended(stdin, deadline + beat * step, parent):
        if restart and beat == 2:  # limit + grace
            try:
                print(restart_message(limit_s), file=report, flush=True)
                time.sleep(FLUSH_S)
            except BrokenPipeError:  # no one relays the message: the kill does not wait for it
                pass
            os.kill(pid, signal.SIGKILL)
            break
        os.kill(pid, signal.SIGINT)
        beat += 1
    return INTERRUPTED


def main(argv: list[str]) -> int:
    # an interrupt meant for the kernel (a terminal's Ctrl-C, Jupyter's signal to the
    # process group) must not stop the watchdog
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    restart = "--restart" in argv
    pid, deadline, grace_s, limit_s = (a for a in argv if a != "--restart")
    try:
        return watch(int(pid), float(deadline), float(grace_s), restart, float(limit_s))
    except ProcessLookupError:  # the watched process is gone: nothing left to stop
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
