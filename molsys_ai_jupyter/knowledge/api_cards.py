"""One "symbol card" chunk per public API symbol, from each project's ``_api_surface.jsonl``.

molsysmt's ~8,600 ``molsysmt.form.*`` records are the internal per-form converters
(one copy of ``get``/``convert``/… per supported form). They stay in the symbol
registry (the verifier knows them) but are left out of the retrieval index by
default: ``bench retrieval`` showed they only crowd out the user-facing pages
(see ``indexes/recipes/README.md``) and they would triple the embedding time.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .api_record import ApiRecord, read_api_surface
from .chunks import Chunk
from .manifest import CorpusManifest

SIGNATURE_PREFIX = "Signature: "

INTERNAL_PREFIXES = ("molsysmt.form.",)
MAX_DOC_CHARS = 1500


def is_internal(qualname: str) -> bool:
    return qualname.startswith(INTERNAL_PREFIXES)


def source_url(manifest: CorpusManifest, project: str, defined_in: str) -> str:
    """GitHub deep link to the definition, e.g. ``uibcdf/topomt/blob/<commit>/<path>#L12``."""
    info = manifest.projects.get(project)
    if not info or not defined_in:
        return ""
    path, _, line = defined_in.rpartition(":")
    if not line.isdigit():
        path, line = defined_in, ""
    url = f"https://github.com/{info.repo}/blob/{info.commit}/{path}"
    return f"{url}#L{line}" if line else url


def card_text(record: ApiRecord) -> str:
    qualname = record.qualname
    head = f"{qualname} ({record.kind})"
    lines = [head, f"{SIGNATURE_PREFIX}{qualname.rsplit('.', 1)[0]}.{record.signature}"]
    aliases = [n for n in record.public_names if n != qualname]
    if aliases:
        lines.append("Also available as: " + ", ".join(aliases[:4]))
    doc = record.docstring.strip()
    if len(doc) > MAX_DOC_CHARS:
        doc = doc[:MAX_DOC_CHARS].rstrip() + " …"
    if doc:
        lines.append(doc)
    return "\n".join(lines)


def load_cards(manifest: CorpusManifest, include_internal: bool = False) -> list[Chunk]:
    cards: list[Chunk] = []
    for project, path in sorted(manifest.api_surfaces().items()):
        corpus_path = f"{project}/{Path(path).name}"
        for record in read_api_surface(path):
            qualname = record.qualname
            if is_internal(qualname) and not include_internal:
                continue
            content = card_text(record)
            url = record.doc_url or source_url(manifest, project, record.defined_in)
            meta = {
                "project": project,
                "path": corpus_path,
                "url": url,
                "anchor": "",
                "title": qualname,
                "headings": qualname,
                "kind": "api",
                "code": "",
                "symbol": qualname,
                "aliases": " ".join(record.public_names),
                "context": f"{project} API",
            }
            card = Chunk(id="", content=content, meta=meta)
            card.id = hashlib.sha1(f"{corpus_path}\x00{qualname}\x00{card.passage}".encode()).hexdigest()[:20]
            cards.append(card)
    return cards
