"""Running code in a real IPython shell: outputs, errors, time limit, variable changes.
(The time limit in real kernels, with the restart: tests/test_time_limit.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from molsys_ai_jupyter.agent.executor import execute, in_kernel


@pytest.fixture
def shell():
    ip = InteractiveShell.instance()
    ip.user_ns["existing"] = 1
    yield ip
    InteractiveShell.clear_instance()


def test_output_result_and_new_variables(shell):
    run = execute(shell, "print('hello')\nanswer = 6 * 7\nanswer", show=False)
    assert run.ok and run.stdout.splitlines()[0] == "hello" and run.result == "42"
    assert run.new_variables == ["answer"] and shell.user_ns["answer"] == 42


def test_error_is_reported_with_a_trimmed_traceback(shell):
    run = execute(shell, "def f():\n    return undefined_name\nf()", show=False)
    assert not run.ok and run.error == "NameError: name 'undefined_name' is not defined"
    assert "undefined_name" in run.traceback and len(run.traceback.splitlines()) <= 12


def test_runaway_code_is_stopped_and_the_shell_survives(shell):
    run = execute(shell, "while True:\n    pass", timeout_s=1, show=False)
    assert run.timed_out and not run.ok and run.duration_ms < 5000
    assert execute(shell, "x = 2", show=False).ok  # the next run works


def test_code_that_catches_the_first_interrupt_is_stopped_by_the_next(shell):
    code = "try:\n    while True:\n        pass\nexcept BaseException:\n    pass\nwhile True:\n    pass"
    assert not in_kernel(shell)  # so no restart: this process is not a Jupyter kernel
    run = execute(shell, code, timeout_s=1, grace_s=1, show=False)
    assert run.timed_out and run.error == "ExecutionTimeout: stopped after 1 s (time limit)"
    assert run.duration_ms < 1000 * (1 + 1 + 3)


def test_code_that_catches_the_interrupt_and_ends_still_ran_out_of_time(shell):
    code = "try:\n    while True:\n        pass\nexcept KeyboardInterrupt:\n    caught = True"
    run = execute(shell, code, timeout_s=1, show=False)
    assert shell.user_ns.get("caught") is True  # the interrupt is the one Jupyter sends
    assert run.timed_out and not run.ok


def test_files_in_the_working_folder_do_not_disarm_the_time_limit(shell, tmp_path, monkeypatch):
    for module in ("select", "signal", "molsys_ai_jupyter"):  # what the watchdog imports
        (tmp_path / f"{module}.py").write_text("raise SystemExit(9)\n")
    monkeypatch.chdir(tmp_path)
    run = execute(shell, "while True:\n    pass", timeout_s=1, show=False)
    assert run.timed_out


def test_an_interrupt_from_elsewhere_is_not_the_time_limit(shell):
    run = execute(shell, "import os, signal\nos.kill(os.getpid(), signal.SIGINT)", timeout_s=30, show=False)
    assert not run.ok and not run.timed_out and run.error.startswith("KeyboardInterrupt")


def _children() -> set[int]:
    """The processes this one started that are still there (reaped ones are not)."""
    return {int(pid) for task in Path("/proc/self/task").iterdir() for pid in (task / "children").read_text().split()}


def test_a_watchdog_watches_while_the_code_runs_and_is_gone_after(shell):
    before = _children()
    shell.user_ns["_children"] = _children
    run = execute(shell, "during = _children()", timeout_s=30, show=False)
    assert run.ok and len(shell.user_ns["during"] - before) == 1  # the watchdog
    assert _children() == before  # ended and reaped


def test_changed_variables_are_listed(shell):
    run = execute(shell, "existing = 2", show=False)
    assert run.changed_variables == ["existing"] and run.new_variables == []


def test_syntax_error_runs_nothing(shell):
    run = execute(shell, "def f(:\n    pass", show=False)
    assert not run.ok and run.error.startswith("SyntaxError")
