"""The sidebar's Jupyter server in tests (pytest-jupyter): the extension enabled, and its
settings, which it reads from the environment on every request, pointed at a test index
and model."""

from __future__ import annotations

from pathlib import Path

from traitlets.config import Config

from molsys_ai_jupyter.config import ENV_VARS

EXTENSION = "molsys_ai_jupyter.serverext"


def server_config() -> Config:
    """``jp_server_config`` for a server with the sidebar's extension."""
    return Config({"ServerApp": {"jpserver_extensions": {EXTENSION: True}}})


def point_jupyter_at(monkeypatch, settings, folder: Path, llm_url: str | None = None, llm_timeout: float = 10,
                     **extra: str) -> None:
    """Only ``settings``' data, index and cache folders, ``llm_url`` (none: the embedded
    model) and ``extra`` variables in the environment; no TOML file (``folder`` holds none)."""
    for var in ENV_VARS.values():
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MOLSYS_AI_CONFIG", str(Path(folder) / "no-config.toml"))
    monkeypatch.setenv("MOLSYS_AI_DATA", str(settings.data_root))
    monkeypatch.setenv("MOLSYS_AI_INDEX_DIR", str(settings.index_root))
    monkeypatch.setenv("MOLSYS_AI_INDEX", settings.index_name)
    monkeypatch.setenv("MOLSYS_AI_CACHE", str(settings.cache_dir))
    monkeypatch.setenv("MOLSYS_AI_LLM_TIMEOUT", str(llm_timeout))
    if llm_url:
        monkeypatch.setenv("MOLSYS_AI_LLM_URL", llm_url)
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
