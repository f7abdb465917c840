"""Adapt MiniLM to the MolSysSuite docs with LoRA (and, for reference, full fine-tuning),
each variant measured as the retriever ranks: dense leg top 30 and BM25 leg top 30, pages
fused by min-max rescaled scores (0.5 / 0.5), named projects moved up. Chosen on dev + A."""
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from transformers import AutoModel, AutoTokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ranking import PageRanker  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
D = os.environ.get("DATA", f"{HERE}/data")  # what pairs.py exported
OUT = os.environ.get("OUT", "/tmp/out")
dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
tok = AutoTokenizer.from_pretrained(f"{D}/minilm")
chunks = [json.loads(line) for line in open(f"{D}/chunks.jsonl")]
ev = json.load(open(f"{D}/eval.json"))
ranker = PageRanker(chunks)
TARGETS = ("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense")


def load():
    return AutoModel.from_pretrained(f"{D}/minilm", torch_dtype=torch.float32).to(dev)


def encode(model, texts, bs=256, max_len=256):
    out = []
    model.eval()
    with torch.no_grad():
        for i in range(0, len(texts), bs):
            b = tok(texts[i:i + bs], padding=True, truncation=True, max_length=max_len, return_tensors="pt").to(dev)
            h = model(**b).last_hidden_state
            m = b["attention_mask"].unsqueeze(-1).float()
            out.append(F.normalize((h * m).sum(1) / m.sum(1).clamp(min=1e-9), dim=-1))
    return torch.cat(out)


def evaluate(model):
    P = encode(model, [c["passage"] for c in chunks])
    res = {}
    for name, qs in ev.items():
        S = (encode(model, [q["expanded"] for q in qs]) @ P.T).cpu().numpy()
        for mode in ("dense", "hybrid"):
            res[f"{name}_{mode}"] = list(ranker.measure(S, qs, mode))
    return res


class LoRA(nn.Module):
    def __init__(self, base: nn.Linear, r: int, alpha: float):
        super().__init__()
        self.base = base
        self.scale = alpha / r
        self.A = nn.Parameter(torch.randn(r, base.in_features, device=base.weight.device) / math.sqrt(base.in_features))
        self.B = nn.Parameter(torch.zeros(base.out_features, r, device=base.weight.device))
    def forward(self, x):
        return self.base(x) + (x @ self.A.T @ self.B.T) * self.scale


def add_lora(model, r):
    for p in model.parameters():
        p.requires_grad_(False)
    wrapped = {}
    for name, module in list(model.named_modules()):
        for child_name, child in list(module.named_children()):
            full = f"{name}.{child_name}" if name else child_name
            if isinstance(child, nn.Linear) and any(full.endswith(t) for t in TARGETS):
                lora = LoRA(child, r, 2 * r)
                setattr(module, child_name, lora)
                wrapped[full] = lora
    return wrapped


def embed_train(model, texts, max_len=256):
    b = tok(texts, padding=True, truncation=True, max_length=max_len, return_tensors="pt").to(dev)
    h = model(**b).last_hidden_state
    m = b["attention_mask"].unsqueeze(-1).to(h.dtype)
    return F.normalize((h * m).sum(1) / m.sum(1).clamp(min=1e-9), dim=-1)


def train(model, params, pairs, epochs, lr, bs=32, scale=20.0, seed=0):
    random.seed(seed)
    torch.manual_seed(seed)
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps = epochs * math.ceil(len(pairs) / bs)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / max(1, steps // 10)) * max(0.0, 1 - s / steps))
    model.train()
    for _ in range(epochs):
        order = list(range(len(pairs)))
        random.shuffle(order)
        for i in range(0, len(order), bs):
            batch = [pairs[j] for j in order[i:i + bs]]
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=dev.type == "cuda"):
                q = embed_train(model, [b["query"] for b in batch], 64)
                d = embed_train(model, [b["positive"] for b in batch] + [b["negative"] for b in batch])
            loss = F.cross_entropy(scale * q.float() @ d.float().T, torch.arange(len(batch), device=dev))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()


def score(res):  # the choice: mean of dev and A hybrid MRR@10 and recall@5
    return sum(res[f"{s}_hybrid"][0] + res[f"{s}_hybrid"][1] for s in ("dev", "A"))


results = {"device": str(torch.cuda.get_device_name(0)) if dev.type == "cuda" else "cpu"}
t0 = time.time()
results["base"] = evaluate(load())
print("base", results["base"], round(time.time() - t0, 1), flush=True)
if os.environ.get("EVAL_ONLY"):
    sys.exit()
configs = [json.loads(x) for x in os.environ.get("CONFIGS", "").split(";") if x] or [
    [data, "lora", r, ep, lr] for data in ("excl", "all") for r in (8, 16) for ep in (1, 3, 6) for lr in (1e-4, 3e-4)] + [
    [data, "full", 0, ep, 2e-5] for data in ("excl", "all") for ep in (1, 3)]
best = {}
for data, kind, r, epochs, lr in configs:
    pairs = [json.loads(line) for line in open(f"{D}/pairs_{data}.jsonl")]
    name = f"{data}_{kind}_r{r}_e{epochs}_lr{lr}"
    m = load()
    t = time.time()
    if kind == "lora":
        wrapped = add_lora(m, r)
        params = [p for layer in wrapped.values() for p in (layer.A, layer.B)]
    else:
        params = list(m.parameters())
    train(m, params, pairs, epochs, lr)
    res = evaluate(m)
    res["seconds"] = round(time.time() - t, 1)
    res["pairs"] = len(pairs)
    results[name] = res
    print(name, res, flush=True)
    json.dump(results, open(f"{OUT}/results.json", "w"), indent=1)
    if kind == "lora" and score(res) > best.get(data, (-1,))[0]:
        best[data] = (score(res), name)
        from safetensors.torch import save_file
        save_file({f"{k}.{p}": getattr(layer, p).detach().float().cpu().contiguous() for k, layer in wrapped.items() for p in ("A", "B")},
                  f"{OUT}/best_{data}.safetensors", metadata={"name": name, "r": str(r), "alpha": str(2 * r)})
results["best"] = best
json.dump(results, open(f"{OUT}/results.json", "w"), indent=1)
print("best", best, "total", round(time.time() - t0, 1))
