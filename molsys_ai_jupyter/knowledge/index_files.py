"""Where an index lives on disk and how to read its manifest (no heavy imports)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, overload

from ..config import Settings
from ..errors import IndexCorrupt, IndexNotFound

MANIFEST_NAME = "manifest.json"
REBUILD_HINT = "rebuild it with `molsys-ai index build --force`"


def builds_dir(settings: Settings) -> Path:
    path = Path(settings.index_root) / ".builds"
    path.mkdir(parents=True, exist_ok=True)
    return path


@overload
def read_manifest(index_path: Path, missing_ok: Literal[False] = False) -> dict: ...
@overload
def read_manifest(index_path: Path, missing_ok: bool) -> dict | None: ...


def read_manifest(index_path: Path, missing_ok: bool = False) -> dict | None:
    """The index's manifest; a missing or unreadable one raises, or is None with ``missing_ok``."""
    index_path = Path(index_path)
    if not index_path.exists():
        if missing_ok:
            return None
        raise IndexNotFound(f"no index at {index_path}", "build it with `molsys-ai index build`")
    manifest_path = index_path / MANIFEST_NAME
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or "fingerprint" not in manifest:
            raise ValueError("manifest has no fingerprint")
    except (OSError, ValueError) as exc:
        if missing_ok:
            return None
        raise IndexCorrupt(f"index at {index_path} is unreadable ({exc})", REBUILD_HINT) from None
    return manifest


def check_index(index_path: Path) -> dict:
    """The manifest of a complete index, or a one-line error saying what is wrong."""
    manifest = read_manifest(index_path)
    for part in ("chroma", "bm25/documents.jsonl", "bm25/bm25s"):
        if not (Path(index_path) / part).exists():
            raise IndexCorrupt(f"index at {index_path} is missing {part}", REBUILD_HINT)
    return manifest
