"""The chat of each notebook, kept in a JSON file under the Jupyter data folder
(``<jupyter data dir>/molsys-ai/history/<sha256 of the notebook's path>.json``), so it
survives a page reload and a server restart. Files are replaced atomically."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path

MAX_TURNS = 200  # the oldest turns go first; the prompt uses only the last few anyway


def default_folder() -> Path:
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "molsys-ai" / "history"


class HistoryStore:
    def __init__(self, folder: str | Path, root_dir: str | Path):
        self.folder = Path(folder)
        self.root = Path(root_dir).expanduser().resolve()
        self._lock = threading.Lock()

    def _key(self, notebook: str) -> str:
        """The notebook's absolute path: the same notebook keeps its chat when the server
        is started from another folder."""
        return str(self.root / notebook)

    def file(self, notebook: str) -> Path:
        return self.folder / f"{hashlib.sha256(self._key(notebook).encode()).hexdigest()}.json"

    def turns(self, notebook: str) -> list[dict]:
        try:
            data = json.loads(self.file(notebook).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # none yet, or unreadable: an empty chat, not an error
            return []
        turns = data.get("turns") if isinstance(data, dict) else None
        return [t for t in turns if isinstance(t, dict)] if isinstance(turns, list) else []

    def messages(self, notebook: str | None) -> list[dict]:
        """The chat as prompt history: user and assistant messages, oldest first."""
        if not notebook:
            return []
        out = []
        for turn in self.turns(notebook):
            if turn.get("question") and (turn.get("draft") or turn.get("answer")):
                out += [{"role": "user", "content": turn["question"]},
                        {"role": "assistant", "content": turn.get("draft") or turn["answer"]}]
        return out

    def append(self, notebook: str, answer) -> dict:
        """Record a question and its answer (an assistant ``Answer``); returns the turn."""
        turn = {
            "question": answer.question,
            "answer": answer.text,
            "markdown": answer.markdown,
            "draft": answer.draft,
            "sources": [{"number": s.number, "title": s.title, "url": s.url} for s in answer.sources],
            "cited": list(answer.cited),
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        return self._add(notebook, turn)

    def append_suggestion(self, notebook: str, suggestion: dict) -> dict:
        """Record a "do it" task and the agent's code for it (not part of the prompt history)."""
        turn = {"task": suggestion["task"], "suggestion": suggestion,
                "time": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        return self._add(notebook, turn)

    def _add(self, notebook: str, turn: dict) -> dict:
        with self._lock:
            turns = (self.turns(notebook) + [turn])[-MAX_TURNS:]
            self._write(notebook, {"notebook": notebook, "path": self._key(notebook), "turns": turns})
        return turn

    def clear(self, notebook: str) -> int:
        """Forget the notebook's chat; returns how many turns there were."""
        with self._lock:
            count = len(self.turns(notebook))
            self.file(notebook).unlink(missing_ok=True)
        return count

    def _write(self, notebook: str, data: dict) -> None:
        target = self.file(notebook)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, ensure_ascii=False, indent=1)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
