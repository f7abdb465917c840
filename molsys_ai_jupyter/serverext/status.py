"""``GET /molsys-ai/status``: which model answers, from which index — read from the
settings and the index manifest, without loading the model or the index."""

from __future__ import annotations

from .. import __version__
from ..config import Settings
from ..errors import MolsysAIError


def _model_name(settings: Settings, loaded) -> str | None:
    if loaded is not None:
        return loaded.model
    if settings.llm_url:
        return settings.model  # None: the server's first model, discovered on first use
    if settings.gguf_path:
        return settings.gguf_path.name
    try:
        from ..llm.embedded import packaged_gguf

        return packaged_gguf().name
    except MolsysAIError:
        return None


def status_info(settings: Settings, loaded_backend=None) -> dict:
    from ..knowledge.index_files import check_index

    index: dict = {"path": str(settings.index_path), "name": settings.index_name, "present": False}
    try:
        manifest = check_index(settings.index_path)
    except MolsysAIError as exc:
        index.update(error=exc.message, hint=exc.hint)
    else:
        index.update(present=True, chunks=manifest.get("counts", {}).get("chunks"),
                     created=manifest.get("created_utc"))
    return {
        "version": __version__,
        "backend": settings.llm_url or "embedded",
        "backend_kind": "openai" if settings.llm_url else "embedded",
        "model": _model_name(settings, loaded_backend),
        "model_loaded": loaded_backend is not None,
        "index": index,
        "corpus": str(settings.corpus),
    }
