"""The agent loop with a scripted model (deterministic control flow) and a real IPython
shell running real MDTraj code on the shared structure files."""

from __future__ import annotations

import json
import re

import pytest
from IPython.core.interactiveshell import InteractiveShell

from molsys_ai_jupyter.agent.agent import Agent, ConsentRequired
from molsys_ai_jupyter.agent.planner import clean_params, schema_for, shortlist
from molsys_ai_jupyter.agent.recipes import CATALOGUE
from molsys_ai_jupyter.agent.ui import AgentOptions, RecordingUI
from molsys_ai_jupyter.config import load_settings
from molsys_ai_jupyter.llm.openai_backend import OpenAIBackend
from support.fake_llm import FakeLLM


@pytest.fixture
def shell():
    ip = InteractiveShell.instance()
    yield ip
    InteractiveShell.clear_instance()


@pytest.fixture
def folder(tmp_path, real_settings):
    for name in ("1vii.pdb", "181l.pdb"):
        (tmp_path / name).symlink_to(real_settings.structures / name)
    return tmp_path


class ApprovingUI(RecordingUI):
    """Records like :class:`RecordingUI`, and approves whatever it is asked."""

    def approve(self, code, findings, plan):
        super().approve(code, findings, plan)
        return True


def _agent(fake, ui=None, **options):
    """The recipes design: the model's JSON choices drive it (the plans design is tested in test_plans.py)."""
    options.setdefault("design", "recipes")
    options.setdefault("corpus", load_settings().corpus)  # the shared corpus's API registry checks the code
    return Agent(OpenAIBackend(fake.url, retries=0, timeout=10), AgentOptions(**options), ui=ui)


def test_runs_the_chosen_recipe_and_reports(shell, folder):
    reply = json.dumps({"recipe": "count_residues", "file": "1vii.pdb"})
    with FakeLLM([reply]) as fake:
        result = _agent(fake).run("How many residues are in 1vii.pdb?", shell, workdir=folder, show=False)
        schema = fake.requests[0]["response_format"]["json_schema"]["schema"]
    assert result.ok and result.final_answer == 36 and len(result.attempts) == 1
    assert shell.user_ns["_molsys_last"] is result and shell.user_ns["answer"] == 36
    assert "answer" in result.new_variables and "md.load('1vii.pdb')" in result.code
    files = {opt["properties"]["file"]["enum"][0] for opt in schema["anyOf"]}
    assert files == {"1vii.pdb"}  # the model may only name the file the task names


def test_repairs_after_an_error(shell, folder):
    bad = json.dumps({"recipe": "radius_of_gyration", "file": "1vii.pdb", "frame": 5})  # 1vii has 1 frame
    good = json.dumps({"recipe": "radius_of_gyration", "file": "1vii.pdb", "frame": 0})
    with FakeLLM([bad, good]) as fake:
        result = _agent(fake).run("Radius of gyration of 1vii.pdb?", shell, workdir=folder, show=False)
        second_prompt = fake.requests[1]["messages"][-1]["content"]
    assert result.ok and 8.0 < result.final_answer < 12.0 and len(result.attempts) == 2
    assert result.attempts[0].error and "previous attempt failed" in second_prompt


def test_gives_up_after_max_repairs(shell, folder):
    with FakeLLM([json.dumps({"recipe": "no_such_recipe", "file": "1vii.pdb"})]) as fake:
        result = _agent(fake, max_repairs=1).run("Count residues of 1vii.pdb", shell, workdir=folder, show=False)
    assert not result.ok and len(result.attempts) == 2 and "unknown recipe" in result.message


def test_user_variables_are_not_overwritten_without_consent(shell, folder):
    shell.user_ns["traj"] = "my precious trajectory"
    reply = json.dumps({"recipe": "count_frames", "file": "1vii.pdb"})
    with FakeLLM([reply]) as fake:
        refused = _agent(fake).run("How many frames in 1vii.pdb?", shell, workdir=folder, show=False)
        assert not refused.ok and "replaces your variable 'traj'" in refused.message
        assert shell.user_ns["traj"] == "my precious trajectory"
        allowed = _agent(fake, ui=ApprovingUI()).run("How many frames in 1vii.pdb?", shell, workdir=folder,
                                                     show=False)
    assert allowed.ok and allowed.final_answer == 1 and "traj" in allowed.changed_variables


def test_small_model_noise_is_dropped():
    recipe = CATALOGUE["strip"]
    cleaned = clean_params(recipe, {"file": "a.pdb", "save_as": "new file name in the working folder",
                                    "remove": "water", "colour": "red"})
    assert cleaned == {"file": "a.pdb", "remove": "water"}
    assert clean_params(CATALOGUE["sequence"], {"chain_id": "A,HOH,protein"}) == {}


def test_shortlist_and_schema():
    names = [r.name for r in shortlist("radius of gyration of ala3.pdb")]
    assert names[0] == "radius_of_gyration"
    schema = schema_for([CATALOGUE["count_atoms"]], ["a.pdb"])
    assert schema["anyOf"][0]["properties"]["recipe"] == {"const": "count_atoms"}


def test_freeform_design_runs_the_models_code_and_repairs_syntax(shell, folder):
    broken = "```python\nimport mdtraj as md\nanswer = (\n```"
    good = "Here:\n```python\nimport mdtraj as md\nanswer = md.load('1vii.pdb').n_residues\n```"
    with FakeLLM([broken, good]) as fake:
        result = _agent(fake, ui=ApprovingUI(), design="freeform").run("How many residues in 1vii.pdb?", shell,
                                                                       workdir=folder, show=False)
    assert result.ok and result.final_answer == 36 and len(result.attempts) == 2
    assert result.attempts[0].error.startswith("SyntaxError")


def test_unknown_design_is_refused():
    with pytest.raises(ValueError, match="unknown agent design"):
        AgentOptions(design="magic")


def test_running_the_same_task_twice_succeeds_twice(shell, folder):
    reply = json.dumps({"recipe": "count_residues", "file": "1vii.pdb"})
    with FakeLLM([reply]) as fake:
        first = _agent(fake).run("How many residues are in 1vii.pdb?", shell, workdir=folder, show=False)
        again = _agent(fake).run("How many residues are in 1vii.pdb?", shell, workdir=folder, show=False)
    # the agent replaces its own earlier variables without asking, and says so
    assert first.ok and again.ok and again.final_answer == 36 and len(again.attempts) == 1
    assert "traj" in again.changed_variables
    assert shell.user_ns["_molsys_history"] == [first, again]


def test_a_name_the_user_reassigned_after_a_run_is_the_users_again(shell, folder):
    reply = json.dumps({"recipe": "count_residues", "file": "1vii.pdb"})
    with FakeLLM([reply]) as fake:
        assert _agent(fake).run("How many residues are in 1vii.pdb?", shell, workdir=folder, show=False).ok
        shell.user_ns["traj"] = "my own trajectory"  # the user takes the name over
        refused = _agent(fake).run("How many residues are in 1vii.pdb?", shell, workdir=folder, show=False)
    assert not refused.ok and "replaces your variable 'traj'" in refused.message
    assert "atoms" not in refused.message and "answer" not in refused.message.split("replaces your variable")[1:]
    assert shell.user_ns["traj"] == "my own trajectory"


def test_status_lines_follow_the_run(shell, folder):
    ui = RecordingUI()
    lines = ui.lines
    reply = json.dumps({"recipe": "count_residues", "file": "1vii.pdb"})
    with FakeLLM([reply]) as fake:
        result = _agent(fake, ui=ui).run("How many residues are in 1vii.pdb?", shell, workdir=folder, show=False)
    assert result.ok and lines[:4] == ["choosing a recipe…", "plan: In 1vii.pdb: count all the residues.",
                                       "checking…", "running…"]
    assert len(lines) == 5 and re.fullmatch(r"done in \d+\.\d s", lines[4])
    assert ui.results == [result] and ui.asked == []  # no consent needed, and --yes (no confirm_every_run)


def test_status_lines_of_a_repair_and_of_giving_up(shell, folder):
    ui = RecordingUI()
    lines = ui.lines
    failing = "```python\nanswer = [1][5]\n```"
    good = "```python\nimport mdtraj as md\nanswer = md.load('1vii.pdb').n_residues\n```"
    with FakeLLM([failing, good]) as fake:
        result = _agent(fake, ui=ui, design="freeform").run(
            "How many residues in 1vii.pdb?", shell, workdir=folder, show=False)
    assert result.ok and len(result.attempts) == 2
    assert lines[:8] == ["writing code…", "the model wrote 1 line of code", "checking…", "running…",
                         "error: IndexError: list index out of range", "repairing (attempt 2 of 3)…",
                         "writing code…", "the model wrote 2 lines of code"]
    assert lines[-1].startswith("done in ")
    lines.clear()
    with FakeLLM([failing]) as fake:
        result = _agent(fake, ui=ui, design="freeform", max_repairs=0).run(
            "How many residues in 1vii.pdb?", shell, workdir=folder, show=False)
    assert not result.ok and lines[-1] == "error: IndexError: list index out of range"
    assert result.message == "gave up after 1 attempt(s): IndexError: list index out of range"


def test_a_resumable_run_waits_between_planning_and_running(shell, folder):
    reply = json.dumps({"recipe": "count_residues", "file": "1vii.pdb"})
    with FakeLLM([reply]) as fake:
        run = _agent(fake, k=5).start("How many residues are in 1vii.pdb?", shell, workdir=folder, show=False)
        attempt = run.next_attempt()
    assert run.agent.options.k == 5 and attempt.recipe == "count_residues" and "answer" not in shell.user_ns
    with pytest.raises(ConsentRequired, match="shell"):  # nothing that needs consent runs without it
        run.execute(attempt, "import os\nos.system('echo hi')\nanswer = 1")
    assert "answer" not in shell.user_ns and not attempt.edited
    run.execute(attempt, "answer = 7")
    assert attempt.edited and attempt.code == "answer = 7"
    assert run.finished and shell.user_ns["_molsys_last"] is run.result and run.result.final_answer == 7
    assert run.next_attempt() is None and shell.user_ns["_molsys_history"] == [run.result]


def test_a_successful_run_keeps_the_documentation_it_found(shell, folder, mini_index):
    """Sources come from the real (toy) knowledge index through index_finder; a folder
    without an index gives no finder and a reason."""
    from molsys_ai_jupyter.agent.sources import index_finder
    from molsys_ai_jupyter.knowledge.retrieval import Retriever

    retriever = Retriever(mini_index)
    finder, why = index_finder(mini_index, lambda: retriever)
    assert finder is not None and why == ""
    reply = json.dumps({"recipe": "count_residues", "file": "1vii.pdb"})
    with FakeLLM([reply]) as fake:
        result = _agent(fake, k=2, docs=finder).run("How many residues are in 1vii.pdb?", shell, workdir=folder,
                                                     show=False)
    assert result.ok and 1 <= len(result.sources) <= 2
    assert all(s["title"] and s["path"] for s in result.sources) and "sources_ms" in result.timings
    missing = mini_index.__class__(**{**vars(mini_index), "index_name": "no-such-index"})
    finder, why = index_finder(missing, lambda: retriever)
    assert finder is None and "no documentation sources" in why


def test_a_failing_docs_search_does_not_spoil_the_answer(shell, folder):
    def broken(query, k):
        raise RuntimeError("index went away")

    ui = RecordingUI()
    reply = json.dumps({"recipe": "count_residues", "file": "1vii.pdb"})
    with FakeLLM([reply]) as fake:
        result = _agent(fake, ui=ui, docs=broken).run("How many residues are in 1vii.pdb?", shell, workdir=folder,
                                                      show=False)
    assert result.ok and result.final_answer == 36 and result.sources == []
    assert any("no documentation sources" in line for line in ui.lines)


def test_invented_api_is_caught_before_running_and_repaired(shell, folder):
    """Code that calls a molsysmt function that does not exist is not run: the registry's
    report (with its suggestion) goes back to the model, whose next code runs."""
    invented = "```python\nimport molsysmt as msm\nmsm.structure.get_distancez('1vii.pdb')\nanswer = 1\n```"
    fixed = "```python\nanswer = 2\n```"
    with FakeLLM([invented, fixed]) as fake:
        result = _agent(fake, design="freeform").run("distances", shell, workdir=folder, show=False)
        second_prompt = fake.requests[1]["messages"][-1]["content"]
    first = result.attempts[0]
    assert result.ok and result.final_answer == 2 and len(result.attempts) == 2
    assert first.verification["issues"][0]["name"] == "molsysmt.structure.get_distancez"
    assert "get_distancez" in first.error and "get_distancez" in second_prompt
    assert first.prompt and first.reply.startswith("```python") and not first.output  # never ran


def test_code_the_api_check_could_not_finish_is_not_run(shell, folder, monkeypatch):
    """A crash of the registry's checker is not a pass: the code is not run, and the
    failure goes back to the model like an invented name."""
    from molsys_ai_jupyter.knowledge import verifier

    def broken_walk(self, *args, **kwargs):
        raise RuntimeError("the checker broke")

    monkeypatch.setattr(verifier.SymbolRegistry, "check_path", broken_walk)
    unchecked = "```python\nimport molsysmt as msm\nmsm.structure.get_distances('1vii.pdb')\nanswer = 1\n```"
    fixed = "```python\nanswer = 2\n```"
    with FakeLLM([unchecked, fixed]) as fake:
        result = _agent(fake, design="freeform").run("distances", shell, workdir=folder, show=False)
    first = result.attempts[0]
    assert result.ok and result.final_answer == 2 and len(result.attempts) == 2
    assert first.verification["error"] == "RuntimeError: the checker broke" and not first.verification["ok"]
    assert "the API check failed" in first.error and not first.output  # never ran


def test_the_record_of_a_run_keeps_prompts_replies_checks_and_output(shell, folder):
    reply = json.dumps({"recipe": "count_residues", "file": "1vii.pdb"})
    with FakeLLM([reply]) as fake:
        result = _agent(fake).run("How many residues are in 1vii.pdb?", shell, workdir=folder, show=False)
    record = result.to_dict()["attempts"][0]
    assert "1vii.pdb" in record["prompt"][-1]["content"] and record["reply"] == reply
    assert record["recipe"] == "count_residues" and record["verification"] == {}  # MDTraj code: nothing to check
    assert json.dumps(result.to_dict(), default=repr)  # the transcript is plain JSON


class TestRecipeParametersAreCheckedAgainstTheFolder:
    """A model server that ignores the JSON schema cannot point a recipe elsewhere."""

    @pytest.mark.parametrize("file", ["https://files.example.invalid/1vii.pdb", "/etc/hostname",
                                      "../1vii.pdb", "pdb_id:1VII"])
    def test_a_file_that_is_not_in_the_folder_is_refused(self, file, shell, folder):
        reply = json.dumps({"recipe": "count_atoms", "file": file})
        with FakeLLM([reply]) as fake:
            result = _agent(fake, max_repairs=1).run("How many atoms are in 1vii.pdb?", shell, workdir=folder,
                                                     show=False)
        assert not result.ok and "not a file of the working folder" in result.message
        assert all(not a.output for a in result.attempts) and "traj" not in shell.user_ns

    def test_saving_over_an_existing_file_asks_first(self, shell, folder):
        (folder / "mine.pdb").write_text("my own file\n")
        reply = json.dumps({"recipe": "strip", "file": "1vii.pdb", "remove": "water", "save_as": "mine.pdb"})
        ui = RecordingUI()  # approves nothing
        with FakeLLM([reply]) as fake:
            result = _agent(fake, ui=ui).run("Remove the waters of 1vii.pdb and save it as mine.pdb", shell,
                                             workdir=folder, show=False)
        asked = [findings for _, findings, _ in ui.asked]
        assert [f["kind"] for f in asked[0]] == ["overwrite_file"] and "mine.pdb" in asked[0][0]["detail"]
        assert not result.ok and (folder / "mine.pdb").read_text() == "my own file\n"
