"""``molsys-ai bench agent``'s loop: one task that the agent refuses in one line (an empty
request: IPython's "the cell body is empty") is that task's row, not the end of the run."""

from __future__ import annotations

from types import SimpleNamespace

from molsys_ai_jupyter.bench import agent as bench
from molsys_ai_jupyter.errors import MolsysAIError


class TestRunAgentBench:
    def test_a_refused_request_is_a_row_and_the_run_goes_on(self, tmp_path, monkeypatch):
        (tmp_path / "a.pdb").write_text("ATOM\n")
        answered = {"ok": True, "outcome": "answered", "attempts": [{}], "final_answer": 3, "message": "",
                    "timings": {"total_ms": 10.0}, "restatement": "In a.pdb: count the chains."}

        def run_agent(task, folder, **kwargs):
            if not task.strip():
                raise MolsysAIError("%%molsys is a cell magic, but the cell body is empty.")
            return answered

        monkeypatch.setattr(bench, "run_agent", run_agent)
        tasks = [{"id": "empty", "task": "", "files": ["a.pdb"], "answer": None},
                 {"id": "chains", "task": "how many chains in a.pdb", "files": ["a.pdb"], "answer": 3}]
        result = bench.run_agent_bench(tasks, tmp_path, backend=SimpleNamespace(name="scripted", model="none"))
        assert [r["outcome"] for r in result["results"]] == ["not understood", "right"]
        assert "cell body is empty" in result["results"][0]["error"]
        assert result["crash_rate"] == 0 and result["success_rate"] == 0.5
        # the empty request has no right number, and got none: correct, though not a success
        assert result["correct_rate"] == 1.0
