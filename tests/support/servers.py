"""Helpers for tests that start a server: a free loopback port, wait until it answers, stop it
at the end.

(A module of its own: test files import it by name, which they cannot do reliably with a
``conftest`` — there are two.)"""

from __future__ import annotations

import socket
import time
from contextlib import contextmanager

import pytest


def free_port() -> int:
    """A loopback TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(proc, probe, what: str, timeout_s: float) -> None:
    """Poll ``probe()`` until it stops raising; fail the test when ``proc`` exits or the
    time is up."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            probe()
            return
        except Exception:  # noqa: BLE001 - not up yet
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"{what} did not start")
            time.sleep(0.3)


@contextmanager
def stopped_at_the_end(proc):
    """Terminate ``proc`` when the block ends (killed if it does not stop in 20 s)."""
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except Exception:  # noqa: BLE001
            proc.kill()
