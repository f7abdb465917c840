"""The query adapter: a 384 × 384 linear map, learned from questions written about the
MolSysSuite docs, applied to a query's MiniLM embedding before the dense leg searches.

Passages keep the base model's vectors, so the index, its embedding cache and the passage
encoder are the same with or without it; only the query moves, towards the passages that
answer questions phrased the way users phrase them. ``scripts/retriever_adaptation/``
trains it (a few seconds on a CPU) from ``written_questions.jsonl``, and
``docs/retrieval.md`` has what it measured. It ships in the package (``query_adapter.npy``,
float16, 288 KiB); nothing is downloaded.

>>> import numpy as np
>>> from haystack import component
>>> @component
... class Fixed:
...     @component.output_types(embedding=list[float])
...     def run(self, text: str):
...         return {"embedding": [1.0, 0.0]}
>>> adapted = AdaptedQueryEmbedder(Fixed(), matrix=np.array([[0.0, 1.0], [1.0, 0.0]]))
>>> adapted.run(text="how do I remove waters?")["embedding"]
[0.0, 1.0]
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import QUERY_ADAPTERS
from .embedding import offline

if TYPE_CHECKING:
    import numpy as np

offline()  # before haystack is imported: it reads its telemetry switch then
from haystack import component  # noqa: E402

PACKAGED = QUERY_ADAPTERS[0]


def packaged_path() -> Path:
    return Path(str(files("molsys_ai_jupyter.knowledge") / "query_adapter.npy"))


@cache
def packaged_version() -> str:
    """The first 12 hex digits of the packaged file's SHA-256 (what benchmarks record)."""
    return hashlib.sha256(packaged_path().read_bytes()).hexdigest()[:12]


def load_matrix(path: Path) -> np.ndarray:
    """The map in float32, checked: square and finite."""
    import numpy as np

    matrix = np.load(path, allow_pickle=False).astype(np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or not np.isfinite(matrix).all():
        raise ValueError(f"{path} is not a square, finite matrix (shape {matrix.shape})")
    return matrix


@component
class AdaptedQueryEmbedder:
    """Wraps a query embedder (a component whose ``run(text)`` returns ``embedding``):
    the embedding is multiplied by ``matrix`` and rescaled to unit length.

    ``matrix`` defaults to the packaged adapter, loaded by ``warm_up``; its size must match
    the embedding's."""

    def __init__(self, embedder, matrix: np.ndarray | None = None):
        if not callable(getattr(embedder, "run", None)):
            raise TypeError(f"embedder must be a component with run(text), got {type(embedder).__name__}")
        if matrix is not None:
            import numpy as np

            matrix = np.asarray(matrix, dtype=np.float32)
            if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
                raise ValueError(f"matrix must be square, got shape {matrix.shape}")
        self.embedder = embedder
        self.matrix = matrix

    def warm_up(self) -> None:
        if callable(getattr(self.embedder, "warm_up", None)):
            self.embedder.warm_up()
        if self.matrix is None:
            self.matrix = load_matrix(packaged_path())

    @component.output_types(embedding=list[float])
    def run(self, text: str) -> dict[str, Any]:
        import numpy as np

        self.warm_up()
        assert self.matrix is not None
        vector = np.asarray(self.embedder.run(text=text)["embedding"], dtype=np.float32)
        if vector.shape != (self.matrix.shape[1],):
            raise ValueError(f"the adapter maps {self.matrix.shape[1]} dimensions; the embedding has {vector.size}")
        mapped = self.matrix @ vector
        return {"embedding": (mapped / max(float(np.linalg.norm(mapped)), 1e-12)).tolist()}
