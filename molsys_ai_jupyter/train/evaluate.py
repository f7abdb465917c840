"""Held-out loss and perplexity (on the assistant's tokens only), and the before/after
comparison of a base model and the same model with a trained adapter."""

from __future__ import annotations

import math
import time


def heldout_loss(model, encoded: list[dict], pad_id: int, batch_size: int = 8, device=None) -> dict:
    """Token-weighted mean loss over the answer tokens of ``encoded`` examples."""
    import torch

    from .encode import IGNORE_INDEX, collate

    if not encoded:
        return {"loss": float("nan"), "perplexity": float("nan"), "examples": 0, "tokens": 0}
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]["input_ids"]))
    started = time.perf_counter()
    with torch.no_grad():
        for start in range(0, len(order), batch_size):
            batch = collate([encoded[i] for i in order[start:start + batch_size]], pad_id)
            batch = {k: v.to(device) for k, v in batch.items()}
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
            shift_logits = logits[:, :-1].float()
            shift_labels = batch["labels"][:, 1:]
            loss = torch.nn.functional.cross_entropy(
                shift_logits.reshape(-1, shift_logits.size(-1)), shift_labels.reshape(-1),
                ignore_index=IGNORE_INDEX, reduction="sum",
            )
            total += float(loss)
            count += int((shift_labels != IGNORE_INDEX).sum())
    if was_training:
        model.train()
    mean = total / max(1, count)
    return {
        "loss": round(mean, 4),
        "perplexity": round(math.exp(min(mean, 50.0)), 3),
        "examples": len(encoded),
        "tokens": count,
        "seconds": round(time.perf_counter() - started, 1),
    }


def compare_adapter(config, settings, adapter_dir, data_file, limit: int = 0, batch_size: int = 8) -> dict:
    """Held-out loss of the base, then of base + adapter, on the same examples."""
    from pathlib import Path

    import torch
    from peft import PeftModel

    from .base_model import load_base_model, load_tokenizer
    from .dataset import read_split
    from .encode import encode_rows

    rows = read_split(Path(data_file))
    rows = sorted(rows, key=lambda r: r["id"])[:limit] if limit else rows
    tokenizer = load_tokenizer(config.model.base, settings.cache_dir)
    encoded = encode_rows(rows, tokenizer, config.train.max_seq_len)
    device = "cuda" if torch.cuda.is_available() and config.train.device != "cpu" else "cpu"
    if device == "cpu" and config.train.cpu_threads:
        torch.set_num_threads(config.train.cpu_threads)
    model = load_base_model(config.model, settings.cache_dir).to(device)
    before = heldout_loss(model, encoded, tokenizer.pad_token_id, batch_size, device)
    model = PeftModel.from_pretrained(model, str(adapter_dir)).to(device)
    after = heldout_loss(model, encoded, tokenizer.pad_token_id, batch_size, device)
    return {
        "data": str(data_file),
        "adapter": str(adapter_dir),
        "base": config.model.base,
        "before": before,
        "after": after,
        "loss_change": round(after["loss"] - before["loss"], 4),
        "perplexity_ratio": round(after["perplexity"] / before["perplexity"], 4),
    }
