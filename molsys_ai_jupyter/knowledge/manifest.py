"""The corpus manifest: projects, their snapshot commits, and file → published URL."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusNotFound

DOC_SUFFIXES = (".md", ".rst", ".ipynb", ".txt")
API_SURFACE = "_api_surface.jsonl"


@dataclass(frozen=True)
class CorpusFile:
    project: str
    path: str  # path inside the project's repository, e.g. "docs/contents/user/tools/basic/get.ipynb"
    url: str
    published: bool

    @property
    def corpus_path(self) -> str:
        """``<project>/<path in repo>``: the key used by bench gold sources."""
        return f"{self.project}/{self.path}"


@dataclass(frozen=True)
class Project:
    name: str
    commit: str
    docs_base_url: str | None
    repo: str


class CorpusManifest:
    """Reads ``MANIFEST.json`` of a corpus snapshot."""

    def __init__(self, root: Path):
        self.root = Path(root)
        manifest_path = self.root / "MANIFEST.json"
        if not self.root.is_dir():
            raise CorpusNotFound(
                f"corpus folder not found: {self.root}",
                "point MOLSYS_AI_DATA at the folder holding corpus/, pass --corpus PATH, "
                "or build one from the projects' repositories: molsys-ai corpus build --out PATH",
            )
        if not manifest_path.is_file():
            raise CorpusNotFound(
                f"no MANIFEST.json in corpus folder {self.root}",
                "pass --corpus with the folder that holds MANIFEST.json and the project folders",
            )
        try:
            self.data = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CorpusNotFound(f"cannot read {manifest_path}: {exc}") from None
        self.projects: dict[str, Project] = {}
        self.files: dict[str, CorpusFile] = {}
        for name, info in self.data.get("projects", {}).items():
            self.projects[name] = Project(
                name=name,
                commit=info.get("head_commit", ""),
                docs_base_url=info.get("docs_base_url"),
                repo=info.get("repo", f"uibcdf/{name}"),
            )
            for entry in info.get("files", []):
                item = CorpusFile(
                    project=name,
                    path=entry["path"],
                    url=entry.get("url", ""),
                    published=bool(entry.get("published", False)),
                )
                self.files[item.corpus_path] = item

    def doc_files(self) -> list[CorpusFile]:
        """Documentation files listed in the manifest that exist on disk, sorted."""
        found = [
            f
            for key, f in self.files.items()
            if key.endswith(DOC_SUFFIXES) and (self.root / key).is_file()
        ]
        return sorted(found, key=lambda f: f.corpus_path)

    def api_surfaces(self) -> dict[str, Path]:
        """project → its ``_api_surface.jsonl`` path (projects without one are absent)."""
        result = {}
        for name in self.projects:
            path = self.root / name / API_SURFACE
            if path.is_file():
                result[name] = path
        return result

    def commits(self) -> dict[str, str]:
        return {name: p.commit for name, p in self.projects.items()}

    def file_url(self, corpus_path: str) -> str:
        entry = self.files.get(corpus_path)
        return entry.url if entry else ""
