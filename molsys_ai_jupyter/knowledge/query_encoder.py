"""The query side of the dense leg: the packaged MiniLM exported to ONNX and quantised
to int8 (ONNX Runtime, dynamic quantisation), built locally from the installed model by
``index build`` and kept in the embedding cache. Passages stay embedded by the full
model; only the query, one short text at a time, takes the fast path.

On the dev questions the int8 query encoder ranks the same pages as the full model
(dense recall@5 0.89 vs 0.86, MRR@10 0.67 vs 0.68) at about a fifth of the time per
query on one CPU thread; `docs/retrieval.md` has the figures.

Nothing here downloads anything: the export reads the model package's own files.

>>> from molsys_ai_jupyter.config import load_settings
>>> path = query_encoder_path(load_settings())
>>> path.name.startswith("minilm-l6-v2-query-int8")
True
"""

from __future__ import annotations

import os
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

from ..config import Settings
from .embedding import model_dir, offline
from .tokens import MODEL_MAX_TOKENS

offline()  # before haystack is imported: it reads its telemetry switch then
from haystack import component  # noqa: E402

ONNX_OPSET = 17


def query_encoder_path(settings: Settings) -> Path:
    """Where the int8 query encoder of the installed model lives (one per model and
    ONNX Runtime version, so an upgrade of either builds a new one)."""
    from .embedding import MODEL_PACKAGE

    tag = f"{version(MODEL_PACKAGE)}-ort{version('onnxruntime')}"
    return Path(settings.embedding_cache) / f"minilm-l6-v2-query-int8-{tag}.onnx"


def build_query_encoder(settings: Settings) -> Path:
    """Export the installed MiniLM (mean pooling and normalisation included) to ONNX and
    quantise its weights to int8; a no-op when it is already built. Written aside and
    renamed into place, so an interrupted build leaves nothing half-written."""
    target = query_encoder_path(settings)
    if target.is_file():
        return target
    offline()
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    class _Pooled(torch.nn.Module):
        """Token states → mean over the real tokens → unit length, as sentence-transformers does."""

        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):
            states = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(states.dtype)
            mean = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    target.parent.mkdir(parents=True, exist_ok=True)
    encoder = AutoModel.from_pretrained(str(model_dir()), attn_implementation="eager", local_files_only=True).eval()
    example = torch.ones((1, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with tempfile.TemporaryDirectory(dir=target.parent) as folder:
        full = Path(folder) / "full.onnx"
        with torch.no_grad():
            torch.onnx.export(_Pooled(encoder), (example, example, torch.zeros_like(example)), str(full),
                              input_names=["input_ids", "attention_mask", "token_type_ids"],
                              output_names=["embedding"], opset_version=ONNX_OPSET, dynamo=False,
                              dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes})
        quantised = Path(folder) / "int8.onnx"
        quantize_dynamic(str(full), str(quantised), weight_type=QuantType.QInt8)
        os.replace(quantised, target)
    return target


@component
class OnnxQueryEmbedder:
    """Embeds one query with the int8 ONNX export of MiniLM: the same output as
    Haystack's ``SentenceTransformersTextEmbedder`` (``embedding``: a unit-length list of
    384 floats), without torch at query time.

    ``model_path`` must exist (``build_query_encoder`` writes it); the tokenizer is the
    model package's own ``tokenizer.json``."""

    def __init__(self, model_path: str | Path, threads: int = 1):
        model_path = Path(model_path)
        if not model_path.is_file():
            raise FileNotFoundError(f"no query encoder at {model_path}: run `molsys-ai index build`")
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.model_path = model_path
        self.threads = threads
        self._session = None
        self._tokenizer = None

    def warm_up(self) -> None:
        if self._session is not None:
            return
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(str(self.model_path), options, providers=["CPUExecutionProvider"])
        tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
        tokenizer.no_padding()  # the file pads to 128 tokens; one query needs no padding
        tokenizer.enable_truncation(MODEL_MAX_TOKENS)  # special tokens included, as the full model
        self._tokenizer = tokenizer

    @component.output_types(embedding=list[float])
    def run(self, text: str) -> dict[str, Any]:
        import numpy as np

        self.warm_up()
        ids = np.asarray([self._tokenizer.encode(text).ids], dtype=np.int64)
        inputs = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        return {"embedding": self._session.run(None, inputs)[0][0].tolist()}
