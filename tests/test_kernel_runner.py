"""The agent in a fresh kernel, with a scripted model: ``molsys-ai run`` writes a notebook
that re-runs without the assistant, asks before running, and reports bad input in one
line; ``molsys-ai bench agent`` scores each task run in its own kernel; a kernel that
hangs or dies is a clear error and is shut down."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from molsys_ai_jupyter.agent.kernel_runner import Kernel, KernelError
from support.fake_llm import FakeLLM

TASK = "How many residues are in 1vii.pdb?"
COUNT_RESIDUES = json.dumps({"recipe": "count_residues", "file": "1vii.pdb"})


@pytest.fixture
def clean_env(tmp_path):
    """This environment without MOLSYS_AI_* settings and with no config file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOLSYS_AI_")}
    env["MOLSYS_AI_CONFIG"] = str(tmp_path / "none.toml")
    return env


@pytest.fixture
def workdir(tmp_path, real_settings):
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copyfile(real_settings.structures / "1vii.pdb", folder / "1vii.pdb")
    return folder


def molsys_ai(*args, env, stdin=""):
    return subprocess.run([sys.executable, "-m", "molsys_ai_jupyter.cli.main", *map(str, args)],
                          capture_output=True, text=True, env=env, input=stdin, timeout=300)


def test_run_yes_writes_a_notebook_that_reruns_without_the_assistant(workdir, clean_env):
    with FakeLLM([COUNT_RESIDUES]) as fake:
        proc = molsys_ai("run", TASK, "--workdir", workdir, "--yes", "--llm-url", fake.url, "--design", "recipes",
                         env=clean_env)
        plans = [r for r in fake.requests if "response_format" in r]
    assert proc.returncode == 0, proc.stderr
    assert len(plans) == 1
    out = workdir / "run.ipynb"
    assert "answer: 36" in proc.stdout and f"wrote {out}" in proc.stdout
    assert "new variables: " in proc.stdout and "traj" in proc.stdout
    assert "md.load('1vii.pdb')" in proc.stdout  # the code that ran is shown
    written = nbformat.read(str(out), as_version=4)
    results = [o["data"]["text/plain"] for c in written.cells if c.cell_type == "code" for o in c.outputs
               if o.get("output_type") == "execute_result"]
    assert results == ["36"]  # the run's own answer, kept
    assert sorted(p.name for p in workdir.iterdir()) == ["1vii.pdb", "run.ipynb"]  # not run a second time

    # the model is gone and no setting points at it: the notebook re-runs on its own
    rerun = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                            str(out), "--output", "rerun.ipynb"], capture_output=True, text=True,
                           env=clean_env, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    again = nbformat.read(str(workdir / "rerun.ipynb"), as_version=4)
    outputs = [o["data"]["text/plain"] for c in again.cells if c.cell_type == "code" for o in c.outputs
               if o.get("output_type") == "execute_result"]
    assert outputs == ["36"]
    assert "molsys" not in "".join(c.source for c in again.cells if c.cell_type == "code")


PLANNED = "```python\nimport mdtraj as md\nanswer = md.load('1vii.pdb').n_atoms\n```"
SECOND = "```python\nimport mdtraj as md\nt2 = md.load('1vii.pdb')\nt2.atom_slice([0]).save('moved.pdb')\nanswer = 1\n```"


def test_run_plans_once_and_runs_the_code_the_user_approved(workdir, clean_env):
    """The model would answer differently if asked again: what runs is what was shown and approved."""
    before = (workdir / "1vii.pdb").read_bytes()
    with FakeLLM([PLANNED, SECOND]) as fake:
        proc = molsys_ai("run", "How many atoms are in 1vii.pdb?", "--workdir", workdir, "--design", "freeform",
                         "--llm-url", fake.url, env=clean_env, stdin="y\n")
        asked = len(fake.requests)
    assert proc.returncode == 0, proc.stderr
    shown, _, after = proc.stdout.partition("Run this code? [y/N]")
    assert "answer = md.load('1vii.pdb').n_atoms" in shown and "answer: 596" in after
    assert asked == 1 and not (workdir / "moved.pdb").exists() and (workdir / "1vii.pdb").read_bytes() == before
    written = nbformat.read(str(workdir / "run.ipynb"), as_version=4)
    assert "answer = md.load('1vii.pdb').n_atoms" in written.cells[-1].source


def test_check_export_reruns_the_notebook_in_a_scratch_copy(workdir, clean_env):
    save = json.dumps({"recipe": "strip", "file": "1vii.pdb", "remove": "element H", "save_as": "heavy.pdb"})
    with FakeLLM([save]) as fake:
        proc = molsys_ai("run", "Remove the hydrogens of 1vii.pdb and save it as heavy.pdb", "--workdir", workdir,
                         "--yes", "--check-export", "--llm-url", fake.url, "--design", "recipes", env=clean_env)
    assert proc.returncode == 0, proc.stderr
    checked = next(line for line in proc.stdout.splitlines() if line.startswith("checked: "))
    copy = checked.rsplit("(", 1)[1].rstrip(")")
    assert not copy.startswith(str(workdir)) and os.path.isfile(copy)
    assert sorted(p.name for p in workdir.iterdir()) == ["1vii.pdb", "heavy.pdb", "run.ipynb"]
    answer = next(line for line in proc.stdout.splitlines() if line.startswith("answer: ")).split(": ")[1]
    rerun = nbformat.read(copy, as_version=4)
    assert [o["data"]["text/plain"] for o in rerun.cells[-1].outputs if "data" in o] == [answer]


def test_run_asks_first_and_no_runs_nothing(workdir, clean_env):
    with FakeLLM([COUNT_RESIDUES]) as fake:
        proc = molsys_ai("run", TASK, "--workdir", workdir, "--llm-url", fake.url, env=clean_env, stdin="n\n")
    assert proc.returncode == 1, proc.stderr
    shown, _, after = proc.stdout.partition("Run this code? [y/N]")
    assert "md.load('1vii.pdb')" in shown  # the planned code, before the question
    assert "plan: In 1vii.pdb: count all the residues." in shown  # and the plan in words (the default design)
    assert "not approved" in after and "answer: 36" not in proc.stdout
    assert sorted(p.name for p in workdir.iterdir()) == ["1vii.pdb"]  # no notebook, nothing written


@pytest.mark.parametrize(
    "args, fragment",
    [(["run", TASK, "--workdir", "/no/such/folder", "--yes"], "working folder not found: /no/such/folder"),
     (["run", "   ", "--yes"], "empty task"),
     (["run", TASK, "--out", "run.txt"], "--out must name a notebook")],
)
def test_run_usage_errors_are_one_line(args, fragment, clean_env):
    proc = molsys_ai(*args, env=clean_env)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], proc.stderr
    assert " — " in lines[0] or fragment.startswith("--out")


def test_bench_agent_runs_each_task_in_a_fresh_kernel(real_settings, tmp_path, clean_env):
    rows = [json.loads(line) for line in (real_settings.bench / "dev_agent_tasks.jsonl").read_text().splitlines()]
    by_id = {row["id"]: row for row in rows}
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("\n".join(json.dumps(by_id[i]) for i in ("dev-t01", "dev-t02", "dev-t03")) + "\n")
    replies = [COUNT_RESIDUES,  # dev-t01: right
               json.dumps({"recipe": "count_residues", "file": "1l2y.pdb"})]  # dev-t02 asks for frames: wrong
    out = tmp_path / "bench.json"
    with FakeLLM(replies) as fake:
        proc = molsys_ai("bench", "agent", "--tasks", tasks, "--json", out, "--limit", "2", "--llm-url", fake.url,
                         "--structures", real_settings.structures, "--design", "recipes", env=clean_env)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    assert {"n", "success_rate", "mean_attempts", "median_seconds", "results", "backend", "model",
            "design", "first_try_rate"} <= set(result)
    assert result["n"] == 2 and result["success_rate"] == 0.5 and result["first_try_rate"] == 0.5
    # the wrong count is an answer outside the tolerance: reported apart from failures
    assert (result["wrong_rate"], result["abstain_rate"], result["failure_rate"], result["crash_rate"]) == \
        (0.5, 0.0, 0.0, 0.0)
    assert result["mean_attempts"] == 1.0 and result["median_seconds"] > 0
    assert (result["backend"], result["model"], result["design"]) == ("openai", "fake-model", "recipes")
    first, second = result["results"]
    for row in (first, second):
        assert {"id", "ok", "final_answer", "expected", "attempts", "seconds", "error", "recipe", "params"} <= set(row)
    assert (first["id"], first["ok"], first["final_answer"], first["expected"], first["error"]) == \
        ("dev-t01", True, 36, by_id["dev-t01"]["answer"], None)
    assert first["recipe"] == "count_residues" and first["params"] == {"file": "1vii.pdb"}
    assert (second["id"], second["ok"], second["final_answer"], second["expected"]) == \
        ("dev-t02", False, 20, by_id["dev-t02"]["answer"])
    assert "not 38 within" in second["error"]
    progress = proc.stderr.strip().splitlines()
    assert "1/2 dev-t01: ok" in progress[0] and "2/2 dev-t02: WRONG" in progress[-1]
    assert second["outcome"] == "wrong" and first["outcome"] == "right"


def test_bench_agent_missing_structure_is_one_line(tmp_path, clean_env):
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(json.dumps({"id": "x", "task": "count", "files": ["nope.pdb"], "answer": 1,
                                 "tolerance": {"abs": 0}}) + "\n")
    with FakeLLM([COUNT_RESIDUES]) as fake:
        proc = molsys_ai("bench", "agent", "--tasks", tasks, "--llm-url", fake.url, "--structures", tmp_path,
                         env=clean_env)
    assert proc.returncode == 2 and proc.stderr.startswith("error: structure files not found") and \
        "nope.pdb" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_a_hanging_cell_is_stopped_and_the_kernel_shut_down(tmp_path):
    kernel = Kernel(tmp_path)
    with pytest.raises(KernelError, match="ran past its time limit of 2 s"):
        with kernel:
            assert kernel.evaluate("6 * 7") == 42
            kernel.execute("import time\ntime.sleep(60)", timeout_s=2)
    assert not kernel.manager.has_kernel


def test_a_kernel_that_dies_is_a_clear_error(tmp_path):
    kernel = Kernel(tmp_path)
    with pytest.raises(KernelError, match=r"the kernel died while running the cell \(exit status 3\): boom"):
        with kernel:
            kernel.execute("import os, sys\nsys.__stderr__.write('boom\\n')\nsys.__stderr__.flush()\nos._exit(3)",
                           timeout_s=30)
    assert not kernel.manager.has_kernel


def test_the_kernel_answers_input_through_ask(tmp_path):
    with Kernel(tmp_path) as kernel:
        cell = kernel.execute("print('question follows')\nreply = input('go? ')\nprint(reply.upper())", 30,
                              ask=lambda prompt: f"yes to {prompt.strip()}")
        declined = kernel.execute("print(repr(input('again? ')))", 30)  # no one to ask: declined
        assert kernel.evaluate("__import__('os').getcwd()") == str(tmp_path)
    assert cell.ok and cell.stdout == "question follows\nYES TO GO?\n"
    assert declined.stdout == "''\n"
