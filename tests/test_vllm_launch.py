"""The GPU-node launcher builds `vllm serve` command lines from the configs, using only
flags vLLM documents (no vLLM install needed)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

VLLM_DIR = Path(__file__).resolve().parents[1] / "server" / "vllm"


@pytest.fixture(scope="module")
def launch():
    spec = importlib.util.spec_from_file_location("vllm_launch", VLLM_DIR / "launch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _documented() -> dict[str, str]:
    flags = {}
    for line in (VLLM_DIR / "documented_flags.txt").read_text().splitlines():
        if line.startswith("--"):
            flag, kind = line.split(maxsplit=1)
            flags[flag] = kind
    return flags


def _check_value(kind: str, value: str) -> bool:
    if kind == "INT":
        return value.isdigit()
    if kind == "FLOAT":
        return 0.0 < float(value) <= 1.0
    if kind.startswith("{"):
        return value in kind.strip("{}").split(",")
    return bool(value)


@pytest.mark.parametrize("config", sorted((VLLM_DIR / "configs").glob("*.toml")), ids=lambda p: p.stem)
def test_every_flag_is_documented_with_a_valid_value(launch, config):
    command = launch.build_command(launch.load_config(config))
    assert command[:2] == ["vllm", "serve"] and command[2].endswith("AWQ-INT4")
    documented = _documented()
    i = 3
    while i < len(command):
        flag = command[i]
        assert flag in documented, f"{flag} is not a documented vllm serve flag"
        if documented[flag] == "FLAG":
            i += 1
        else:
            assert _check_value(documented[flag], command[i + 1]), (flag, command[i + 1])
            i += 2


def test_baseline_matches_the_stable_2080ti_settings(launch):
    command = " ".join(launch.build_command(launch.load_config(VLLM_DIR / "configs" / "rtx2080ti-1gpu.toml")))
    for part in ("--max-model-len 8192", "--gpu-memory-utilization 0.8", "--enforce-eager", "--quantization awq",
                 "--dtype half", "--tensor-parallel-size 1"):
        assert part in command


def test_three_gpus_split_by_layers_and_tensor_parallel_three_is_refused(launch):
    config = launch.load_config(VLLM_DIR / "configs" / "rtx2080ti-3gpu.toml")
    assert "--pipeline-parallel-size 3" in " ".join(launch.build_command(config))
    config["serve"]["tensor_parallel_size"] = 3
    with pytest.raises(launch.ConfigError, match="does not divide num_attention_heads = 32"):
        launch.build_command(config)


def test_cuda_toolkit_is_required(launch, tmp_path):
    with pytest.raises(launch.ConfigError, match="CUDA_HOME"):
        launch.check_cuda_toolkit({"CUDA_HOME": str(tmp_path), "PATH": ""})
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "nvcc").write_text("")
    assert launch.check_cuda_toolkit({"CUDA_HOME": str(tmp_path)}) == str(tmp_path)


def test_print_mode_and_bad_config(launch, tmp_path, capsys):
    assert launch.main([str(VLLM_DIR / "configs" / "rtx2080ti-1gpu.toml"), "--print"]) == 0
    assert re.match(r"vllm serve hugging-quants/\S+ --served-model-name molsys-ai", capsys.readouterr().out)
    bad = tmp_path / "bad.toml"
    bad.write_text('[serve]\nmodel = "m"\nmax_modle_len = 1\n')
    assert launch.main([str(bad), "--print"]) == 2
    assert "unknown [serve] keys: max_modle_len" in capsys.readouterr().err
