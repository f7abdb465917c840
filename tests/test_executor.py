"""Running code in a real IPython shell: outputs, errors, time limit, variable changes."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell

from molsys_ai_jupyter.agent.executor import execute


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


def test_changed_variables_are_listed(shell):
    run = execute(shell, "existing = 2", show=False)
    assert run.changed_variables == ["existing"] and run.new_variables == []


def test_syntax_error_runs_nothing(shell):
    run = execute(shell, "def f(:\n    pass", show=False)
    assert not run.ok and run.error.startswith("SyntaxError")
