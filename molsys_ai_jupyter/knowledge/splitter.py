"""Split one ranking into documentation chunks and API symbol cards (order kept),
so each kind is fused on its own."""

from __future__ import annotations

from typing import Any

from haystack import Document, component


def is_card(doc: Document) -> bool:
    return bool((doc.meta or {}).get("symbol"))


@component
class PagesAndCards:
    @component.output_types(pages=list[Document], cards=list[Document])
    def run(self, documents: list[Document]) -> dict[str, Any]:
        return {
            "pages": [d for d in documents if not is_card(d)],
            "cards": [d for d in documents if is_card(d)],
        }
