"""The time limit of agent code is enforced from outside the kernel: an interrupt at the
limit, and a restart of the kernel (with one message in the cell) when the code ignores
it. The watchdog process ends with the code, and never outlives the process it watches.

Each "stopped within" bound below is the acceptance criterion: limit + grace + slack."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from molsys_ai_jupyter.agent.watchdog import restart_message

SLACK_S = 4.0  # process start-up, the message's second, the restarter's poll
WATCHDOG = [sys.executable, "-m", "molsys_ai_jupyter.agent.watchdog"]


def _gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (a zombie waiting to be reaped counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def _wait_gone(pid: int, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if _gone(pid):
            return True
        time.sleep(0.05)
    return _gone(pid)


# --- the watchdog alone, on plain processes ---------------------------------------------

def test_the_watchdog_stops_at_once_when_the_code_is_done():
    # it watches this test's process, its parent; the limit is far, so no signal is due
    watchdog = subprocess.Popen(WATCHDOG + [str(os.getpid()), repr(time.monotonic() + 60), "2.0", "60"],
                                stdin=subprocess.PIPE)
    try:
        time.sleep(0.5)  # started and waiting
        assert watchdog.poll() is None
        watchdog.stdin.write(b"done")
        watchdog.stdin.flush()
        assert watchdog.wait(timeout=5) == 0  # not interrupted
    finally:
        watchdog.kill()
        watchdog.wait()


PARENT = """
import os, subprocess, sys, time
watchdog = subprocess.Popen({watchdog!r} + [str(os.getpid()), repr(time.monotonic() + 60), "2.0", "60"],
                            stdin=subprocess.PIPE, start_new_session=True)
holder = os.fork() if {fork} else 0  # a forked child inherits the pipe to the watchdog
if holder == 0 and {fork}:
    time.sleep(60)
    os._exit(0)
print(watchdog.pid, holder, flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("fork", [False, True], ids=["alone", "a-forked-child-holds-the-pipe"])
def test_the_watchdog_never_outlives_the_process_it_watches(fork):
    parent = subprocess.Popen([sys.executable, "-c", PARENT.format(watchdog=WATCHDOG, fork=fork)],
                              stdout=subprocess.PIPE, text=True)
    watchdog, holder = (int(p) for p in parent.stdout.readline().split())
    try:
        assert not _gone(watchdog)
        parent.kill()
        parent.wait()
        assert _wait_gone(watchdog, 5)
    finally:
        if holder:
            os.kill(holder, signal.SIGKILL)


STUBBORN = """
import os, signal, subprocess, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)  # deaf to interrupts
watchdog = subprocess.Popen({watchdog!r} + [str(os.getpid()), repr(time.monotonic() + {limit}), "{grace}", "{limit}",
                            "--restart"], stdin=subprocess.PIPE, start_new_session=True)
while True:
    time.sleep(0.05)
"""


def test_a_process_deaf_to_interrupts_is_killed_after_limit_and_grace_with_one_message():
    limit, grace = 1.0, 1.0
    started = time.monotonic()
    code = STUBBORN.format(watchdog=WATCHDOG, limit=limit, grace=grace)
    stubborn = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    took = time.monotonic() - started
    print(f"process deaf to interrupts killed after {took:.2f} s (limit {limit:g} s, grace {grace:g} s)")
    assert stubborn.returncode == -signal.SIGKILL
    assert stubborn.stdout.count(restart_message(limit)) == 1  # the watchdog writes where its stdout goes
    assert limit + grace <= took <= limit + grace + SLACK_S, took


# --- the executor in real kernels --------------------------------------------------------

def _report(outputs: list[str]) -> dict:
    return json.loads([line for line in "".join(outputs).splitlines() if line.startswith("{")][-1])


def _collect(sink: list):
    def hook(msg):
        if msg["msg_type"] == "stream":
            sink.append(msg["content"]["text"])
    return hook


# an infinite loop, and one that swallows every Exception (which the time limit is not)
LOOPS = ["while True:\n    pass",
         "import time\nwhile True:\n    try:\n        time.sleep(0.05)\n    except Exception:\n        pass"]


def test_an_infinite_loop_is_interrupted_and_the_kernel_keeps_its_variables(tmp_path):
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        client.execute_interactive("import json, os, time\nfrom molsys_ai_jupyter.agent.executor import execute\n"
                                   "kept, pid = 41, os.getpid()", timeout=60)
        for loop in LOOPS:
            code = textwrap.dedent(f"""
                started = time.monotonic()
                run = execute(get_ipython(), {loop!r}, timeout_s=2, grace_s=2, show=False)
                took = time.monotonic() - started
                print(json.dumps({{"timed_out": run.timed_out, "error": run.error, "took": took}}))
            """)
            reply = client.execute_interactive(code, timeout=60, output_hook=_collect(outputs := []))
            assert reply["content"]["status"] == "ok", reply["content"]
            report = _report(outputs)
            print(f"{loop!r} stopped after {report['took']:.2f} s (limit 2 s)")
            assert report["timed_out"] and report["error"] == "ExecutionTimeout: stopped after 2 s (time limit)"
            assert 2 <= report["took"] <= 2 + SLACK_S
        after = client.execute_interactive("print(kept, pid == os.getpid())", timeout=30,
                                           output_hook=_collect(again := []))
        assert after["content"]["status"] == "ok" and "".join(again).split() == ["41", "True"]  # same kernel
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


CATCHES_EVERYTHING = "import time\nwhile True:\n    try:\n        time.sleep(0.05)\n    except BaseException:\n" \
                     "        pass"


async def _restart_scenario(cwd: str, limit: float, grace: float) -> dict:
    from jupyter_client.ioloop import AsyncIOLoopKernelManager
    from traitlets.config import Config

    # the restarter of a notebook server, polling more often; on the same ports (as for a
    # kernel that has been up a while), so the client stays connected through the restart
    restarter = {"time_to_dead": 0.5, "random_ports_until_alive": False}
    manager = AsyncIOLoopKernelManager(kernel_name="python3", config=Config({"KernelRestarter": restarter}))
    await manager.start_kernel(cwd=cwd)
    restarted: list[float] = []
    manager.add_restart_callback(lambda: restarted.append(time.monotonic()), "restart")
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        code = textwrap.dedent(f"""
            from molsys_ai_jupyter.agent.executor import execute
            execute(get_ipython(), {CATCHES_EVERYTHING!r}, timeout_s={limit}, grace_s={grace}, show=False)
        """)
        sent = time.monotonic()
        msg_id = client.execute(code)
        seen: list[str] = []
        while time.monotonic() - sent < 60:  # until the restart, and what came before it is read
            try:
                msg = await client.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                if restarted:
                    break
                continue
            if msg["msg_type"] == "stream" and msg["parent_header"].get("msg_id") == msg_id:
                seen.append(msg["content"]["text"])
        stopped = restarted[0] - sent if restarted else None
        while restarted and not await manager.is_alive():  # the restarter starts the new kernel
            await asyncio.sleep(0.1)
        await client.wait_for_ready(timeout=60)
        answers: list = []
        after = await client.execute_interactive("1 + 1", timeout=60, output_hook=answers.append)
        results = [m["content"]["data"]["text/plain"] for m in answers if m["msg_type"] == "execute_result"]
        return {"stopped": stopped, "seen": "".join(seen), "status": after["content"]["status"], "results": results}
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=True)


def test_code_that_catches_the_interrupt_is_stopped_by_restarting_the_kernel(tmp_path):
    limit, grace = 2.0, 2.0
    outcome = asyncio.run(_restart_scenario(str(tmp_path), limit, grace))
    assert outcome["stopped"] is not None, "the kernel was not restarted"
    print(f"code catching every interrupt: kernel restarted {outcome['stopped']:.2f} s after the request "
          f"(limit {limit:g} s, grace {grace:g} s)")
    assert limit + grace <= outcome["stopped"] <= limit + grace + SLACK_S
    assert outcome["seen"].count(restart_message(limit)) == 1  # the one line in the cell
    assert outcome["status"] == "ok" and outcome["results"] == ["2"]  # a fresh kernel answers
