"""``GET /molsys-ai/status``: which model answers, from which index — read from the
settings and the index manifest, without loading the model or the index."""

from __future__ import annotations

from .. import __version__
from ..config import Settings
from ..errors import MolsysAIError
from ..serving.payload import describe_model


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
        "model": describe_model(settings, loaded_backend)[1],
        "model_loaded": loaded_backend is not None,
        "index": index,
        "corpus": str(settings.corpus),
    }
