#!/usr/bin/env python3
"""Launch vLLM on the GPU node from a TOML config, wait until it is healthy, warm it up.

    python server/vllm/launch.py configs/rtx2080ti-1gpu.toml            # run it
    python server/vllm/launch.py configs/rtx2080ti-1gpu.toml --print    # only show the command

Stdlib only, so it runs before anything else is installed. Checks first what makes
vLLM fail late: the CUDA toolkit (FlashInfer compiles kernels just in time with
nvcc, so CUDA_HOME must point at a toolkit with bin/nvcc) and a parallel layout
the model's head count allows.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

FLAG_ORDER = [
    "served_model_name", "quantization", "dtype", "max_model_len", "gpu_memory_utilization", "enforce_eager",
    "tensor_parallel_size", "pipeline_parallel_size", "enable_prefix_caching", "max_num_seqs", "host", "port",
    "api_key", "download_dir",
]


class ConfigError(Exception):
    pass


def load_config(path: str | Path) -> dict:
    with open(path, "rb") as handle:
        config = tomllib.load(handle)
    if "serve" not in config or "model" not in config["serve"]:
        raise ConfigError(f"{path}: needs a [serve] table with a model")
    unknown = set(config["serve"]) - set(FLAG_ORDER) - {"model"}
    if unknown:
        raise ConfigError(f"{path}: unknown [serve] keys: {', '.join(sorted(unknown))}")
    return config


def check_layout(config: dict) -> None:
    serve, shape = config["serve"], config.get("model_shape", {})
    tp = int(serve.get("tensor_parallel_size", 1))
    for key in ("num_attention_heads", "num_key_value_heads"):
        heads = shape.get(key)
        if heads and heads % tp:
            raise ConfigError(f"tensor_parallel_size {tp} does not divide {key} = {heads}: vLLM would refuse it; "
                              "use pipeline_parallel_size for this GPU count, or one replica per GPU")


def build_command(config: dict, executable: str = "vllm") -> list[str]:
    serve = config["serve"]
    check_layout(config)
    command = [executable, "serve", serve["model"]]
    for key in FLAG_ORDER:
        if key not in serve:
            continue
        value = serve[key]
        flag = "--" + key.replace("_", "-")
        if isinstance(value, bool):
            if value:
                command.append(flag)
        else:
            command += [flag, str(value)]
    return command


def check_cuda_toolkit(environ=os.environ) -> str:
    """The folder of the CUDA toolkit FlashInfer will compile with (has bin/nvcc)."""
    home = environ.get("CUDA_HOME") or environ.get("CUDA_PATH")
    if not home:
        nvcc = shutil.which("nvcc")
        home = str(Path(nvcc).resolve().parent.parent) if nvcc else ""
    if not home or not (Path(home) / "bin" / "nvcc").exists():
        raise ConfigError("no CUDA toolkit found: FlashInfer compiles kernels at start-up with nvcc; "
                          "install the toolkit and export CUDA_HOME=/usr/local/cuda (with bin/nvcc)")
    return home


def wait_healthy(base: str, timeout: float = 900.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(5)
    raise TimeoutError(f"vLLM at {base} was not healthy after {timeout:.0f} s")


def warm_up(base: str, model: str, api_key: str | None = None) -> float:
    """One short chat request (loads kernels, fills the prefix cache); returns its seconds."""
    body = json.dumps({"model": model, "max_tokens": 8,
                       "messages": [{"role": "user", "content": "Say ready."}]}).encode()
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {api_key}"} if api_key else {})}
    started = time.monotonic()
    request = urllib.request.Request(f"{base}/v1/chat/completions", data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=300) as response:
        json.load(response)
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", help="a TOML file under server/vllm/configs/")
    parser.add_argument("--print", action="store_true", help="print the command and exit")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        command = build_command(config)
        if args.print:
            print(shlex.join(command))
            return 0
        check_cuda_toolkit()
    except (ConfigError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    serve = config["serve"]
    base = f"http://127.0.0.1:{serve.get('port', 8000)}"
    print("starting:", shlex.join(command), flush=True)
    process = subprocess.Popen(command)
    try:
        wait_healthy(base)
        seconds = warm_up(base, serve.get("served_model_name", serve["model"]), serve.get("api_key"))
        print(f"vLLM ready at {base}/v1 (warm-up request {seconds:.1f} s); "
              f"point clients at it with MOLSYS_AI_LLM_URL={base}/v1", flush=True)
        return process.wait()
    except (TimeoutError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        process.terminate()
        return 1


if __name__ == "__main__":
    sys.exit(main())
