"""Build a corpus snapshot: each project's documentation files, API surface and license, plus
``MANIFEST.json`` (the layout ``molsys-ai index build`` reads)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Callable

from ..errors import MolsysAIError
from ..knowledge.manifest import API_SURFACE
from .api_surface import api_surface
from .doc_files import SPHINX_SOURCE, DocsConfig, api_doc_urls, page_url, select_doc_files
from .fetch import Checkout, fetch_archive, is_license, local_checkout
from .notebooks import clean_notebook
from .sources import ProjectSource

TITLE = "MolSysSuite documentation corpus (uibcdf projects)"
URL_RULE = (
    "docs/<rel>.<md|rst|ipynb> -> <docs_base_url><rel>.html for the pages Sphinx builds (not matched by "
    "docs/conf.py exclude_patterns, not under templates_path/html_static_path); any other file -> its GitHub "
    "blob URL at the snapshot commit, with published false."
)


def build_snapshot(
    out: Path,
    sources: list[ProjectSource],
    local: dict[str, str] | None = None,
    cache: Path | None = None,
    archive_template: str | None = None,
    say: Callable[[str], None] = lambda line: None,
) -> dict:
    """Write the snapshot to ``out`` (replacing an earlier snapshot there) and return its manifest.

    ``local`` maps a project to a checkout folder; the others are fetched as archives into ``cache``."""
    out = Path(out).expanduser()
    _check_target(out)
    staging = out.with_name(out.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    projects = {}
    try:
        for source in sources:
            if local and source.name in local:
                checkout, origin = local_checkout(local[source.name], source.commit), str(local[source.name])
            else:
                if cache is None:
                    raise MolsysAIError("no cache folder for the downloaded archives")
                say(f"{source.name}: fetching {source.repo} at {source.commit}")
                checkout = fetch_archive(source, cache, archive_template)
                origin = f"https://github.com/{source.repo}"
            projects[source.name] = _build_project(staging / source.name, source, checkout, origin)
            info = projects[source.name]
            say(f"{source.name}: {info['doc_files']} doc files, {info['api_surface'].get('records', 0)} API records")
        manifest = {
            "title": TITLE,
            "generated_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "source": "the public GitHub repositories uibcdf/<project>, at the commits named per project",
            "url_rule": URL_RULE,
            "projects": projects,
            "totals": _totals(projects),
        }
        (staging / "MANIFEST.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap_in(staging, out)
    return manifest


def _build_project(dest: Path, source: ProjectSource, checkout: Checkout, origin: str) -> dict:
    source = ProjectSource(source.name, source.repo, checkout.commit, source.docs_base_url)
    root = checkout.root
    all_files = _list_files(root)
    config = DocsConfig.read(root)
    selection = select_doc_files(root, all_files)
    cleaning: Counter = Counter()
    entries = []
    for path in selection.files:
        raw = (root / path).read_bytes()
        data = clean_notebook(raw, cleaning) if path.endswith(".ipynb") else raw
        if data is None:
            selection.leave_out(path, "unreadable_notebook", detail=True)
            continue
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        url, published = page_url(source, config, path)
        entries.append({"path": path, "bytes": len(data), "source_bytes": len(raw), "blob": _git_blob_id(raw),
                        "published": published, "url": url})
    dest.mkdir(parents=True, exist_ok=True)
    other = _copy_license(root, all_files, dest)
    records, api_stats = api_surface(root, source.name, doc_urls=api_doc_urls(source, all_files))
    if records:
        with open(dest / API_SURFACE, "w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        other.append(API_SURFACE)
        api_stats = {"file": API_SURFACE, **api_stats}
    doc_bytes = sum(e["bytes"] for e in entries)
    return {
        "repo": source.repo,
        "head_commit": checkout.commit,
        "read_from": origin,
        "license_file": "LICENSE" if "LICENSE" in other else None,
        "docs_base_url": source.docs_base_url,
        "docs_config": f"{SPHINX_SOURCE}/conf.py" if (root / SPHINX_SOURCE / "conf.py").is_file() else None,
        "docs_exclude_patterns": list(config.exclude_patterns),
        "doc_files": len(entries),
        "doc_bytes": doc_bytes,
        "doc_files_by_ext": dict(Counter(PurePosixPath(e["path"]).suffix for e in entries)),
        "published_pages": sum(e["published"] for e in entries),
        "other_files": other,
        "excluded": dict(selection.excluded),
        "excluded_detail": selection.excluded_detail,
        "notebook_cleaning": dict(cleaning),
        "api_surface": api_stats if records else {},
        "files": entries,
    }


def _list_files(root: Path) -> list[str]:
    files = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in names:
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                files.append(path.relative_to(root).as_posix())
    return sorted(f for f in files if f != ".complete")


def _copy_license(root: Path, all_files: list[str], dest: Path) -> list[str]:
    for path in all_files:
        if "/" not in path and is_license(path):
            shutil.copyfile(root / path, dest / "LICENSE")
            return ["LICENSE"]
    return []


def _git_blob_id(data: bytes) -> str:
    """The id git gives these bytes as a blob (so a file can be checked against the repository)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _totals(projects: dict) -> dict:
    return {
        "doc_files": sum(p["doc_files"] for p in projects.values()),
        "doc_bytes": sum(p["doc_bytes"] for p in projects.values()),
        "api_records": {name: p["api_surface"]["records"] for name, p in projects.items() if p["api_surface"]},
    }


def _check_target(out: Path) -> None:
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "MANIFEST.json").is_file())):
        raise MolsysAIError(
            f"{out} exists and is not a corpus snapshot",
            "choose an empty or new folder for --out (an earlier snapshot there is replaced)",
        )


def _swap_in(staging: Path, out: Path) -> None:
    old = out.with_name(out.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)
