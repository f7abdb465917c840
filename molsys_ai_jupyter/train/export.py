"""Merge a LoRA adapter into the small base model and write a GGUF that the embedded backend
loads by configuration (``MOLSYS_AI_GGUF=merged.gguf`` or ``gguf_path``).

The writer starts from the base GGUF: every metadata key (tokenizer, chat template, rope
settings …) and every tensor the adapter does not touch are copied byte for byte (still
Q4_1 / Q8_0); only the merged linear layers are written anew (Q8_0 by default, or f16/f32).

llama.cpp stores the rows of ``attn_q`` / ``attn_k`` interleaved per head for its rotary
embedding; transformers undoes that when it reads a GGUF (``_reverse_permute_weights``),
so the merged q/k weights get the forward permutation (llama.cpp's ``convert_hf_to_gguf``
``permute``) before they are written.

The production model (Llama-3.1-8B-Instruct on vLLM) is not exported here: merge its
adapter in 16-bit and quantise with AWQ (docs/fine-tuning.md).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from ..errors import MolsysAIError

# transformers module name → GGUF tensor name (llama architecture)
GGUF_NAMES = {
    "q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output",
    "gate_proj": "ffn_gate", "up_proj": "ffn_up", "down_proj": "ffn_down",
}
_LAYER = re.compile(r"^model\.layers\.(\d+)\.(?:self_attn|mlp)\.(\w+)\.weight$")


def permute_qk(weights, n_head: int, n_head_kv: int | None = None):
    """HF row order → llama.cpp's rotary row order (the inverse of what transformers does on load)."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def merged_tensors(model, targets: list[str]) -> dict:
    """GGUF name → float32 numpy array for every linear layer of ``targets`` (merged model)."""
    n_head = model.config.num_attention_heads
    n_kv = getattr(model.config, "num_key_value_heads", n_head)
    out = {}
    for name, tensor in model.state_dict().items():
        match = _LAYER.match(name)
        if not match or match.group(2) not in targets:
            continue
        layer, module = match.groups()
        weights = tensor.detach().float().cpu().numpy()
        if module == "q_proj":
            weights = permute_qk(weights, n_head, n_head)
        elif module == "k_proj":
            weights = permute_qk(weights, n_head, n_kv)
        out[f"blk.{layer}.{GGUF_NAMES[module]}.weight"] = weights
    return out


def _encode(array, tensor_type: str):
    import numpy as np
    from gguf import GGMLQuantizationType
    from gguf.quants import quantize

    if tensor_type == "f32":
        return array.astype(np.float32), GGMLQuantizationType.F32
    if tensor_type == "f16":
        return array.astype(np.float16), GGMLQuantizationType.F16
    if tensor_type == "q8_0":
        return quantize(array.astype(np.float32), GGMLQuantizationType.Q8_0), GGMLQuantizationType.Q8_0
    raise MolsysAIError(f"unknown tensor type {tensor_type!r} (q8_0, f16 or f32)")


def write_gguf(base_gguf: Path, out: Path, replacements: dict, tensor_type: str = "q8_0",
               name_suffix: str = "molsys-ai fine-tune") -> dict:
    """Copy ``base_gguf`` to ``out`` with the tensors of ``replacements`` (GGUF name → float
    array, in the base's shape) re-encoded as ``tensor_type``."""
    import gguf

    reader = gguf.GGUFReader(str(base_gguf))
    arch = reader.fields[gguf.Keys.General.ARCHITECTURE].contents()
    known = {t.name: t for t in reader.tensors}
    missing = sorted(set(replacements) - set(known))
    if missing:
        raise MolsysAIError(f"{len(missing)} merged tensor(s) are not in the base GGUF, e.g. {missing[0]}",
                            "export needs the GGUF the adapter was trained on")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    writer = gguf.GGUFWriter(str(partial), arch=arch)
    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue
        value_type = field.types[0]
        sub_type = field.types[-1] if value_type == gguf.GGUFValueType.ARRAY else None
        value = field.contents()
        if field.name == gguf.Keys.General.NAME:
            value = f"{value} ({name_suffix})"
        writer.add_key_value(field.name, value, value_type, sub_type=sub_type)
    payloads = []
    for tensor in reader.tensors:
        if tensor.name in replacements:
            array = replacements[tensor.name]
            expected = tuple(int(n) for n in reversed(tensor.shape))
            if tuple(array.shape) != expected:
                raise MolsysAIError(f"merged {tensor.name} has shape {array.shape}, the base {expected}")
            data, raw = _encode(array, tensor_type)
        else:
            data, raw = tensor.data, tensor.tensor_type
        writer.add_tensor_info(tensor.name, data.shape, data.dtype, data.nbytes, raw)
        payloads.append(data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for data in payloads:
        writer.write_tensor_data(data, tensor_endianess=reader.endianess)
    writer.close()
    partial.replace(out)
    return {"tensors": len(reader.tensors), "replaced": len(replacements), "bytes": out.stat().st_size}


def export_gguf(adapter_dir: Path, out: Path, cache_dir: Path, base: str = "smollm2",
                tensor_type: str = "q8_0") -> dict:
    """Merge ``adapter_dir`` into the GGUF base and write ``out``."""
    from peft import PeftModel

    from .base_model import base_gguf, load_base_model
    from .config import ModelConfig

    started = time.perf_counter()
    gguf_path = base_gguf(base)
    if gguf_path is None:
        raise MolsysAIError(f"export writes GGUF for a GGUF base; {base} is not one",
                            "for the production model merge in 16-bit and quantise with AWQ (docs/fine-tuning.md)")
    adapter_dir = Path(adapter_dir)
    adapter_cfg = json.loads((adapter_dir / "adapter_config.json").read_text())
    targets = adapter_cfg.get("target_modules") or []
    targets = sorted(targets) if isinstance(targets, list) else [targets]
    unknown = [t for t in targets if t not in GGUF_NAMES]
    if unknown:
        raise MolsysAIError(f"cannot export adapters on {', '.join(unknown)} to GGUF",
                            f"train LoRA on {', '.join(GGUF_NAMES)} only")
    model = load_base_model(ModelConfig(base=str(gguf_path), dtype="float32"), cache_dir)
    model = PeftModel.from_pretrained(model, str(adapter_dir)).merge_and_unload()
    tensors = merged_tensors(model, targets)
    result = write_gguf(gguf_path, Path(out), tensors, tensor_type)
    return {"out": str(out), "base": str(gguf_path), "adapter": str(adapter_dir), "targets": targets,
            "tensor_type": tensor_type, **result, "seconds": round(time.perf_counter() - started, 1)}


def smoke_check(gguf_path: Path, question: str = "How do I load a PDB file with molsysmt?") -> dict:
    """Load the GGUF with llama.cpp (as the embedded backend does) and answer one question."""
    from llama_cpp import Llama

    started = time.perf_counter()
    llm = Llama(model_path=str(gguf_path), n_ctx=1024, n_threads=2, verbose=False, seed=0)
    reply = llm.create_chat_completion(messages=[{"role": "user", "content": question}], max_tokens=48,
                                       temperature=0.0)
    text = reply["choices"][0]["message"]["content"] or ""
    return {"question": question, "answer": text, "seconds": round(time.perf_counter() - started, 1)}
