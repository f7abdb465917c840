"""LoRA fine-tuning: a plain PyTorch loop with peft, run through ``accelerate`` so the same
code does one CPU, one GPU or data parallelism over several GPUs
(``accelerate launch --num_processes N`` / ``torchrun``).

What a run leaves in its output folder:

- ``log.jsonl``: one line per logged step (loss on the assistant tokens, learning rate,
  tokens, tokens/s, seconds) and per evaluation (held-out loss, perplexity);
- ``checkpoints/step-N/``: adapter, optimiser, scheduler and RNG state (``--resume``
  continues from the latest; the two newest are kept);
- ``adapter/``: the final LoRA adapter (peft format), and ``run.json``: the summary.

Fixed seeds: the data order, the adapter's initialisation and dropout come from
``train.seed``; the same config and data give the same run.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import MolsysAIError
from .config import TrainConfig
from .dataset import read_split

KEEP_CHECKPOINTS = 2


@dataclass
class FitPaths:
    data_dir: Path
    out_dir: Path

    @property
    def log(self) -> Path:
        return self.out_dir / "log.jsonl"

    @property
    def checkpoints(self) -> Path:
        return self.out_dir / "checkpoints"

    @property
    def adapter(self) -> Path:
        return self.out_dir / "adapter"


def _pick_rows(rows: list[dict], limit: int) -> list[dict]:
    rows = sorted(rows, key=lambda r: r["id"])  # ids are hashes: a fixed, mixed order
    return rows[:limit] if limit else rows


def micro_batches(lengths: list[int], micro_batch: int, world: int, seed: int, epoch: int) -> list[list[int]]:
    """The micro-batches of one epoch (each ``micro_batch × world`` indices): shuffled with
    (seed, epoch), then grouped by length inside windows of 64 batches so that padding
    stays small; the batch order is shuffled again."""
    rng = random.Random(seed * 1000 + epoch)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    size = micro_batch * world
    window = size * 64
    batches = []
    for start in range(0, len(order), window):
        part = sorted(order[start:start + window], key=lambda i: lengths[i])
        batches.extend(part[i:i + size] for i in range(0, len(part), size))
    batches = [b for b in batches if len(b) == size] or batches[:1]
    rng.shuffle(batches)
    return batches


def lr_lambda(step: int, warmup: int, total: int) -> float:
    """Linear warm-up, then cosine decay to 10 % of the peak."""
    if warmup and step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return 0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * progress))


def _latest_checkpoint(folder: Path) -> Path | None:
    found = sorted(folder.glob("step-*"), key=lambda p: int(p.name.split("-")[1])) if folder.is_dir() else []
    found = [p for p in found if (p / "state.json").is_file()]
    return found[-1] if found else None


def _device_choice(config: TrainConfig) -> str:
    import torch

    wanted = config.train.device
    if wanted == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if wanted == "cuda" and not torch.cuda.is_available():
        raise MolsysAIError(f"config {config.name} needs a CUDA GPU and none is visible",
                            "use the smollm2-cpu-smoke config here, or run it on a GPU machine")
    return wanted


def fit(config: TrainConfig, paths: FitPaths, cache_dir: Path, *, resume: bool = False,
        max_steps: int | None = None, progress=print) -> dict:
    t_cfg = config.train
    # the data first: a missing dataset is one error line before the heavy imports
    train_rows = _pick_rows(read_split(paths.data_dir / "train.jsonl"), t_cfg.max_train_examples)
    heldout_rows = _pick_rows(read_split(paths.data_dir / "heldout.jsonl"), t_cfg.eval_examples)

    import torch
    from accelerate import Accelerator
    from accelerate.utils import set_seed
    from peft import LoraConfig, get_peft_model, set_peft_model_state_dict

    from .base_model import load_base_model, load_tokenizer
    from .encode import encode_rows
    from .evaluate import heldout_loss

    device = _device_choice(config)
    if device == "cpu" and t_cfg.cpu_threads:
        torch.set_num_threads(t_cfg.cpu_threads)
    mixed = "fp16" if device == "cuda" and config.model.dtype == "float16" else "no"
    accelerator = Accelerator(cpu=device == "cpu", mixed_precision=mixed)
    if accelerator.num_processes != config.hardware.num_processes:
        raise MolsysAIError(
            f"config {config.name} is for {config.hardware.num_processes} process(es), "
            f"this run has {accelerator.num_processes}",
            f"start it with accelerate launch --num_processes {config.hardware.num_processes} "
            "-m molsys_ai_jupyter.cli.main train fit …")
    main = accelerator.is_main_process
    say = progress if main else (lambda *a, **k: None)
    set_seed(t_cfg.seed)

    started = time.perf_counter()
    device_map = {"": accelerator.local_process_index} if config.model.quantization == "nf4" else None
    with accelerator.main_process_first():  # the first process fills the converted-base cache
        tokenizer = load_tokenizer(config.model.base, cache_dir)
        model = load_base_model(config.model, cache_dir, device_map=device_map)
    train_set = encode_rows(train_rows, tokenizer, t_cfg.max_seq_len)
    eval_set = encode_rows(heldout_rows, tokenizer, t_cfg.max_seq_len)
    if not train_set:
        raise MolsysAIError(f"no training examples in {paths.data_dir / 'train.jsonl'}")
    load_s = time.perf_counter() - started
    if config.model.quantization == "nf4":
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=config.model.gradient_checkpointing)
    elif config.model.gradient_checkpointing:
        model.gradient_checkpointing_enable()
        model.enable_input_require_grads()
    model.config.use_cache = False
    n_base = sum(p.numel() for p in model.parameters())
    model = get_peft_model(model, LoraConfig(
        r=config.lora.r, lora_alpha=config.lora.alpha, lora_dropout=config.lora.dropout,
        target_modules=list(config.lora.target_modules), task_type="CAUSAL_LM"))
    n_trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                                  lr=t_cfg.learning_rate, weight_decay=t_cfg.weight_decay)

    world = accelerator.num_processes
    per_epoch = len(micro_batches([len(x["input_ids"]) for x in train_set], t_cfg.micro_batch_size, world,
                                  t_cfg.seed, 0))
    steps_per_epoch = max(1, per_epoch // t_cfg.grad_accum)
    total_steps = max_steps or t_cfg.max_steps or max(1, math.ceil(t_cfg.epochs * steps_per_epoch))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: lr_lambda(s, t_cfg.warmup_steps, total_steps))
    model, optimizer = accelerator.prepare(model, optimizer)

    start_step = 0
    checkpoint = _latest_checkpoint(paths.checkpoints) if resume else None
    if resume and checkpoint is None:
        say(f"no checkpoint in {paths.checkpoints}: starting from step 0")
    if checkpoint is not None:
        from safetensors.torch import load_file

        state = json.loads((checkpoint / "state.json").read_text())
        set_peft_model_state_dict(accelerator.unwrap_model(model),
                                  load_file(str(checkpoint / "adapter" / "adapter_model.safetensors")))
        optimizer.load_state_dict(torch.load(checkpoint / "optimizer.pt", map_location="cpu", weights_only=True))
        scheduler.load_state_dict(torch.load(checkpoint / "scheduler.pt", map_location="cpu", weights_only=True))
        torch.set_rng_state(torch.load(checkpoint / "rng.pt", weights_only=False))
        start_step = state["step"]
        say(f"resumed from {checkpoint} (step {start_step})")
    elif main:
        paths.out_dir.mkdir(parents=True, exist_ok=True)
        paths.log.write_text("")  # a fresh run starts a fresh log
    accelerator.wait_for_everyone()

    def log(record: dict) -> None:
        if main:
            with open(paths.log, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")

    def evaluate(step: int) -> dict:
        unwrapped = accelerator.unwrap_model(model)
        result = heldout_loss(unwrapped, eval_set, tokenizer.pad_token_id, batch_size=max(1, t_cfg.micro_batch_size),
                              device=accelerator.device) if main else {}
        if main:
            log({"event": "eval", "step": step, **result})
            say(f"  step {step}: held-out loss {result['loss']} (perplexity {result['perplexity']}, "
                f"{result['examples']} examples)")
        return result

    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    say(f"{config.name}: {len(train_set)} training examples, {len(eval_set)} held-out; "
        f"{total_steps} steps of {config.effective_batch_size} sequences on {device} × {world}; "
        f"trainable {n_trainable:,} of {n_base:,} parameters (loaded in {load_s:.1f} s)")
    before = evaluate(start_step) if start_step == 0 and eval_set else None
    if start_step == 0:
        log({"event": "start", "config": config.to_dict(), "train_examples": len(train_set),
             "heldout_examples": len(eval_set), "total_steps": total_steps, "trainable_params": n_trainable,
             "base_params": n_base, "device": device, "world": world})

    lengths = [len(x["input_ids"]) for x in train_set]
    from .encode import collate

    def batch_stream(first_micro: int):
        """Micro-batches from global micro-batch ``first_micro`` on, over epochs."""
        index = 0
        epoch = 0
        while True:
            epoch_batches = micro_batches(lengths, t_cfg.micro_batch_size, world, t_cfg.seed, epoch)
            for indices in epoch_batches:
                if index >= first_micro:
                    mine = indices[accelerator.process_index::world]
                    yield collate([train_set[i] for i in mine], tokenizer.pad_token_id)
                index += 1
            epoch += 1

    stream = batch_stream(start_step * t_cfg.grad_accum)
    model.train()
    run_started = time.perf_counter()
    window_tokens, window_time, losses = 0, 0.0, []
    step = start_step
    last_loss = None
    while step < total_steps:
        t0 = time.perf_counter()
        loss_sum = torch.zeros((), device=accelerator.device)
        label_count = torch.zeros((), device=accelerator.device)
        tokens = torch.zeros((), device=accelerator.device)
        for micro in range(t_cfg.grad_accum):
            batch = {k: v.to(accelerator.device) for k, v in next(stream).items()}
            n_labels = (batch["labels"][:, 1:] != -100).sum()
            sync = micro == t_cfg.grad_accum - 1
            context = accelerator.no_sync(model) if not sync and world > 1 else _null()
            with context:
                out = model(**batch)
                accelerator.backward(out.loss / t_cfg.grad_accum)
            loss_sum += out.loss.detach().float() * n_labels
            label_count += n_labels
            tokens += batch["attention_mask"].sum()
        if t_cfg.max_grad_norm:
            accelerator.clip_grad_norm_(model.parameters(), t_cfg.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        loss_sum, label_count, tokens = (accelerator.reduce(x, "sum") for x in (loss_sum, label_count, tokens))
        if device == "cuda":
            torch.cuda.synchronize()
        dt = time.perf_counter() - t0
        last_loss = float(loss_sum / label_count.clamp(min=1))
        losses.append(last_loss)
        window_tokens += int(tokens)
        window_time += dt
        if step % t_cfg.log_every == 0 or step == total_steps or step == start_step + 1:
            record = {"event": "step", "step": step, "loss": round(last_loss, 4),
                      "lr": scheduler.get_last_lr()[0], "tokens": int(tokens),
                      "tokens_per_s": round(window_tokens / max(window_time, 1e-9), 1),
                      "elapsed_s": round(time.perf_counter() - run_started, 1)}
            log(record)
            say(f"  step {step}/{total_steps}: loss {record['loss']:.4f}  {record['tokens_per_s']:.0f} tokens/s")
            window_tokens, window_time = 0, 0.0
        if t_cfg.eval_every and step % t_cfg.eval_every == 0 and step < total_steps and eval_set:
            evaluate(step)
        if (t_cfg.save_every and step % t_cfg.save_every == 0) or step == total_steps:
            _save_checkpoint(accelerator, model, optimizer, scheduler, paths, step)

    train_seconds = time.perf_counter() - run_started
    after = evaluate(step) if eval_set else None
    summary = {
        "config": config.name,
        "base": config.model.base,
        "device": device,
        "world": world,
        "steps": step,
        "resumed_from": start_step,
        "train_examples": len(train_set),
        "heldout_examples": len(eval_set),
        "trainable_params": n_trainable,
        "base_params": n_base,
        "train_seconds": round(train_seconds, 1),
        "loss": _curve(losses),
        "heldout_before": before,
        "heldout_after": after,
        "adapter": str(paths.adapter),
        "log": str(paths.log),
    }
    summary.update(_throughput(paths.log, n_base, device, world))
    if device == "cuda":
        summary["peak_memory_gb"] = round(torch.cuda.max_memory_allocated() / 1e9, 2)
        summary["gpu"] = torch.cuda.get_device_name()
    if main:
        accelerator.unwrap_model(model).save_pretrained(str(paths.adapter))
        (paths.out_dir / "run.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    accelerator.wait_for_everyone()
    if world > 1:
        torch.distributed.destroy_process_group()
    summary["main_process"] = main
    return summary


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _curve(losses: list[float]) -> dict:
    if not losses:
        return {}
    picks = sorted({0, len(losses) // 4, len(losses) // 2, 3 * len(losses) // 4, len(losses) - 1})
    return {"first": round(losses[0], 4), "last": round(losses[-1], 4), "min": round(min(losses), 4),
            "points": {str(i + 1): round(losses[i], 4) for i in picks}}


def _throughput(log_path: Path, n_params: int, device: str, world: int = 1) -> dict:
    """Mean tokens/s (all workers) over the logged steps after the first (warm-up) one, the
    model FLOP/s it implies (6 · N · tokens/s, N = the base's parameters) and, on CUDA, the
    MFU against ``world`` GPUs of 989 TFLOP/s (dense bf16 of an H100/H200)."""
    rows = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()] if log_path.is_file() else []
    steps = [r for r in rows if r.get("event") == "step"][1:]
    if not steps:
        return {}
    rate = sum(r["tokens_per_s"] for r in steps) / len(steps)
    out = {"tokens_per_s": round(rate, 1), "model_tflops": round(6 * n_params * rate / 1e12, 3)}
    if device == "cuda":
        out["mfu_vs_989_tflops_bf16"] = round(6 * n_params * rate / (989e12 * world), 5)
    return out


def _save_checkpoint(accelerator, model, optimizer, scheduler, paths: FitPaths, step: int) -> None:
    import torch

    accelerator.wait_for_everyone()
    if not accelerator.is_main_process:
        return
    folder = paths.checkpoints / f"step-{step}"
    folder.mkdir(parents=True, exist_ok=True)
    accelerator.unwrap_model(model).save_pretrained(str(folder / "adapter"))
    torch.save(optimizer.state_dict(), folder / "optimizer.pt")
    torch.save(scheduler.state_dict(), folder / "scheduler.pt")
    torch.save(torch.get_rng_state(), folder / "rng.pt")
    (folder / "state.json").write_text(json.dumps({"step": step}) + "\n")
    old = sorted(paths.checkpoints.glob("step-*"), key=lambda p: int(p.name.split("-")[1]))[:-KEEP_CHECKPOINTS]
    for path in old:
        shutil.rmtree(path, ignore_errors=True)
