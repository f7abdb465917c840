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

from ..errors import IndexCorrupt
from .embedding import offline

if TYPE_CHECKING:
    import numpy as np

offline()  # before haystack is imported: it reads its telemetry switch then
from haystack import component  # noqa: E402

_FIX = "reinstall molsys-ai-jupyter, or set MOLSYS_AI_QUERY_ADAPTER=none to search with the base query"


def packaged_path() -> Path:
    return Path(str(files("molsys_ai_jupyter.knowledge") / "query_adapter.npy"))


@cache
def packaged_version() -> str:
    """The first 12 hex digits of the packaged file's SHA-256 (what benchmarks record)."""
    return hashlib.sha256(packaged_path().read_bytes()).hexdigest()[:12]


def load_matrix(path: Path) -> np.ndarray:
    """The map in float32, checked: a readable file holding a square, finite matrix."""
    import numpy as np

    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        raise IndexCorrupt(f"the query adapter {path} cannot be read as a NumPy .npy file", _FIX) from None
    if not isinstance(loaded, np.ndarray):  # an .npz archive under the .npy name
        raise IndexCorrupt(f"the query adapter {path} cannot be read as a NumPy .npy file", _FIX)
    matrix = loaded.astype(np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or not np.isfinite(matrix).all():
        raise IndexCorrupt(f"the query adapter {path} is not a square, finite matrix (shape {matrix.shape})", _FIX)
    singular = np.linalg.svd(matrix, compute_uv=False)
    if singular[-1] <= 1e-3 * singular[0]:  # a zero or low-rank map sends different questions to one place
        raise IndexCorrupt(f"the query adapter {path} is a degenerate map (it would merge different questions)", _FIX)
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
            raise IndexCorrupt(f"the query adapter maps {self.matrix.shape[1]} dimensions; the embedding has "
                               f"{vector.size}", _FIX)
        mapped = self.matrix @ vector
        return {"embedding": (mapped / max(float(np.linalg.norm(mapped)), 1e-12)).tolist()}
