"""What the extension keeps for the life of the server: one assistant (created on
first use, recreated when the settings change), the worker thread its model runs
in, and the chat histories."""

from __future__ import annotations

import threading
from pathlib import Path

from ..config import Settings, load_settings
from ..serving.worker import ModelWorker
from .history import HistoryStore, default_folder

SETTINGS_KEY = "molsys_ai"  # where the service lives in the tornado application's settings


class Service:
    def __init__(self, root_dir: str | Path, history_folder: str | Path | None = None,
                 overrides: dict | None = None):
        self.overrides = dict(overrides or {})  # the server's own configuration (traits of the extension)
        self.root_dir = Path(root_dir).expanduser().resolve()
        self.worker = ModelWorker()
        self.history = HistoryStore(history_folder or default_folder(), self.root_dir)
        self._assistant = None
        self._settings: Settings | None = None
        self._lock = threading.Lock()

    def settings(self) -> Settings:
        """The settings in effect now: the server's configuration over the environment and
        the TOML file (read on every request, so a changed environment takes effect)."""
        return load_settings(**self.overrides)

    def assistant(self, settings: Settings | None = None):
        """The server's assistant for ``settings`` (created lazily; nothing heavy is
        loaded until it answers)."""
        settings = settings or self.settings()
        with self._lock:
            if self._assistant is None or settings != self._settings:
                from ..assistant import Assistant

                self._assistant = Assistant(settings)
                self._settings = settings
            return self._assistant

    def loaded_backend(self, settings: Settings):
        """The assistant's model for ``settings`` if it is loaded already (status must not load it)."""
        assistant = self._assistant
        if assistant is None or settings != self._settings:
            return None
        return assistant.loaded_backend

    def close(self) -> None:
        """The server stops: the model thread ends (what waits is cancelled)."""
        self.worker.close()
