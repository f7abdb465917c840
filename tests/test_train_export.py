"""GGUF export of a merged adapter: the q/k permutation inverts transformers' own; a zero
LoRA merged and exported gives llama.cpp logits close to the base GGUF's; a non-zero LoRA
exported gives llama.cpp logits that follow the merged PyTorch model; the file loads in
the embedded backend's way and answers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from molsys_ai_jupyter.train.export import GGUF_NAMES, export_gguf, permute_qk, smoke_check

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj"]
TEXT = "<|im_start|>user\nHow do I count the atoms of a molecular system with molsysmt?<|im_end|>\n"


def test_permutation_inverts_the_one_transformers_applies_on_load():
    from transformers.modeling_gguf_pytorch_utils import LlamaTensorProcessor

    rng = np.random.default_rng(0)
    for n_head, n_kv, rows, tensor in ((9, 3, 576, "attn_q"), (9, 3, 192, "attn_k"), (32, 8, 1024, "attn_k")):
        w = rng.standard_normal((rows, 64)).astype(np.float32)
        processor = LlamaTensorProcessor(config={"num_attention_heads": n_head, "num_key_value_heads": n_kv})
        loaded = processor.process(w, f"blk.0.{tensor}.weight").weights  # what transformers does on load
        assert not np.array_equal(loaded, w)
        heads_kv = n_head if tensor == "attn_q" else n_kv
        assert np.array_equal(permute_qk(loaded, n_head, heads_kv), w)


@pytest.fixture(scope="module")
def base_model(shared_embedding_cache):
    import torch

    from molsys_ai_jupyter.train.base_model import load_base_model
    from molsys_ai_jupyter.train.config import ModelConfig

    torch.set_num_threads(1)
    return load_base_model(ModelConfig(dtype="float32"), shared_embedding_cache)


def _llama_logits(path, tokens):
    from llama_cpp import Llama

    llm = Llama(model_path=str(path), n_ctx=256, n_threads=1, logits_all=True, verbose=False)
    llm.eval(tokens)
    return np.array(llm.scores[: len(tokens)])


def _adapter(base_model, folder, scale: float):
    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)  # peft draws lora_A from the global generator: the same adapter in any test order
    model = get_peft_model(base_model, LoraConfig(r=4, lora_alpha=8, target_modules=TARGETS))
    if scale:
        gen = torch.Generator().manual_seed(0)
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.data = torch.randn(param.shape, generator=gen) * scale
    model.save_pretrained(str(folder))
    return model.merge_and_unload()  # base_model itself, merged (module-scoped: this test only)


def test_export_round_trips_through_llama_cpp(base_model, tmp_path, shared_embedding_cache):
    import torch
    from llama_cpp import Llama

    from molsys_ai_jupyter.llm.embedded import packaged_gguf

    probe = Llama(model_path=str(packaged_gguf()), n_ctx=256, n_threads=1, verbose=False, vocab_only=True)
    tokens = probe.tokenize(TEXT.encode(), add_bos=False, special=True)
    base_logits = _llama_logits(packaged_gguf(), tokens)

    # 1. a zero LoRA (peft's initialisation: B = 0) merges to the base itself
    _adapter(base_model, tmp_path / "zero", scale=0.0)
    result = export_gguf(tmp_path / "zero", tmp_path / "zero.gguf", shared_embedding_cache, tensor_type="f32")
    assert result["replaced"] == 30 * len(TARGETS) and result["tensors"] == 272
    zero_logits = _llama_logits(tmp_path / "zero.gguf", tokens)
    assert np.array_equal(zero_logits.argmax(-1), base_logits.argmax(-1))
    # the base runs Q4_1 matmuls on 8-bit-quantised activations, the export f32 ones: close, not equal
    assert np.abs(zero_logits - base_logits).mean() < 0.5, np.abs(zero_logits - base_logits).mean()
    assert np.corrcoef(zero_logits.ravel(), base_logits.ravel())[0, 1] > 0.999

    # 2. a non-zero LoRA: llama.cpp on the export follows the merged PyTorch model
    merged = _adapter(base_model, tmp_path / "lora", scale=1.0)
    with torch.no_grad():
        torch_logits = merged(torch.tensor([tokens])).logits[0].numpy()
    export_gguf(tmp_path / "lora", tmp_path / "lora.gguf", shared_embedding_cache, tensor_type="f32")
    lora_logits = _llama_logits(tmp_path / "lora.gguf", tokens)
    moved = np.abs(torch_logits - base_logits).mean()
    error = np.abs(lora_logits - torch_logits).mean()
    assert moved > 1.0, "the test LoRA should change the model"
    assert error < moved / 4, (error, moved)
    assert np.corrcoef(lora_logits.ravel(), torch_logits.ravel())[0, 1] > 0.99

    # 3. the embedded backend's way: load it and get a chat answer
    check = smoke_check(tmp_path / "lora.gguf")
    assert check["answer"].strip()
    meta = json.loads((tmp_path / "lora" / "adapter_config.json").read_text())
    assert set(meta["target_modules"]) == set(TARGETS) and set(TARGETS) <= set(GGUF_NAMES)
