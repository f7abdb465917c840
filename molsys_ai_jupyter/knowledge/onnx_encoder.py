"""The packaged MiniLM exported to ONNX, built locally from the installed model by
``index build`` and kept in the embedding cache, in two forms:

- **fp32**, for passages: ``index build`` embeds the corpus with it in batches of
  similar length (the same vectors as the sentence-transformers model to within 1e-6,
  about 1.6 times faster on two cores), so the embedding cache is shared with it;
- **int8** (ONNX Runtime dynamic quantisation), for queries: one short text at a time,
  about a fifth of the full model's time per query on one CPU thread. On the dev
  questions it ranks the same pages as the full model (dense recall@5 0.89 vs 0.86,
  MRR@10 0.67 vs 0.68); `docs/retrieval.md` has the figures.

Nothing here downloads anything: the export reads the model package's own files.

>>> from molsys_ai_jupyter.config import load_settings
>>> paths = encoder_paths(load_settings())
>>> paths.queries.name.startswith("minilm-l6-v2-query-int8"), paths.passages.name.startswith("minilm-l6-v2-fp32")
(True, True)
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..config import Settings
from .embedding import model_dir, offline
from .tokens import MODEL_MAX_TOKENS

if TYPE_CHECKING:
    from onnxruntime import InferenceSession
    from tokenizers import Tokenizer

offline()  # before haystack is imported: it reads its telemetry switch then
from haystack import Document, component  # noqa: E402

ONNX_OPSET = 17
EMBEDDING_DIM = 384


class EncoderPaths(NamedTuple):
    passages: Path  # fp32
    queries: Path  # int8


def encoder_paths(settings: Settings) -> EncoderPaths:
    """Where the two exports of the installed model live (one pair per model and ONNX
    Runtime version, so an upgrade of either builds new ones)."""
    from .embedding import MODEL_PACKAGE

    tag = f"{version(MODEL_PACKAGE)}-ort{version('onnxruntime')}"
    folder = Path(settings.embedding_cache)
    return EncoderPaths(folder / f"minilm-l6-v2-fp32-{tag}.onnx", folder / f"minilm-l6-v2-query-int8-{tag}.onnx")


def build_encoders(settings: Settings) -> EncoderPaths:
    """Export the installed MiniLM (mean pooling and normalisation included) to ONNX, and
    quantise a copy's weights to int8; a no-op when both are built. Each is written aside
    and renamed into place, so an interrupted build leaves nothing half-written."""
    paths = encoder_paths(settings)
    if paths.passages.is_file() and paths.queries.is_file():
        return paths
    offline()
    paths.queries.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=paths.queries.parent) as folder:
        full = Path(folder) / "full.onnx"
        _export(full)
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantised = Path(folder) / "int8.onnx"
        quantize_dynamic(str(full), str(quantised), weight_type=QuantType.QInt8)
        os.replace(quantised, paths.queries)
        os.replace(full, paths.passages)
    return paths


def _export(target: Path) -> None:
    import torch
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

    encoder = AutoModel.from_pretrained(str(model_dir()), attn_implementation="eager", local_files_only=True).eval()
    example = torch.ones((1, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(_Pooled(encoder), (example, example, torch.zeros_like(example)), str(target),
                          input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["embedding"], opset_version=ONNX_OPSET, dynamo=False,
                          dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes})


class _OnnxEncoder:
    """An ONNX Runtime session of one export and the model package's own tokenizer."""

    def __init__(self, model_path: str | Path, threads: int):
        model_path = Path(model_path)
        if not model_path.is_file():
            raise FileNotFoundError(f"no ONNX encoder at {model_path}: run `molsys-ai index build`")
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.model_path = model_path
        self.threads = threads
        self._session: InferenceSession | None = None  # both made by warm_up
        self._tokenizer: Tokenizer | None = None

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
        tokenizer.no_padding()  # the file pads to 128 tokens; batches are padded to their longest text
        tokenizer.enable_truncation(MODEL_MAX_TOKENS)  # special tokens included, as the full model
        self._tokenizer = tokenizer

    def _embed(self, texts: list[str]):
        """Unit-length embeddings (n × 384), one batch of texts."""
        import numpy as np

        session, tokenizer = self._session, self._tokenizer
        if session is None or tokenizer is None:
            raise RuntimeError("call warm_up() first")
        encoded = tokenizer.encode_batch(texts)
        ids = np.zeros((len(encoded), max(len(e.ids) for e in encoded)), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, item in enumerate(encoded):
            ids[row, :len(item.ids)] = item.ids
            mask[row, :len(item.ids)] = 1
        return session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]


@component
class OnnxQueryEmbedder(_OnnxEncoder):
    """Embeds one query with the int8 export: the same output as Haystack's
    ``SentenceTransformersTextEmbedder`` (``embedding``: a unit-length list of 384
    floats), without torch at query time. ``model_path`` must exist (``build_encoders``
    writes it)."""

    def __init__(self, model_path: str | Path, threads: int = 1):
        _OnnxEncoder.__init__(self, model_path, threads)  # @component rebuilds the class: no bare super()

    @component.output_types(embedding=list[float])
    def run(self, text: str) -> dict[str, Any]:
        self.warm_up()
        return {"embedding": self._embed([text])[0].tolist()}


@component
class OnnxDocumentEmbedder(_OnnxEncoder):
    """Embeds documents with the fp32 export, as Haystack's
    ``SentenceTransformersDocumentEmbedder`` configured by ``embedding.document_embedder``
    does (the ``context`` field, a newline, the content), in batches of texts of similar
    length so that little is padding."""

    def __init__(self, model_path: str | Path, threads: int | None = None, batch_size: int = 32):
        _OnnxEncoder.__init__(self, model_path, threads or max(1, min(4, os.cpu_count() or 1)))
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.batch_size = batch_size

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, Any]:
        import numpy as np

        self.warm_up()
        texts = [f"{(doc.meta or {}).get('context', '')}\n{doc.content or ''}" for doc in documents]
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # characters: close enough to tokens
        vectors = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            vectors[batch] = self._embed([texts[i] for i in batch])
        return {"documents": [replace(doc, embedding=vector.tolist()) for doc, vector in zip(documents, vectors, strict=True)]}
