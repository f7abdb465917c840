"""Notebooks rewritten for the corpus: the cells' sources as written, and only text outputs.

Markdown and code cells are kept with their source unchanged and only their ``tags``
metadata. Stream, ``text/plain`` and error outputs are kept, each cut to
``MAX_OUTPUT_CHARS`` (ANSI colour codes taken out of tracebacks); images, HTML, LaTeX and
widget outputs, attachments, execution counts and the notebook's widget state are dropped.
"""

from __future__ import annotations

import json
import re
from collections import Counter

MAX_OUTPUT_CHARS = 2000
TRUNCATED = "\n...[output truncated]"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_KEPT_NOTEBOOK_METADATA = ("kernelspec", "language_info")


def clean_notebook(raw: bytes, counts: Counter) -> bytes | None:
    """The cleaned notebook as JSON bytes, or None when ``raw`` is not a notebook.

    ``counts`` gathers what was dropped, as in the corpus manifest's ``notebook_cleaning``."""
    try:
        notebook = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return None
    counts["notebooks"] += 1
    cells = [_clean_cell(cell, counts) for cell in notebook["cells"] if isinstance(cell, dict)]
    metadata = notebook.get("metadata") if isinstance(notebook.get("metadata"), dict) else {}
    cleaned = {
        "cells": [cell for cell in cells if cell is not None],
        "metadata": {key: metadata[key] for key in _KEPT_NOTEBOOK_METADATA if key in metadata},
        "nbformat": 4,
        "nbformat_minor": notebook.get("nbformat_minor", 5) if notebook.get("nbformat") == 4 else 5,
    }
    return (json.dumps(cleaned, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def _clean_cell(cell: dict, counts: Counter) -> dict | None:
    kind = cell.get("cell_type")
    if kind not in ("markdown", "code"):
        return None
    if cell.get("attachments"):
        counts["dropped_attachments"] += 1
    out: dict = {}
    if "id" in cell:
        out["id"] = cell["id"]
    out["cell_type"] = kind
    tags = (cell.get("metadata") or {}).get("tags")
    out["metadata"] = {"tags": tags} if tags else {}
    out["source"] = cell.get("source", "")
    if kind == "code":
        out["execution_count"] = None
        out["outputs"] = [kept for output in cell.get("outputs") or [] if (kept := _clean_output(output, counts))]
    return out


def _clean_output(output: dict, counts: Counter) -> dict | None:
    kind = output.get("output_type")
    if kind == "stream":
        return {"output_type": "stream", "name": output.get("name", "stdout"),
                "text": _cut(_text(output.get("text", "")), counts)}
    if kind == "error":
        counts["kept_error_outputs"] += 1
        traceback = [_ANSI.sub("", line) for line in output.get("traceback") or []]
        kept, total = [], 0
        for line in traceback:  # the same cap, over the whole traceback
            if total + len(line) > MAX_OUTPUT_CHARS:
                kept.append(_cut(line, counts, MAX_OUTPUT_CHARS - total))
                break
            kept.append(line)
            total += len(line)
        return {"output_type": "error", "ename": output.get("ename", ""),
                "evalue": _ANSI.sub("", output.get("evalue", "")), "traceback": kept}
    if kind in ("execute_result", "display_data"):
        data = output.get("data") or {}
        if WIDGET_MIME in data:
            counts["dropped_widget_outputs"] += 1
            return None
        for mime in data:
            if mime != "text/plain":
                counts[f"dropped_mime:{mime}"] += 1
        if "text/plain" not in data:
            counts["dropped_nontext_outputs"] += 1
            return None
        kept = {"output_type": kind, "data": {"text/plain": _cut(_text(data["text/plain"]), counts)}, "metadata": {}}
        if kind == "execute_result":
            kept["execution_count"] = None
        return kept
    counts["dropped_nontext_outputs"] += 1
    return None


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _cut(text: str, counts: Counter, limit: int = MAX_OUTPUT_CHARS) -> str:
    if len(text) <= limit:
        return text
    counts["truncated_outputs"] += 1
    return text[: max(0, limit - len(TRUNCATED))] + TRUNCATED
