"""Simulation workflows in a real kernel: the progress bar updates, an interrupt stops a
run cleanly with a checkpoint, and a ``%%molsys`` workflow exported with ``--short``
re-runs top to bottom with its provenance recorded."""

from __future__ import annotations

import json
import shutil
import time

import nbformat
import pytest
from nbclient import NotebookClient

pytest.importorskip("openmm")
pytestmark = pytest.mark.slow

SMALL_SIMULATION = """
import openmm, openmm.app as app, openmm.unit as unit
structure = app.PDBFile('ala3.pdb')
system = app.ForceField('amber14-all.xml', 'implicit/obc2.xml').createSystem(structure.topology, constraints=app.HBonds)
integrator = openmm.LangevinMiddleIntegrator(300 * unit.kelvin, 1 / unit.picosecond, 0.002 * unit.picoseconds)
simulation = app.Simulation(structure.topology, system, integrator, openmm.Platform.getPlatformByName('CPU'))
simulation.context.setPositions(structure.positions)
"""


@pytest.fixture
def folder(real_settings, tmp_path):
    shutil.copyfile(real_settings.structures / "ala3.pdb", tmp_path / "ala3.pdb")
    return tmp_path


@pytest.fixture
def no_server_env(monkeypatch, tmp_path):
    """The kernel inherits this environment: no server URL, no config file."""
    for name in ("MOLSYS_AI_LLM_URL", "MOLSYS_AI_MODEL", "MOLSYS_AI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MOLSYS_AI_CONFIG", str(tmp_path / "none.toml"))


def _execute(nb, folder, **kwargs):
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}},
                   **kwargs).execute()
    return nb


def test_the_progress_bar_is_a_widget_that_reaches_the_end(folder):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SMALL_SIMULATION),
                nbformat.v4.new_code_cell("from molsys_ai_jupyter.simulation import run\n"
                                          "summary = run(simulation, 3000, report_every=100)\nprint(summary.step)")]
    _execute(nb, folder, store_widget_state=True)
    outputs = nb.cells[1].outputs
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs), outputs
    states = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"].values()
    bars = [s["state"] for s in states if s.get("model_name") in ("FloatProgressModel", "IntProgressModel")]
    assert bars and bars[0]["max"] == 3000 and bars[0]["value"] == 3000  # it moved from 0 to the end
    labels = [s["state"].get("value", "") for s in states if s.get("model_name") == "HTMLModel"]
    assert any("3000/3000" in label for label in labels), labels  # tqdm's count and rate, beside the bar


def test_an_interrupted_run_stops_at_the_next_report_with_a_checkpoint(folder):
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", cwd=str(folder))
    try:
        client.execute_interactive(SMALL_SIMULATION, timeout=120)
        client.execute("from molsys_ai_jupyter.simulation import run\n"
                       "summary = run(simulation, 10**8, report_every=200, checkpoint='cut.chk', progress=False)")
        time.sleep(4)
        manager.interrupt_kernel()
        reply = client.get_shell_msg(timeout=120)
        assert reply["content"]["status"] == "ok"  # the run returned; the interrupt did not escape as an error
        printed = []
        client.execute_interactive(
            "import json, os\nprint(json.dumps([summary.stopped, summary.step, os.path.getsize(summary.checkpoint)]))",
            timeout=60, output_hook=lambda m: printed.append(m["content"].get("text", "")))
        stopped, step, size = json.loads("".join(printed).strip().splitlines()[-1])
        assert stopped == "interrupted" and 0 < step < 10**8 and step % 200 == 0 and size > 0
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_a_workflow_is_exported_with_its_provenance_and_re_runs_shorter(folder, no_server_env):
    from molsys_ai_jupyter.agent.kernel_runner import check_export

    task = ("ala3.pdb with amber14-all.xml + implicit/obc2.xml, NoCutoff, HBonds, Langevin 300 K, seed 3; run 1000 "
            "steps with a DCD frame every 100 steps on the CPU. How many frames?")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("%load_ext molsys_ai_jupyter"),
                nbformat.v4.new_code_cell(f"%%molsys --yes\n{task}"),
                nbformat.v4.new_code_cell("print(_molsys_last.final_answer, sorted(_molsys_last.provenance))"),
                nbformat.v4.new_code_cell("%molsys export run.ipynb --short 0.5")]
    _execute(nb, folder)
    printed = "".join(o.get("text", "") for o in nb.cells[2].outputs)
    assert printed.startswith("10 ") and "inputs" in printed and "versions" in printed, printed
    exported = nbformat.read(str(folder / "run.ipynb"), as_version=4)
    text = "\n".join(cell.source for cell in exported.cells)
    assert "STEP_SCALE = 0.5" in text and "**Provenance**" in text and "seeds: integrator 3" in text
    rerun = check_export(folder / "run.ipynb", folder)
    outputs = "".join(o.get("text", "") for cell in nbformat.read(str(rerun), as_version=4).cells
                      if cell.cell_type == "code" for o in cell.outputs)
    assert "500 steps in" in outputs and "answer: 5" in outputs  # half the steps, half the frames
