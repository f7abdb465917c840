"""A project's files at a commit: a GitHub source archive (streamed, only the files a snapshot
reads are kept) or a local checkout."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import MolsysAIError
from .sources import ProjectSource

DEFAULT_ARCHIVE_URL = "https://codeload.github.com/{repo}/tar.gz/{commit}"
ARCHIVE_URL_ENV = "MOLSYS_AI_ARCHIVE_URL"
KEPT_SUFFIXES = (".py", ".md", ".rst", ".ipynb", ".txt")
_COMPLETE = ".complete"
_COMMIT_ID = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class Checkout:
    """A project's files on disk, and the commit they are from."""

    root: Path
    commit: str


def is_license(path: str) -> bool:
    return PurePosixPath(path).name.upper().startswith(("LICENSE", "LICENCE", "COPYING"))


def kept(path: str) -> bool:
    """Whether a file of the repository is needed: docs, Python source, the license."""
    return path.endswith(KEPT_SUFFIXES) or is_license(path)


def archive_url(source: ProjectSource, template: str | None = None) -> str:
    template = template or os.environ.get(ARCHIVE_URL_ENV) or DEFAULT_ARCHIVE_URL
    try:
        return template.format(repo=source.repo, commit=source.commit, name=source.name)
    except (KeyError, IndexError, ValueError):
        raise MolsysAIError(
            f"bad archive URL template {template!r}",
            "it may use {repo}, {commit} and {name}, e.g. " + DEFAULT_ARCHIVE_URL,
        ) from None


def fetch_archive(source: ProjectSource, cache: Path, template: str | None = None,
                  timeout: float = 60.0) -> Checkout:
    """Download and unpack the project's archive into ``cache`` (reused when complete)."""
    target = Path(cache) / f"{source.name}-{_safe(source.commit)}"
    marker = target / _COMPLETE
    if marker.is_file() and _COMMIT_ID.match(source.commit):  # a branch may have moved: fetch again
        return Checkout(target, marker.read_text(encoding="utf-8").strip() or source.commit)
    url = archive_url(source, template)
    _check_scheme(url)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (scheme checked above)
            commit = _unpack(response, partial) or source.commit
    except (urllib.error.URLError, OSError, tarfile.TarError, EOFError) as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise MolsysAIError(
            f"cannot fetch {source.name} from {url}: {getattr(exc, 'reason', exc)}",
            "check the network (GitHub must be reachable), or build from local checkouts with --source PROJECT=DIR",
        ) from None
    (partial / _COMPLETE).write_text(commit, encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return Checkout(target, commit)


def local_checkout(path: str | Path, fallback_commit: str) -> Checkout:
    """A folder holding the repository; its commit is read from ``.git`` when there is one."""
    root = Path(path).expanduser()
    if not root.is_dir():
        raise MolsysAIError(f"source folder not found: {root}", "pass --source PROJECT=DIR with a checkout of the repository")
    return Checkout(root, _git_head(root) or fallback_commit)


def _check_scheme(url: str) -> None:
    if not url.startswith(("https://", "http://")):
        raise MolsysAIError(f"archive URL must be http(s): {url}")


def _unpack(stream, dest: Path) -> str | None:
    """Extract the kept files of a ``tar.gz`` stream, without its top folder; the commit id
    GitHub writes in the archive's global header, if any."""
    with tarfile.open(fileobj=stream, mode="r|gz") as archive:
        for member in archive:
            parts = PurePosixPath(member.name).parts
            if not member.isfile() or len(parts) < 2 or not kept(member.name):
                continue
            relative = PurePosixPath(*parts[1:])
            if relative.is_absolute() or ".." in relative.parts:
                continue
            out = dest / relative
            out.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            if source is not None:
                with source, open(out, "wb") as handle:
                    shutil.copyfileobj(source, handle)
        return archive.pax_headers.get("comment")


def _git_head(root: Path) -> str | None:
    """The checkout's commit, as git says (None without git or outside a repository)."""
    try:
        done = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def _safe(ref: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in ref)
