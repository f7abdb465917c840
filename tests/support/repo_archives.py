"""Source archives as GitHub serves them (``git archive`` of a commit: one top folder, the
commit id in the tar's global header), made from a folder and served on loopback."""

from __future__ import annotations

import subprocess
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

GIT_IDENTITY = ["-c", "user.name=tests", "-c", "user.email=tests@example.invalid", "-c", "commit.gpgsign=false"]


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: text}`` under ``root``; ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def commit_folder(folder: Path) -> str:
    """Make ``folder`` a git repository with one commit of everything in it; its id."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *GIT_IDENTITY, *args], cwd=folder, check=True,
                              capture_output=True, text=True).stdout.strip()

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "snapshot")
    return git("rev-parse", "HEAD")


def git_archive(folder: Path, name: str, commit: str) -> bytes:
    """``tar.gz`` of that commit, with GitHub's top folder ``<name>-<commit>/``."""
    return subprocess.run(["git", "archive", "--format=tar.gz", f"--prefix={name}-{commit}/", commit],
                          cwd=folder, check=True, capture_output=True).stdout


class ArchiveServer:
    """Serves ``/<owner>/<name>/<ref>.tar.gz`` from a dict; counts every request by path."""

    def __init__(self, archives: dict[str, bytes]):
        self.archives = archives
        self.hits: Counter = Counter()
        server_self = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                server_self.hits[self.path] += 1
                body = server_self.archives.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.template = f"http://127.0.0.1:{self._server.server_port}/{{repo}}/{{commit}}.tar.gz"

    def __enter__(self) -> "ArchiveServer":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
