"""The approval panel of notebooks (Run / Edit / Cancel, consent for dangerous code) in a
real InteractiveShell with real widgets clicked through ``Button.click()``, a real kernel
clicked through a comm message as a front end sends it, and the scripted model."""

from __future__ import annotations

import json
import queue
import time

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from nbclient import NotebookClient

from support.fake_llm import FakeLLM

WIDGET = "application/vnd.jupyter.widget-view+json"
RESIDUES = json.dumps({"recipe": "count_residues", "file": "1vii.pdb"})
TASK = "How many residues are in 1vii.pdb?"
FAILS_WHEN_RUN = 'answer = int("not a number")\n'  # passes the policy, fails in the kernel


@pytest.fixture
def folder(tmp_path, real_settings, monkeypatch):
    (tmp_path / "1vii.pdb").symlink_to(real_settings.structures / "1vii.pdb")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def shell(monkeypatch, tmp_path, folder):
    """A shell that takes itself for a notebook kernel (the panel needs no front end to be clicked)."""
    monkeypatch.setenv("MOLSYS_AI_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setattr("molsys_ai_jupyter.display.in_notebook", lambda shell: True)
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "molsys_ai_jupyter")
    yield ip
    InteractiveShell.clear_instance()


@pytest.fixture
def llm(shell):
    def start(replies):
        """The recipes design: the scripted model's replies drive the panels."""
        fake = FakeLLM(replies).__enter__()
        shell.run_line_magic("config", f"MolsysAI.llm_url = {fake.url!r}")
        shell.run_line_magic("config", "MolsysAI.agent_design = 'recipes'")
        started.append(fake)
        return fake

    started = []
    yield start
    for fake in started:
        fake.__exit__(None, None, None)


def _molsys(shell, options: str = "", task: str = TASK):
    """Run a %%molsys cell; returns the notebook run and what the cell displayed."""
    with capture_output() as cell:
        outcome = shell.run_cell(f"%%molsys --no-view {options}\n{task}")
    assert outcome.error_in_exec is None, outcome.error_in_exec
    return shell.magics_manager.registry["MolsysMagics"].notebook_run, cell


def _shown(widget) -> bool:
    return widget.layout.display != "none"


def test_the_panel_waits_and_run_runs_the_code(shell, llm):
    llm([RESIDUES])
    nb_run, cell = _molsys(shell)
    # the cell finished without running anything: the panel waits for a click
    assert any(WIDGET in o.data for o in cell.outputs) and nb_run.box is not None
    assert "answer" not in shell.user_ns and "_molsys_last" not in shell.user_ns
    panel = nb_run.panels[0]
    assert "count all the residues" in panel.title.value and "md.load('1vii.pdb')" in panel.attempt.code
    assert 'class="highlight"' in panel.code_view.value and "load" in panel.code_view.value
    assert panel.findings.value == "" and _shown(panel.run_button) and not _shown(panel.consent_button)
    panel.run_button.click()
    last = shell.user_ns["_molsys_last"]
    assert shell.user_ns["answer"] == 36 and last.ok and last.final_answer == 36
    assert shell.user_ns["_molsys_history"] == [last] and "answer: 36" in nb_run.summary.value
    assert panel.run_button.disabled and panel.done
    panel.run_button.click()  # a second click on a spent panel does nothing
    assert len(shell.user_ns["_molsys_history"]) == 1 and len(last.attempts) == 1
    assert nb_run.status_lines[-2:] == ["running…", nb_run.status_lines[-1]]
    assert nb_run.status_lines[-1].startswith("done in ")


def test_edit_then_run_runs_the_edited_code(shell, llm):
    llm([RESIDUES])
    nb_run, _ = _molsys(shell)
    panel = nb_run.panels[0]
    panel.edit_button.click()
    assert _shown(panel.editor) and not _shown(panel.code_view)
    edited = "import mdtraj as md\ntraj = md.load('1vii.pdb')\nanswer = traj.n_atoms\n"
    panel.editor.value = edited
    panel.run_button.click()
    last = shell.user_ns["_molsys_last"]
    assert last.ok and last.final_answer == shell.user_ns["traj"].n_atoms != 36
    assert last.code == edited and last.attempts[0].edited


def test_cancel_runs_nothing(shell, llm):
    llm([RESIDUES])
    shell.user_ns["mine"] = [1, 2, 3]
    before = {k: v for k, v in shell.user_ns.items() if not k.startswith("_")}
    nb_run, _ = _molsys(shell)
    panel = nb_run.panels[0]
    panel.cancel_button.click()
    after = {k: v for k, v in shell.user_ns.items() if not k.startswith("_")}
    assert after == before and after["mine"] is before["mine"]
    last = shell.user_ns["_molsys_last"]
    assert not last.ok and last.message == "not run: cancelled" and "nothing was run" in panel.note.value
    panel.run_button.click()  # cancelled is final
    assert "answer" not in shell.user_ns


def test_a_dangerous_edit_needs_the_consent_button(shell, llm, folder):
    llm([RESIDUES])
    nb_run, _ = _molsys(shell)
    panel = nb_run.panels[0]
    panel.edit_button.click()
    panel.editor.value = "import os\nos.system('echo hi > flag.txt')\nanswer = 1\n"
    panel.run_button.click()
    assert not (folder / "flag.txt").exists() and "answer" not in shell.user_ns
    assert "runs a shell command" in panel.findings.value and _shown(panel.consent_button)
    assert "shell command" in panel.consent_button.description and not _shown(panel.run_button)
    # a consent covers the code it was shown for: a further dangerous edit is checked again
    panel.editor.value = "import os\nos.system('echo hi > flag.txt')\nos.remove('1vii.pdb')\nanswer = 1\n"
    assert not _shown(panel.consent_button)
    panel.consent_button.click()
    assert (folder / "1vii.pdb").exists() and not (folder / "flag.txt").exists()
    assert "deletes" in panel.findings.value and _shown(panel.consent_button)
    panel.editor.value = "import os\nos.system('echo hi > flag.txt')\nanswer = 1\n"
    panel.run_button.click()  # checked again: still needs consent
    assert not (folder / "flag.txt").exists()
    panel.consent_button.click()
    assert (folder / "flag.txt").exists() and shell.user_ns["_molsys_last"].final_answer == 1


def test_code_that_does_not_parse_is_not_run(shell, llm):
    llm([RESIDUES])
    nb_run, _ = _molsys(shell)
    panel = nb_run.panels[0]
    panel.edit_button.click()
    panel.editor.value = "answer = (\n"
    panel.run_button.click()
    panel.consent_button.click()
    assert "not valid Python" in panel.note.value and not panel.done
    assert "_molsys_last" not in shell.user_ns


def test_a_cell_magic_is_judged_as_the_shell_command_it_runs(shell, llm, folder):
    llm([RESIDUES])
    nb_run, _ = _molsys(shell)
    panel = nb_run.panels[0]
    panel.edit_button.click()
    panel.editor.value = "%%bash\necho hi > flag.txt\n"
    panel.run_button.click()  # checked as IPython will run it: a shell command, which asks first
    assert not (folder / "flag.txt").exists() and not panel.done
    assert "runs a shell command" in panel.findings.value and "%%bash" in panel.findings.value
    assert _shown(panel.consent_button) and "a shell command" in panel.consent_button.description


def test_dangerous_model_code_asks_even_with_yes(shell, llm):
    llm([json.dumps({"recipe": "count_frames", "file": "1vii.pdb"})])
    shell.user_ns["traj"] = "my precious trajectory"
    nb_run, _ = _molsys(shell, "--yes", "How many frames in 1vii.pdb?")
    panel = nb_run.panels[0]
    assert "replaces, changes or deletes one of your variables" in panel.findings.value
    assert _shown(panel.consent_button) and not _shown(panel.run_button)
    panel.run_button.click()  # the plain Run button does not run code that needs consent
    assert shell.user_ns["traj"] == "my precious trajectory" and "answer" not in shell.user_ns
    panel.consent_button.click()
    assert shell.user_ns["answer"] == 1 and shell.user_ns["_molsys_last"].ok


def test_an_error_is_repaired_in_a_new_panel(shell, llm):
    llm([RESIDUES])
    nb_run, _ = _molsys(shell)
    first = nb_run.panels[0]
    first.edit_button.click()
    first.editor.value = FAILS_WHEN_RUN
    first.run_button.click()
    assert len(nb_run.panels) == 2 and first.done and "ValueError" in first.note.value
    assert "repairing (attempt 2 of 3)…" in nb_run.status_lines and "_molsys_last" not in shell.user_ns
    second = nb_run.panels[1]
    assert "attempt 2 of 3" in second.title.value and not second.done
    second.run_button.click()
    last = shell.user_ns["_molsys_last"]
    assert last.ok and last.final_answer == 36 and len(last.attempts) == 2
    assert last.attempts[0].error.startswith("ValueError")


def test_a_model_failure_after_a_click_ends_the_run_in_the_panel(shell, llm):
    fake = llm([RESIDUES])
    nb_run, _ = _molsys(shell)
    panel = nb_run.panels[0]
    panel.edit_button.click()
    panel.editor.value = FAILS_WHEN_RUN
    fake.__exit__(None, None, None)  # the server goes away before the repair
    panel.run_button.click()
    last = shell.user_ns["_molsys_last"]
    assert not last.ok and last.message.startswith("stopped: cannot reach the language model server")
    assert "stopped: cannot reach" in nb_run.summary.value and len(nb_run.panels) == 1


def test_with_yes_a_repair_that_needs_no_consent_runs_without_asking(shell, llm):
    llm([json.dumps({"recipe": "count_frames", "file": "1vii.pdb"})])
    shell.user_ns["traj"] = "my precious trajectory"
    nb_run, _ = _molsys(shell, "--yes", "How many frames in 1vii.pdb?")
    first = nb_run.panels[0]
    first.edit_button.click()
    first.editor.value = "del traj\nanswer = undefined_name\n"
    first.run_button.click()  # deleting a variable of yours needs consent
    assert shell.user_ns["traj"] == "my precious trajectory"
    first.consent_button.click()
    # the repair needs no consent any more (traj is gone): --yes runs it at once
    assert len(nb_run.panels) == 2 and not _shown(nb_run.panels[1].buttons)
    last = shell.user_ns["_molsys_last"]
    assert last.ok and last.final_answer == 1 and len(last.attempts) == 2


def test_yes_stays_synchronous(shell, llm):
    llm([RESIDUES])
    nb_run, cell = _molsys(shell, "--yes")
    # done when the cell returns: a program driving the kernel reads _molsys_last next
    assert nb_run.box is None and not any(WIDGET in o.data for o in cell.outputs)
    assert shell.user_ns["_molsys_last"].final_answer == 36 and "answer: 36" in cell.stdout


def test_k_and_model_reach_the_agent(shell, llm):
    llm([RESIDUES])
    nb_run, _ = _molsys(shell, "-k 5 --model fake-model")
    assert nb_run.run.agent.options.k == 5 and nb_run.run.agent.backend.model == "fake-model"
    outcome = shell.run_cell(f"%%molsys --model no-such-model --yes\n{TASK}")
    assert "model 'no-such-model' is not served" in str(outcome.error_in_exec)


def test_status_is_one_updating_display(shell, llm):
    llm([RESIDUES])
    _, cell = _molsys(shell, "--yes")
    texts = [o.data["text/plain"] for o in cell.outputs if "choosing a recipe…" in o.data.get("text/plain", "")]
    # the first display and its updates (IPython's capture keeps each update as an output)
    assert texts[0] == "choosing a recipe…" and texts[-1].splitlines()[-1].startswith("done in ")
    assert texts[-1].splitlines()[:4] == ["choosing a recipe…", "plan: In 1vii.pdb: count all the residues.",
                                          "checking…", "running…"]


def _click_in_kernel(client, model_id: str) -> None:
    """Send the comm message a front end sends when a button is clicked; wait until handled."""
    from jupyter_core.utils import run_sync

    kc = client.kc
    msg = kc.session.msg("comm_msg", {"comm_id": model_id,
                                      "data": {"method": "custom", "content": {"event": "click"}}})
    kc.shell_channel.send(msg)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            reply = run_sync(kc.iopub_channel.get_msg)(timeout=1)
        except queue.Empty:
            continue
        if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"] and \
                reply["msg_type"] == "status" and reply["content"]["execution_state"] == "idle":
            return
    raise AssertionError("the kernel did not handle the click")


def test_real_kernel_click_runs_and_yes_is_synchronous(folder):
    with FakeLLM([RESIDUES]) as fake:
        cells = [
            f"%load_ext molsys_ai_jupyter\n%config MolsysAI.llm_url = {fake.url!r}",
            f"%%molsys\n{TASK}",
            "run = get_ipython().magics_manager.registry['MolsysMagics'].notebook_run\n"
            "print(run.panels[0].run_button.model_id, '_molsys_last' in dir())",
            "print(run.result.ok, answer, _molsys_last is run.result)\n"
            "print([o['output_type'] for o in run.panels[0].output.outputs], run.result_output.outputs[0]['data'].keys())",
            f"%%molsys --yes\n{TASK}",
            "print(_molsys_last.final_answer, len(_molsys_history))",
        ]
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
        client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
        with client.setup_kernel():
            for index in range(3):
                client.execute_cell(nb.cells[index], index)
            model_id, recorded = nb.cells[2].outputs[0]["text"].split()
            _click_in_kernel(client, model_id)
            for index in range(3, len(cells)):
                client.execute_cell(nb.cells[index], index)

    def text(index):
        return "".join(o.get("text", "") for o in nb.cells[index].outputs)

    assert any(WIDGET in o.get("data", {}) for o in nb.cells[1].outputs)  # the panel
    assert recorded == "False"  # nothing ran before the click
    ran, outputs = text(3).splitlines()
    assert ran == "True 36 True"
    assert "'stream'" in outputs and WIDGET in outputs  # the run's output and the 3D view, in the panel
    assert "answer: 36" in text(4) and any(WIDGET in o.get("data", {}) for o in nb.cells[4].outputs)
    assert text(5).strip() == "36 2"


def test_real_kernel_multi_step_plan_through_the_panel(tmp_path, real_settings):
    """The default plans design in a real kernel: strip, compute, reduce over frames; the
    panel shows the plan in words before anything runs, and Run runs exactly that plan.
    The model server has no replies: a plan the model had to guess would fail here."""
    import mdtraj as md

    name = "traj_chicken_villin_HP35_solvated.h5"
    (tmp_path / name).symlink_to(real_settings.structures / name)
    task = f"Remove the waters, then the mean radius of gyration of the protein over all frames of {name}, in Å"
    with FakeLLM([]) as fake:
        cells = [
            f"%load_ext molsys_ai_jupyter\n%config MolsysAI.llm_url = {fake.url!r}",
            f"%%molsys --no-view\n{task}",
            "run = get_ipython().magics_manager.registry['MolsysMagics'].notebook_run\n"
            "print(run.panels[0].run_button.model_id, 'answer' in dir())\nprint(run.panels[0].title.value)",
            "print(answer)\nprint(_molsys_last.restatement)\n"
            "print([step['op'] for step in _molsys_last.plan['steps']])",
        ]
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
        client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
        with client.setup_kernel():
            for index in range(3):
                client.execute_cell(nb.cells[index], index)
            first, title = "".join(o.get("text", "") for o in nb.cells[2].outputs).splitlines()
            model_id, ran_before = first.split()
            _click_in_kernel(client, model_id)
            client.execute_cell(nb.cells[3], 3)
        asked = list(fake.requests)
    sentence = (f"In {name}: remove the water, then compute the radius of gyration of the protein (no mass weighting), "
                "averaged over all frames, in Å.")
    assert ran_before == "False" and sentence in title  # shown before anything ran
    answer, restatement, ops = "".join(o.get("text", "") for o in nb.cells[3].outputs).splitlines()
    traj = md.load(str(real_settings.structures / name))
    expected = md.compute_rg(traj.atom_slice(traj.topology.select("protein"))).mean() * 10.0
    assert float(answer) == pytest.approx(expected, rel=1e-6)
    assert restatement == sentence and ops == str(["load", "strip", "compute", "reduce_frames", "convert"])
    assert not asked
