"""Adapt the query side of MiniLM to the MolSysSuite docs, on a CPU, and measure each
variant as the retriever ranks (``ranking.PageRanker``).

The passages stay the base model's vectors, as the index holds them, so an adapter that
ships changes only the query encoder: the index, its embedding cache and the passage
export are untouched. Because the passages are frozen, each training question is scored
against every passage of the corpus at once: the loss is the softmax over all of them,
with every passage of the question's page counted as right (a page ranks by its best
passage).

Two kinds of adapter:

- ``linear``: a 384 × 384 map applied to the base query vector (then unit length),
  started at the identity and pulled back towards it (``decay``);
- ``lora``: rank-r updates of the encoder's linear layers (``peft``), for queries only.

Inputs (``DATA``, written by ``pairs.py``): ``chunks.jsonl``, ``eval.json``, ``minilm/``
and ``written_{excl,all}.jsonl`` (the written questions, expanded as the retriever
expands a query). ``excl`` has no question about a page that any evaluation question
cites, so the figures it gives are honest; ``all`` is what a shipped adapter is trained on.

    DATA=dir python scripts/retriever_adaptation/query_adapter.py [variant.json ...]
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from transformers import AutoModel, AutoTokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ranking import PageRanker  # noqa: E402

D = os.environ.get("DATA", "/tmp/adapt")
OUT = os.environ.get("OUT", D)
SETS_CHOSEN_ON = ("dev", "A")
torch.set_num_threads(int(os.environ.get("THREADS", "2")))
tok = AutoTokenizer.from_pretrained(f"{D}/minilm")
chunks = [json.loads(line) for line in open(f"{D}/chunks.jsonl")]
ev = json.load(open(f"{D}/eval.json"))
ranker = PageRanker(chunks)
text_chunks = np.array([not c["card"] for c in chunks])
page_of = [c["path"] for c in chunks]


def load():
    return AutoModel.from_pretrained(f"{D}/minilm", torch_dtype=torch.float32).eval()


def encode(model, texts, bs=64, max_len=256, grad=False):
    out = []
    for i in range(0, len(texts), bs):
        b = tok(texts[i:i + bs], padding=True, truncation=True, max_length=max_len, return_tensors="pt")
        with torch.set_grad_enabled(grad):
            h = model(**b).last_hidden_state
            m = b["attention_mask"].unsqueeze(-1).float()
            out.append(F.normalize((h * m).sum(1) / m.sum(1).clamp(min=1e-9), dim=-1))
    return torch.cat(out)


QUERY_ONNX = os.environ.get("QUERY_ONNX")  # the retriever's int8 query export: queries embedded as it embeds them


def encode_queries(texts):
    if not QUERY_ONNX:
        return encode(base, texts, max_len=64)
    from molsys_ai_jupyter.knowledge.onnx_encoder import OnnxQueryEmbedder

    embedder = OnnxQueryEmbedder(QUERY_ONNX)
    return torch.tensor([embedder.run(text=t)["embedding"] for t in texts], dtype=torch.float32)


def cached(name, make):
    if QUERY_ONNX and not name.startswith("passages"):
        name += "_int8"
    path = f"{D}/{name}.npy"
    if not os.path.exists(path):
        np.save(path, make().numpy())
    return torch.from_numpy(np.load(path))


base = load()
P = cached("passages_base", lambda: encode(base, [c["passage"] for c in chunks]))
P_text = P[torch.from_numpy(text_chunks)]
text_index = np.flatnonzero(text_chunks)
Q_eval = {name: cached(f"queries_{name}", lambda qs=qs: encode_queries([q["expanded"] for q in qs]))
          for name, qs in ev.items()}


def training(data: str, leave_out: frozenset = frozenset()):
    rows = [json.loads(line) for line in open(f"{D}/written_{data}.jsonl")]
    rows = [r for r in rows if r["page"] not in leave_out]
    positives = []
    for r in rows:
        mask = np.array([page_of[i] == r["page"] for i in text_index])
        positives.append(torch.from_numpy(mask))
    keep = [n for n, m in enumerate(positives) if bool(m.any())]
    return [rows[n]["expanded"] for n in keep], [positives[n] for n in keep]


def loss_of(q, positives, scale):
    s = scale * q @ P_text.T
    mask = torch.stack(positives)
    right = torch.logsumexp(s.masked_fill(~mask, -1e4), dim=1)
    return (torch.logsumexp(s, dim=1) - right).mean()


def measure(query_vectors: dict) -> dict:
    res = {}
    for name, qs in ev.items():
        S = (query_vectors[name] @ P.T).numpy()
        for mode in ("dense", "hybrid"):
            res[f"{name}_{mode}"] = list(ranker.measure(S, qs, mode))
    return res


def fit_linear(texts, positives, epochs, lr, decay, scale, seed=0):
    torch.manual_seed(seed)
    key = hashlib.sha1("\n".join(texts).encode()).hexdigest()[:10]
    Q = cached(f"train_{len(texts)}_{key}", lambda: encode_queries(texts))
    W = torch.nn.Parameter(torch.eye(P.shape[1]))
    opt = torch.optim.AdamW([W], lr=lr, weight_decay=0.0)
    order = list(range(len(texts)))
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(order)
        for i in range(0, len(order), 64):
            idx = order[i:i + 64]
            q = F.normalize(Q[idx] @ W.T, dim=-1)
            loss = loss_of(q, [positives[j] for j in idx], scale) + decay * ((W - torch.eye(W.shape[0])) ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
    W = W.detach()
    return {name: F.normalize(Q_eval[name] @ W.T, dim=-1) for name in ev}, {"W": W}


def fit_lora(texts, positives, epochs, lr, r, scale, seed=0):
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    # every linear layer of the encoder: attention's query, key, value and dense, and the feed-forward's
    model = get_peft_model(load(), LoraConfig(r=r, lora_alpha=2 * r, lora_dropout=0.0,
                                              target_modules=["query", "key", "value", "dense"]))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    order = list(range(len(texts)))
    rng = random.Random(seed)
    model.train()
    for _ in range(epochs):
        rng.shuffle(order)
        for i in range(0, len(order), 32):
            idx = order[i:i + 32]
            q = encode(model, [texts[j] for j in idx], bs=32, max_len=64, grad=True)
            loss = loss_of(q, [positives[j] for j in idx], scale)
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    vectors = {name: encode(model, [q["expanded"] for q in qs], max_len=64) for name, qs in ev.items()}
    weights = {k: v.detach() for k, v in model.state_dict().items() if "lora_" in k}
    return vectors, weights


def fold_of(page: str, folds: int) -> int:
    return int(hashlib.sha1(page.encode()).hexdigest()[:8], 16) % folds


def heldout_pages(v: dict, folds: int = 5) -> dict:
    """Questions about pages nobody wrote a training question for: the pages are split
    into ``folds`` groups; each group's evaluation questions (by their first gold page) are
    measured with an adapter trained without any question about that group's pages."""
    pages = {c["path"] for c in chunks}
    S = {name: np.zeros((len(qs), len(chunks)), dtype=np.float32) for name, qs in ev.items()}
    for f in range(folds):
        out = frozenset(p for p in pages if fold_of(p, folds) == f)
        texts, positives = training(v["data"], out)
        vectors, _ = fit_linear(texts, positives, v["epochs"], v["lr"], v.get("decay", 0.0), v.get("scale", 20.0))
        for name, qs in ev.items():
            rows = [n for n, q in enumerate(qs) if fold_of(q["gold"][0], folds) == f]
            S[name][rows] = (vectors[name][rows] @ P.T).numpy()
    return {f"{name}_{mode}": list(ranker.measure(S[name], qs, mode)) for name, qs in ev.items()
            for mode in ("dense", "hybrid")}


def chosen_score(res):
    return sum(res[f"{s}_hybrid"][0] + res[f"{s}_hybrid"][1] for s in SETS_CHOSEN_ON)


def main(variants):
    results = {"base": measure(Q_eval)}
    print("base", json.dumps(results["base"]), flush=True)
    for v in variants:
        texts, positives = training(v["data"])
        t = time.time()
        if v["kind"] == "linear":
            vectors, weights = fit_linear(texts, positives, v["epochs"], v["lr"], v.get("decay", 0.0), v.get("scale", 20.0))
        else:
            vectors, weights = fit_lora(texts, positives, v["epochs"], v["lr"], v.get("r", 8), v.get("scale", 20.0))
        res = measure(vectors)
        res.update(seconds=round(time.time() - t, 1), questions=len(texts), score=round(chosen_score(res), 3))
        name = "_".join(f"{k}{v[k]}" for k in sorted(v))
        results[name] = res
        print(name, json.dumps(res), flush=True)
        if v.get("heldout_pages"):
            results[name + "_heldout_pages"] = heldout_pages(v, v["heldout_pages"])
            print(name + "_heldout_pages", json.dumps(results[name + "_heldout_pages"]), flush=True)
        if v.get("ship"):  # the package's file: the map in float16, one row per output dimension
            np.save(v["ship"], weights["W"].numpy().astype(np.float16))
        if v.get("save"):
            from safetensors.torch import save_file

            save_file({k: w.contiguous() for k, w in weights.items()}, f"{OUT}/{v['save']}",
                      metadata={"variant": json.dumps(v)})
    json.dump(results, open(f"{OUT}/query_adapter_results.json", "w"), indent=1)


if __name__ == "__main__":
    main([json.loads(a) for a in sys.argv[1:]])
