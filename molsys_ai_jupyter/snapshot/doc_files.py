"""Which files of a repository are documentation, and the URL each one is read at.

Kept: ``.md``/``.rst``/``.ipynb``/``.txt`` under ``docs/``, ``doc/`` or ``devguide/``, and the
``README*`` files at the root. Left out: build outputs, superseded docs (``freezer/``), empty
files, and the API stub pages that hold only directives (their data comes from the source).

A page is *published* when Sphinx builds it: under ``docs/``, not matched by ``conf.py``'s
``exclude_patterns``, not under ``templates_path``/``html_static_path``. It is read at
``<docs_base_url><path under docs/>.html``; any other file at its GitHub blob URL.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..knowledge.manifest import DOC_SUFFIXES
from .sources import ProjectSource

DOC_FOLDERS = ("docs", "doc", "devguide")
SPHINX_SOURCE = "docs"
BUILD_PARTS = {"_build", ".doctrees", "_gettext", "_locale", ".ipynb_checkpoints", "jupyter_execute"}
SUPERSEDED_PARTS = {"freezer"}
_ADORNMENT = re.compile(r"^([=\-~^\"'*#+`:.])\1+$")
_STUB_DIRECTIVE = re.compile(r"^\.\.\s+(toctree|auto\w+|currentmodule|module)::")


@dataclass(frozen=True)
class DocsConfig:
    """What a project's ``docs/conf.py`` says about which pages are built."""

    exclude_patterns: tuple[str, ...] = ()
    not_pages: tuple[str, ...] = ()  # templates_path + html_static_path

    @classmethod
    def read(cls, repo_root: Path) -> "DocsConfig":
        conf = repo_root / SPHINX_SOURCE / "conf.py"
        try:
            tree = ast.parse(conf.read_text(encoding="utf-8", errors="replace"))
        except (OSError, SyntaxError, ValueError):
            return cls()
        values: dict[str, tuple[str, ...]] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                try:
                    value = ast.literal_eval(node.value)
                except (ValueError, SyntaxError, TypeError):
                    continue
                if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
                    values[node.targets[0].id] = tuple(value)
        return cls(
            exclude_patterns=values.get("exclude_patterns", ()),
            not_pages=values.get("templates_path", ()) + values.get("html_static_path", ()),
        )

    def excludes(self, path_in_docs: str) -> bool:
        """Sphinx-style: a pattern matches the path or one of its parent folders."""
        parts = PurePosixPath(path_in_docs).parts
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        return any(_glob(pattern).match(prefix) for pattern in self.exclude_patterns for prefix in prefixes) or any(
            path_in_docs == folder.strip("/") or path_in_docs.startswith(folder.strip("/") + "/")
            for folder in self.not_pages
        )


@dataclass
class Selection:
    """The documentation files of one repository, and what was left out (counted by reason)."""

    files: list[str] = field(default_factory=list)
    excluded: Counter = field(default_factory=Counter)
    excluded_detail: dict[str, list[str]] = field(default_factory=dict)

    def leave_out(self, path: str, reason: str, detail: bool = False) -> None:
        self.excluded[reason] += 1
        if detail:
            self.excluded_detail.setdefault(reason, []).append(path)


def select_doc_files(repo_root: Path, all_files: list[str]) -> Selection:
    """The repository's documentation files (POSIX paths relative to its root), sorted."""
    selection = Selection()
    for path in sorted(all_files):
        parts = PurePosixPath(path).parts
        is_readme = len(parts) == 1 and parts[0].upper().startswith("README") and path.endswith((".md", ".rst"))
        in_docs = len(parts) > 1 and parts[0] in DOC_FOLDERS
        if not (is_readme or in_docs):
            continue
        if BUILD_PARTS.intersection(parts) or path.endswith((".po", ".pot", ".mo", ".html")):
            selection.leave_out(path, "build_output")
            continue
        if not path.endswith(DOC_SUFFIXES):
            continue
        if SUPERSEDED_PARTS.intersection(parts):
            selection.leave_out(path, "freezer")
            continue
        text = (repo_root / path).read_bytes()
        if not text.strip():
            selection.leave_out(path, "empty_file", detail=True)
            continue
        if _is_api_stub(path, text):
            selection.leave_out(path, "api_stub_rst")
            continue
        selection.files.append(path)
    return selection


def page_url(source: ProjectSource, config: DocsConfig, path: str) -> tuple[str, bool]:
    """(URL, published) of a documentation file."""
    prefix = SPHINX_SOURCE + "/"
    if source.docs_base_url and path.startswith(prefix):
        in_docs = path[len(prefix):]
        if not config.excludes(in_docs):
            stem = in_docs.rsplit(".", 1)[0]
            return f"{source.docs_base_url.rstrip('/')}/{stem}.html", True
    return source.blob_url(path), False


def api_doc_urls(source: ProjectSource, all_files: list[str]) -> dict[str, str]:
    """Public dotted name → its autosummary page (``docs/api/**/<name>.rst``), when published."""
    urls: dict[str, str] = {}
    if not source.docs_base_url:
        return urls
    for path in all_files:
        pure = PurePosixPath(path)
        if pure.suffix == ".rst" and pure.parts[:2] == (SPHINX_SOURCE, "api") and "autosummary" in pure.parts:
            stem = str(pure.relative_to(SPHINX_SOURCE).with_suffix(""))
            urls[pure.stem] = f"{source.docs_base_url.rstrip('/')}/{stem}.html"
    return urls


def _is_api_stub(path: str, text: bytes) -> bool:
    """An ``.rst`` page under ``docs/api/`` holding only a title and directives."""
    pure = PurePosixPath(path)
    if pure.suffix != ".rst" or pure.parts[:2] != (SPHINX_SOURCE, "api"):
        return False
    lines = [line.rstrip() for line in text.decode("utf-8", errors="replace").splitlines() if line.strip()]
    start = 1 if lines and _ADORNMENT.match(lines[0]) else 0  # an overline
    if not (start + 1 < len(lines) and _ADORNMENT.match(lines[start + 1])):
        return False  # no title
    rest = lines[start + 2:]
    return all(_STUB_DIRECTIVE.match(line) or line[0] in " \t" for line in rest)


def _glob(pattern: str) -> re.Pattern:
    """Sphinx's glob: ``**`` crosses folders, ``*`` and ``?`` do not."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("^" + "".join(out) + "$")
