"""Bad input from the audit gives one line ``error: … — how to fix`` and status 2, never a
traceback: text that is not UTF-8, a corrupt or empty Chroma store, a closed pipe."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from molsys_ai_jupyter.cli.main import main
from molsys_ai_jupyter.cli.text_input import require_utf8
from molsys_ai_jupyter.errors import InvalidQuery


def cli(*args, stdin: bytes | None = None, stdout=subprocess.PIPE, env: dict | None = None):
    """The real entry point in its own process; ``args`` may be bytes (argv as the shell gives it)."""
    return subprocess.run([sys.executable, "-m", "molsys_ai_jupyter.cli.main", *args], input=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, env={**os.environ, **(env or {})}, timeout=300)


def one_error_line(stderr: str | bytes) -> str:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = text.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and " — " in lines[0], text
    return lines[0]


def flags(settings) -> list[str]:
    return ["--data", str(settings.data_root), "--index-dir", str(settings.index_root)]


# --- text that is not UTF-8 ---------------------------------------------------------------


@pytest.mark.parametrize("command", ["search", "ask"])
def test_command_line_text_that_is_not_utf8(mini_index, command):
    proc = cli(command, b"caf\xe9 \xff\xfe", *flags(mini_index))
    assert proc.returncode == 2
    line = one_error_line(proc.stderr)
    assert "is not valid UTF-8 (byte 0xe9 at character 4)" in line and "UTF-8" in line.split(" — ")[1]


def test_chat_line_on_stdin_that_is_not_utf8(mini_index):
    proc = cli("chat", *flags(mini_index), stdin=b"\xff\xfe waters?\n")
    assert proc.returncode == 2
    assert "input line is not valid UTF-8 (byte 0xff at character 1)" in one_error_line(proc.stderr)


def test_text_check_for_other_commands():
    assert require_utf8("How many residues are in 1vii.pdb? (Å, é)", "task") == "How many residues are in 1vii.pdb? (Å, é)"
    with pytest.raises(InvalidQuery, match=r"the task is not valid UTF-8 \(byte 0xff at character 5\) — .*UTF-8"):
        require_utf8(b"Run \xff".decode("utf-8", "surrogateescape"), "task")
    with pytest.raises(InvalidQuery, match=r"character U\+D800 at character 2"):
        require_utf8(json.loads('"a\\ud800"'), "task")  # a lone surrogate that came as JSON


# --- corrupt or empty Chroma stores --------------------------------------------------------


@pytest.fixture
def index_copy(mini_index, tmp_path):
    """Settings of a private copy of the toy index (its Chroma store may be broken)."""
    root = tmp_path / "indexes"
    shutil.copytree(mini_index.index_root, root, symlinks=True)
    return mini_index.with_overrides(index_root=root)


def sqlite_file(settings) -> Path:
    return Path(settings.index_path).resolve() / "chroma" / "chroma.sqlite3"


def truncate(settings):
    path = sqlite_file(settings)
    path.write_bytes(path.read_bytes()[:50_000])


def garbage(settings):
    path = sqlite_file(settings)
    path.write_bytes(os.urandom(path.stat().st_size))


def empty(settings):
    sqlite_file(settings).write_bytes(b"")


def one_chunk_less(settings):
    from molsys_ai_jupyter.knowledge.store import open_store

    store = open_store(Path(settings.index_path).resolve() / "chroma")
    store.delete_documents([store.filter_documents()[0].id])


CORRUPTIONS = {
    truncate: "is unreadable (error returned from database: (code: 11) database disk image is malformed)",
    garbage: "is unreadable (error returned from database: (code: 26) file is not a database)",
    empty: "holds 0 chunks, its manifest lists",
    one_chunk_less: "chunks, its manifest lists",
}


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("command", ["search", "ask"])
def test_search_and_ask_refuse_a_broken_store(index_copy, corrupt, command, capsys):
    corrupt(index_copy)
    assert main([command, "waters", *flags(index_copy)]) == 2
    out = capsys.readouterr()
    line = one_error_line(out.err)
    assert "dense store at" in line and CORRUPTIONS[corrupt] in line
    assert line.endswith("— rebuild it with `molsys-ai index build --force`")
    assert out.out == ""


@pytest.mark.parametrize("corrupt", [truncate, empty], ids=lambda f: f.__name__)
def test_doctor_fails_the_index_check_of_a_broken_store(index_copy, corrupt, capsys):
    corrupt(index_copy)
    assert main(["doctor", "--json", *flags(index_copy)]) == 1
    index = {c["name"]: c for c in json.loads(capsys.readouterr().out)}["index"]
    assert not index["ok"] and CORRUPTIONS[corrupt] in index["detail"]
    assert index["fix"] == "rebuild it with `molsys-ai index build --force`"


def test_a_chroma_server_that_does_not_answer(mini_index, monkeypatch, capsys):
    from support.servers import free_port

    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    monkeypatch.setenv("MOLSYS_AI_CHROMA_URL", url)
    assert main(["search", "waters", *flags(mini_index)]) == 2
    assert f"no answer from the Chroma server at {url}" in one_error_line(capsys.readouterr().err)
    assert main(["doctor", "--json", *flags(mini_index)]) == 1
    index = {c["name"]: c for c in json.loads(capsys.readouterr().out)}["index"]
    assert not index["ok"] and url in index["detail"] and "MOLSYS_AI_CHROMA_URL" in index["fix"]


# --- a closed pipe ---------------------------------------------------------------------------


def closed_pipe():
    """The write end of a pipe nobody reads any more (``… | head`` once head has left)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    return write_end


@pytest.mark.parametrize("unbuffered", ["1", ""], ids=["unbuffered", "buffered"])
def test_index_info_into_a_closed_pipe(mini_index, unbuffered):
    out = closed_pipe()
    try:
        proc = cli("index", "info", *flags(mini_index), stdout=out, env={"PYTHONUNBUFFERED": unbuffered})
    finally:
        os.close(out)
    assert proc.returncode == 2
    assert "output closed before it was all written (broken pipe)" in one_error_line(proc.stderr)


def test_search_into_a_closed_pipe(mini_index):
    out = closed_pipe()
    try:
        proc = cli("search", "waters", *flags(mini_index), stdout=out)
    finally:
        os.close(out)
    assert proc.returncode == 2
    assert "broken pipe" in one_error_line(proc.stderr)
