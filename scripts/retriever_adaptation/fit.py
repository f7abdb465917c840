"""LoRA and full fine-tuning of MiniLM on the corpus pairs written by ``pairs.py``, each
variant evaluated, dense leg and hybrid, on the dev and the blind questions. Run it in
the folder ``pairs.py`` wrote (``OUT`` is where adapters and results.json go; ``CONFIGS``
picks variants, e.g. ``'["lora", 16, 3, 0.0002]'``)."""
import json, os, sys, time, math, random
import numpy as np, torch, torch.nn.functional as F
from transformers import AutoModel, AutoTokenizer

OUT = os.environ.get("OUT", "/tmp/out")
dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
AMP = dict(device_type="cuda", dtype=torch.bfloat16, enabled=torch.cuda.is_available())
HERE = os.path.dirname(os.path.abspath(__file__))
tok = AutoTokenizer.from_pretrained(f"{HERE}/minilm")
chunks = [json.loads(l) for l in open(f"{HERE}/chunks.jsonl")]
pairs = [json.loads(l) for l in open(f"{HERE}/pairs.jsonl")]
ev = json.load(open(f"{HERE}/eval.json"))
page_ids = np.array([i for i, c in enumerate(chunks) if not c["card"]])
paths = [c["path"] for c in chunks]


def load(dtype=torch.float32):
    return AutoModel.from_pretrained(f"{HERE}/minilm", torch_dtype=dtype).to(dev).float()


def encode(model, texts, bs=128, max_len=256):
    out = []
    model.eval()
    with torch.no_grad(), torch.autocast(**AMP):
        for i in range(0, len(texts), bs):
            b = tok(texts[i:i + bs], padding=True, truncation=True, max_length=max_len, return_tensors="pt").to(dev)
            h = model(**b).last_hidden_state.float()
            m = b["attention_mask"].unsqueeze(-1).float()
            out.append(F.normalize((h * m).sum(1) / m.sum(1).clamp(min=1e-9), dim=-1))
    return torch.cat(out)


def embed_train(model, texts, max_len=256):
    b = tok(texts, padding=True, truncation=True, max_length=max_len, return_tensors="pt").to(dev)
    h = model(**b).last_hidden_state
    m = b["attention_mask"].unsqueeze(-1).to(h.dtype)
    return F.normalize((h * m).sum(1) / m.sum(1).clamp(min=1e-9), dim=-1)


def collapse(ids, n=10):
    out = []
    for i in ids:
        p = paths[i]
        if p not in out:
            out.append(p)
        if len(out) >= n:
            break
    return out


def rrf(lists, k=60):
    s = {}
    for l in lists:
        for r, i in enumerate(l):
            s[i] = s.get(i, 0) + 1 / (k + r + 1)
    return [i for i, _ in sorted(s.items(), key=lambda x: -x[1])]


def evaluate(model):
    P = encode(model, [chunks[i]["passage"] for i in page_ids])
    res = {}
    for name, qs in ev.items():
        Q = encode(model, [q["expanded"] for q in qs])
        S = (Q @ P.T).cpu().numpy()
        rows = {"dense": [], "hybrid": []}
        for q, s in zip(qs, S):
            order = page_ids[np.argsort(-s)][:30]
            for mode, ranking in (("dense", collapse(order)), ("hybrid", collapse(rrf([list(order), q["bm25"]])))):
                first = next((j for j, p in enumerate(ranking) if p in q["gold"]), None)
                rows[mode].append((first is not None and first < 5, 1 / (first + 1) if first is not None else 0.0))
        for mode, r in rows.items():
            res[f"{name}_{mode}"] = (round(float(np.mean([x[0] for x in r])), 3), round(float(np.mean([x[1] for x in r])), 3))
    return res


def train(model, params, epochs, lr, bs=32, scale=20.0, seed=0):
    random.seed(seed); torch.manual_seed(seed)
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps = epochs * math.ceil(len(pairs) / bs)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / max(1, steps // 10)) * max(0.0, 1 - s / steps))
    model.train()
    for ep in range(epochs):
        order = list(range(len(pairs))); random.shuffle(order)
        for i in range(0, len(order), bs):
            batch = [pairs[j] for j in order[i:i + bs]]
            with torch.autocast(**AMP):
                q = embed_train(model, [b["query"] for b in batch], 64)
                d = embed_train(model, [b["positive"] for b in batch] + [b["negative"] for b in batch])
            logits = scale * q.float() @ d.float().T
            loss = F.cross_entropy(logits, torch.arange(len(batch), device=dev))
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    return model


results = {}
t0 = time.time()
base = load()
results["base"] = evaluate(base)
print("base", results["base"], flush=True)
from peft import LoraConfig, get_peft_model

configs = [("lora", 16, 3, 2e-4), ("lora", 16, 6, 2e-4), ("lora", 32, 6, 3e-4), ("lora", 16, 10, 1e-4), ("full", 0, 3, 2e-5), ("full", 0, 6, 2e-5)]
if os.environ.get("CONFIGS"):
    configs = [tuple(json.loads(x)) for x in os.environ["CONFIGS"].split(";")]
for kind, r, epochs, lr in configs:
    name = f"{kind}_r{r}_e{epochs}_lr{lr}"
    m = load()
    if kind == "lora":
        m = get_peft_model(m, LoraConfig(r=r, lora_alpha=2 * r, lora_dropout=0.1,
                                         target_modules=["query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense"]))
        params = [p for p in m.parameters() if p.requires_grad]
    else:
        params = list(m.parameters())
    t = time.time()
    train(m, params, epochs, lr)
    results[name] = evaluate(m)
    results[name]["seconds"] = round(time.time() - t, 1)
    print(name, results[name], flush=True)
    if kind == "lora":
        from peft import get_peft_model_state_dict
        from safetensors.torch import save_file
        save_file({k: v.detach().cpu().contiguous() for k, v in get_peft_model_state_dict(m).items()}, f"{OUT}/{name}.safetensors")
json.dump(results, open(f"{OUT}/results.json", "w"), indent=1)
print("total", time.time() - t0)
