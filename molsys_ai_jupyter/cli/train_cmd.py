"""``molsys-ai train …``: the instruction dataset, LoRA fine-tuning, export and evaluation."""

from __future__ import annotations


def register(sub, common) -> None:
    """Add ``train`` and its actions to the commands."""
