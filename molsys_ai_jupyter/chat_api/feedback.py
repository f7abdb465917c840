"""Thumbs up/down on answers, kept in SQLite (one file; safe for several worker
processes on one machine: WAL mode, one short connection per write)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_utc TEXT NOT NULL,
    answer_id TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    question TEXT,
    comment TEXT,
    page_url TEXT,
    answer TEXT,          -- the answer's text, when this process still remembers the id
    backend TEXT,
    model TEXT
);
CREATE INDEX IF NOT EXISTS feedback_answer ON feedback (answer_id);
"""


class FeedbackStore:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=10)
        if not self._ready:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(SCHEMA)
            self._ready = True
        return connection

    def add(self, answer_id: str, rating: str, question: str | None = None, comment: str | None = None,
            page_url: str | None = None, answer: dict | None = None) -> int:
        answer = answer or {}
        row = (datetime.now(timezone.utc).isoformat(timespec="seconds"), answer_id, rating,
               question or answer.get("question"), comment, page_url, answer.get("text"),
               answer.get("backend"), answer.get("model"))
        connection = self._connect()
        try:
            with connection:
                cursor = connection.execute(
                    "INSERT INTO feedback (created_utc, answer_id, rating, question, comment, page_url, answer,"
                    " backend, model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            return int(cursor.lastrowid)
        finally:
            connection.close()

    def rows(self) -> list[dict]:
        connection = self._connect()
        try:
            connection.row_factory = sqlite3.Row
            return [dict(r) for r in connection.execute("SELECT * FROM feedback ORDER BY id")]
        finally:
            connection.close()
