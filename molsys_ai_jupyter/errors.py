"""Errors that front ends show to the user as one readable line."""

from __future__ import annotations


class MolsysAIError(Exception):
    """An expected failure with a message a user can act on.

    Front ends print ``str(error)`` (no traceback). ``hint`` says how to fix it.
    """

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} — {self.hint}"
        return self.message


class CorpusNotFound(MolsysAIError):
    pass


class IndexNotFound(MolsysAIError):
    pass


class IndexCorrupt(MolsysAIError):
    pass


class InvalidQuery(MolsysAIError):
    pass
