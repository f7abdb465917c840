"""``molsys-ai serve`` (the chat API of the GPU node) and ``molsys-ai bench load``."""

from __future__ import annotations


def register(sub, bench_sub, common) -> None:
    """Add ``serve`` to the commands and ``load`` to the benchmarks."""
