"""The projects a snapshot is made of: repository, pinned commit, docs site (``sources.toml``)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from importlib import resources

from ..errors import MolsysAIError

_REF = re.compile(r"^[A-Za-z0-9._/-]{1,200}$")


@dataclass(frozen=True)
class ProjectSource:
    name: str
    repo: str  # "owner/name" on GitHub
    commit: str  # a commit id, or a branch/tag given with --ref
    docs_base_url: str | None = None  # None: the project has no docs site

    def blob_url(self, path: str) -> str:
        return f"https://github.com/{self.repo}/blob/{self.commit}/{path}"


def pinned_sources() -> list[ProjectSource]:
    """The projects of ``sources.toml``, in file order."""
    text = resources.files(__package__).joinpath("sources.toml").read_text(encoding="utf-8")
    table = tomllib.loads(text)
    return [
        ProjectSource(name=name, repo=info["repo"], commit=info["commit"],
                      docs_base_url=info.get("docs_base_url"))
        for name, info in table.items()
    ]


def select_sources(names: list[str] | None = None, refs: dict[str, str] | None = None) -> list[ProjectSource]:
    """The pinned projects, only ``names`` when given, with ``refs`` (project → ref) applied."""
    sources = pinned_sources()
    known = {s.name for s in sources}
    for name in list(names or []) + list(refs or {}):
        if name not in known:
            raise MolsysAIError(f"unknown project {name!r}", f"choose among {', '.join(sorted(known))}")
    for ref in (refs or {}).values():
        if not _REF.match(ref) or ".." in ref:
            raise MolsysAIError(f"not a commit, branch or tag: {ref!r}")
    chosen = [s for s in sources if not names or s.name in names]
    return [replace(s, commit=refs[s.name]) if refs and s.name in refs else s for s in chosen]


def parse_pairs(values: list[str] | None, flag: str) -> dict[str, str]:
    """``["a=b", …]`` → ``{"a": "b"}``, with a clear error for anything else."""
    pairs: dict[str, str] = {}
    for value in values or []:
        name, sep, rest = value.partition("=")
        if not sep or not name.strip() or not rest.strip():
            raise MolsysAIError(f"{flag} expects PROJECT=VALUE (got {value!r})")
        pairs[name.strip()] = rest.strip()
    return pairs
