"""Training configs: every shipped config loads and validates; batch and memory arithmetic;
bad configs fail with one readable error. No torch."""

from __future__ import annotations

import json
import tomllib

import pytest

from molsys_ai_jupyter.errors import MolsysAIError
from molsys_ai_jupyter.train.config import load_config, parse_config, shipped_configs
from molsys_ai_jupyter.train.fit import lr_lambda, micro_batches


def test_every_shipped_config_is_valid():
    names = set(shipped_configs())
    assert {"smollm2-cpu-smoke", "smollm2-gpu", "llama31-8b-qlora-11gb", "llama31-8b-qlora-3x11gb"} <= names
    for name in names:
        config = load_config(name)
        assert config.name == name
        assert config.effective_batch_size >= 1
        if config.hardware.gpu_memory_gb:
            assert config.memory_estimate_gb()["total"] <= config.hardware.gpu_memory_gb


def test_effective_batch_and_trainable_params():
    one = load_config("llama31-8b-qlora-11gb")
    three = load_config("llama31-8b-qlora-3x11gb")
    assert (one.train.micro_batch_size, one.train.grad_accum, one.hardware.num_processes) == (1, 16, 1)
    assert one.effective_batch_size == 16
    assert three.effective_batch_size == 1 * 6 * 3 == 18
    assert three.model.quantization == "nf4" and three.model.gradient_checkpointing
    # Llama-3.1-8B, r=16 on all seven projections: 16 · 32 layers · Σ(in+out) = 41,943,040
    assert one.lora_params() == 41_943_040
    # SmolLM2-135M, r=16 on q/k/v/o: 1,843,200 (what peft reports for the smoke config)
    assert load_config("smollm2-cpu-smoke").lora_params() == 1_843_200
    gpu = load_config("smollm2-gpu")
    assert gpu.tokens_per_step == gpu.train.micro_batch_size * gpu.train.max_seq_len


def _base() -> dict:
    with open(shipped_configs()["llama31-8b-qlora-11gb"], "rb") as handle:
        return tomllib.load(handle)


@pytest.mark.parametrize("section,key,value,needle", [
    ("train", "device", "cpu", "nf4"),
    ("train", "micro_batch_size", 8, "GB per GPU"),
    ("model", "quantization", "int3", "quantization"),
    ("lora", "target_modules", ["lm_head"], "target_modules"),
    ("train", "learning_rate", 3.0, "learning_rate"),
    ("hardware", "num_processes", 0, "num_processes"),
    ("train", "warmup_stepz", 1, "unknown setting"),
])
def test_bad_configs_are_refused(section, key, value, needle):
    data = _base()
    data[section][key] = value
    with pytest.raises(MolsysAIError) as info:
        parse_config(data, source="bad.toml")
    assert needle in str(info.value)


def test_data_parallel_needs_cuda():
    data = _base()
    data["model"]["quantization"] = "none"
    data["model"]["dtype"] = "float32"
    data["train"]["device"] = "cpu"
    data["hardware"] = {"num_processes": 3}
    with pytest.raises(MolsysAIError, match="needs CUDA"):
        parse_config(data)


def test_unknown_config_name_lists_the_shipped_ones():
    with pytest.raises(MolsysAIError, match="smollm2-gpu"):
        load_config("no-such-config")


def test_schedule_warms_up_then_decays_to_a_tenth():
    assert lr_lambda(0, 10, 100) == pytest.approx(0.1)
    assert lr_lambda(9, 10, 100) == pytest.approx(1.0)
    assert lr_lambda(10, 10, 100) == pytest.approx(1.0)
    assert lr_lambda(100, 10, 100) == pytest.approx(0.1)
    assert lr_lambda(55, 10, 100) < lr_lambda(30, 10, 100)


def test_micro_batches_are_deterministic_full_and_cover_each_example_once():
    lengths = [(i * 37) % 101 for i in range(200)]
    first = micro_batches(lengths, 4, 3, seed=0, epoch=0)
    assert first == micro_batches(lengths, 4, 3, seed=0, epoch=0)
    assert first != micro_batches(lengths, 4, 3, seed=0, epoch=1)
    assert all(len(b) == 12 for b in first)
    flat = [i for b in first for i in b]
    assert len(flat) == len(set(flat)) == 200 // 12 * 12
    # each worker's share of a batch (indices[rank::world]) is disjoint from the others'
    shares = [set(first[0][rank::3]) for rank in range(3)]
    assert not (shares[0] & shares[1]) and not (shares[1] & shares[2])


def test_cli_lists_configs_and_fails_in_one_line(tmp_path, capsys):
    from molsys_ai_jupyter.cli.main import main

    assert main(["train", "configs", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["llama31-8b-qlora-3x11gb"]["effective_batch_size"] == 18
    assert rows["llama31-8b-qlora-3x11gb"]["processes"] == 3

    assert main(["train", "fit", "--config", "smollm2-cpu-smoke", "--dataset", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: dataset file not found") and "molsys-ai train dataset" in err
    assert main(["train", "export", "--adapter", str(tmp_path)]) == 2
    assert "no adapter in" in capsys.readouterr().err
    assert main(["train", "fit", "--config", "nope"]) == 2
    assert "training config not found" in capsys.readouterr().err


def test_the_cli_and_config_stay_light():
    import subprocess
    import sys

    code = ("import sys, molsys_ai_jupyter.cli.main, molsys_ai_jupyter.cli.train_cmd, "
            "molsys_ai_jupyter.train.config, molsys_ai_jupyter.train.fit; "
            "print(sorted(m for m in ('torch', 'transformers', 'peft', 'accelerate', 'gguf', 'numpy') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
