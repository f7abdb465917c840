"""The planner's fine-tuning set and its plan accuracy.

``build``: the verified (request → plan) pairs of :mod:`.plan_dataset` as chat examples in
the very prompt the agent's ``model-plans`` design sends (:func:`..agent.model_planner.messages`:
the request, facts about the file and the reader's hints), the plan JSON as the answer.
Written as ``train.jsonl`` / ``heldout.jsonl`` rows (``id``, ``messages``) for ``train fit``.

``accuracy``: greedy plans of a model (optionally with a LoRA adapter) for held-out rows,
scored as exact plans (the same steps and arguments) and as valid JSON plans.

    python -m molsys_ai_jupyter.train.plan_sft build --plans DIR --structures DIR --out DIR
    python -m molsys_ai_jupyter.train.plan_sft accuracy --data DIR --base FILE.gguf [--adapter DIR] --json FILE
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
import warnings
from pathlib import Path


def _topologies(structures: Path):
    """files → (MDTraj topology, frames) of the structure files (both cached by the agent's readers)."""
    from ..agent.task_plan import topology_and_frames

    def facts(files: list[str]):
        found, frames = topology_and_frames(structures, files)
        return (found.topology if found else None), frames

    return facts


def example(record: dict, topology, n_frames) -> dict:
    """One chat example: the agent's prompt for the record's request, the plan as the answer."""
    from ..agent.model_planner import messages, target
    from ..agent.plan import Plan
    from ..agent.reader import understand

    understanding = understand(record["request"], record["files"], topology=topology, n_frames=n_frames)
    chat = messages(record["request"], record["files"], understanding, topology, n_frames)
    chat.append({"role": "assistant", "content": target(Plan.from_dict(record["plan"]))})
    ident = hashlib.sha1(json.dumps(chat, sort_keys=True).encode()).hexdigest()[:16]
    return {"id": ident, "messages": chat, "family": record.get("family", ""), "lang": record.get("lang", ""),
            "reader_ok": understanding.ok}


def build(plans: Path, structures: Path, out: Path) -> dict:
    facts = _topologies(Path(structures))
    out.mkdir(parents=True, exist_ok=True)
    stats = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for split, name in (("train", "plans_train.jsonl"), ("heldout", "plans_heldout.jsonl")):
            rows = [json.loads(line) for line in (plans / name).read_text(encoding="utf-8").splitlines() if line]
            examples = [example(r, *facts(r["files"])) for r in rows]
            with (out / f"{split}.jsonl").open("w", encoding="utf-8") as handle:
                for row in examples:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            stats[split] = {"examples": len(examples),
                            "reader_understood": round(sum(e["reader_ok"] for e in examples) / max(1, len(examples)), 4)}
    return stats


def _plan_of(text: str):
    from ..agent.plan import Plan

    try:
        return Plan.from_dict(json.loads(text)).to_dict()
    except (ValueError, TypeError, AttributeError):
        return None


def accuracy(rows: list[dict], model, tokenizer, batch_size: int = 32, max_new_tokens: int = 320) -> dict:
    """Greedy plans for ``rows`` (chat examples whose last message is the gold plan)."""
    import torch

    tokenizer.padding_side = "left"
    exact = valid = 0
    started = time.perf_counter()
    device = next(model.parameters()).device
    model.eval()
    for start in range(0, len(rows), batch_size):
        batch = rows[start:start + batch_size]
        prompts = [tokenizer.apply_chat_template(r["messages"][:-1], tokenize=False, add_generation_prompt=True)
                   for r in batch]
        encoded = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
        with torch.no_grad():
            generated = model.generate(**encoded, max_new_tokens=max_new_tokens, do_sample=False,
                                       pad_token_id=tokenizer.pad_token_id)
        for row, output in zip(batch, generated[:, encoded["input_ids"].shape[1]:], strict=False):
            text = tokenizer.decode(output, skip_special_tokens=True).strip()
            got = _plan_of(text)
            valid += got is not None
            exact += got is not None and got == json.loads(row["messages"][-1]["content"])
    n = len(rows)
    return {"examples": n, "exact_plan": round(exact / max(1, n), 4), "valid_plan": round(valid / max(1, n), 4),
            "seconds": round(time.perf_counter() - started, 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m molsys_ai_jupyter.train.plan_sft")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("--plans", required=True, type=Path)
    b.add_argument("--structures", required=True, type=Path)
    b.add_argument("--out", required=True, type=Path)
    a = sub.add_parser("accuracy")
    a.add_argument("--data", required=True, type=Path)
    a.add_argument("--base", required=True)
    a.add_argument("--adapter")
    a.add_argument("--limit", type=int, default=256)
    a.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "molsys-ai")
    a.add_argument("--json", dest="json_out")
    args = parser.parse_args(argv)
    if args.command == "build":
        result = build(args.plans, args.structures, args.out)
    else:
        import torch

        from .base_model import load_base_model, load_tokenizer
        from .config import ModelConfig

        rows = [json.loads(line) for line in (args.data / "heldout.jsonl").read_text(encoding="utf-8").splitlines()
                if line][: args.limit]
        device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = "bfloat16" if device == "cuda" else "float32"
        model = load_base_model(ModelConfig(base=args.base, dtype=dtype), args.cache).to(device)
        if args.adapter:
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, args.adapter).to(device)
        result = accuracy(rows, model, load_tokenizer(args.base, args.cache))
        result.update(base=Path(args.base).name, adapter=bool(args.adapter), device=device)
    text = json.dumps(result, indent=2)
    print(text)
    if getattr(args, "json_out", None):
        Path(args.json_out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
