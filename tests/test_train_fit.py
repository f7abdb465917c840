"""CPU smoke test of LoRA fine-tuning on the real SmolLM2-135M (the embedded model): a few
steps on a handful of short examples must lower the loss; checkpoints resume; the
held-out evaluation and the adapter are written. (The first run converts the GGUF to a
cached safetensors copy: ~30-40 s once.)"""

from __future__ import annotations

import json

import pytest

from molsys_ai_jupyter.train.config import load_config
from molsys_ai_jupyter.train.fit import FitPaths, fit

SYSTEM = {"role": "system", "content": "MolSys-AI."}
PAIRS = [
    ("Count the atoms of a system in molsysmt.", "msm.get(molecular_system, n_atoms=True)"),
    ("Convert a PDB id to a MolSys.", "msm.convert('1TCD', to_form='molsysmt.MolSys')"),
    ("Select the CA atoms.", "msm.select(molecular_system, selection='atom_name==\"CA\"')"),
    ("Show a summary table of chains.", "msm.info(molecular_system, element='chain')"),
    ("Remove the water molecules.", "msm.remove(molecular_system, selection='molecule_type==\"water\"')"),
    ("Get the number of frames.", "msm.get(molecular_system, n_structures=True)"),
]


def _write(path, pairs, split):
    rows = [{"id": f"{split}{i}", "kind": "recipe", "project": "molsysmt", "page": f"p{i}", "split": split,
             "messages": [SYSTEM, {"role": "user", "content": q}, {"role": "assistant", "content": a}]}
            for i, (q, a) in enumerate(pairs)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


@pytest.fixture
def tiny_data(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    _write(data / "train.jsonl", PAIRS[:2], "train")
    _write(data / "heldout.jsonl", PAIRS[4:], "heldout")
    return data


def test_cpu_steps_lower_the_loss_and_resume(tiny_data, tmp_path, shared_embedding_cache):
    config = load_config("smollm2-cpu-smoke")
    config.train.max_seq_len = 64
    config.train.micro_batch_size = 2  # the two examples: the same batch every step
    config.train.learning_rate = 3e-3
    config.train.eval_examples = 2
    paths = FitPaths(data_dir=tiny_data, out_dir=tmp_path / "run")
    lines = []
    first = fit(config, paths, shared_embedding_cache, max_steps=3, progress=lines.append)
    log = [json.loads(line) for line in paths.log.read_text().splitlines()]
    steps = [r for r in log if r["event"] == "step"]
    assert [r["step"] for r in steps] == [1, 2, 3]
    assert steps[-1]["loss"] < 0.7 * steps[0]["loss"], steps
    assert all(r["tokens"] > 0 and r["tokens_per_s"] > 0 for r in steps)
    # the loss is on the answers only: the label tokens are fewer than the tokens
    evals = [r for r in log if r["event"] == "eval"]
    assert len(evals) == 2 and evals[0]["tokens"] < 2 * 64
    assert first["heldout_after"]["loss"] < first["heldout_before"]["loss"] + 1.0
    assert (paths.adapter / "adapter_model.safetensors").is_file()
    assert (paths.checkpoints / "step-3" / "optimizer.pt").is_file()
    assert first["trainable_params"] == 1_843_200

    second = fit(config, paths, shared_embedding_cache, resume=True, max_steps=4, progress=lines.append)
    assert second["resumed_from"] == 3 and second["steps"] == 4
    log = [json.loads(line) for line in paths.log.read_text().splitlines()]
    assert [r["step"] for r in log if r["event"] == "step"] == [1, 2, 3, 4]
    assert second["loss"]["last"] < steps[0]["loss"]
    assert any("resumed from" in line for line in lines)
    assert sorted(p.name for p in paths.checkpoints.iterdir()) == ["step-3", "step-4"]
