"""``molsys-ai index build`` (the knowledge index from the corpus) and ``molsys-ai index info``."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import MolsysAIError
from .common import add_data_flags, settings_from


def register(sub) -> None:
    """Add ``index`` and its actions to the commands."""
    index = sub.add_parser("index", help="build or inspect the knowledge index")
    index_sub = index.add_subparsers(dest="index_command", metavar="ACTION")
    index_sub.required = True
    build = index_sub.add_parser("build", help="build the index from the corpus (reuses cached embeddings)")
    add_data_flags(build)
    build.add_argument("--force", action="store_true", help="rebuild even if the corpus is unchanged")
    build.add_argument("--max-tokens", type=int, default=None, help="chunk size in model tokens (≤ 256)")
    build.add_argument("--quiet", action="store_true", help="no progress output")
    build.set_defaults(func=cmd_index_build)
    info = index_sub.add_parser("info", help="show what an index was built from")
    add_data_flags(info)
    info.add_argument("--json", action="store_true")
    info.set_defaults(func=cmd_index_info)


def cmd_index_build(args) -> int:
    from ..knowledge.corpus import ChunkParams
    from ..knowledge.index_build import build_index

    params = ChunkParams() if args.max_tokens is None else ChunkParams(max_tokens=args.max_tokens)
    if not 32 <= params.max_tokens <= 256:
        raise MolsysAIError(f"--max-tokens must be between 32 and 256 (got {params.max_tokens})")
    build_index(settings_from(args), params, force=args.force, progress=not args.quiet)
    return 0


def cmd_index_info(args) -> int:
    from ..knowledge.index_files import check_index

    settings = settings_from(args)
    manifest = check_index(settings.index_path)
    if args.json:
        print(json.dumps(manifest, indent=2))
        return 0
    counts = manifest["counts"]
    print(f"index     {settings.index_path} → {Path(settings.index_path).resolve().name}")
    print(f"built     {manifest['created_utc']} in {manifest['build_seconds']} s")
    print(f"corpus    {manifest['corpus']}")
    for project, commit in manifest["corpus_commits"].items():
        print(f"          {project:13s} {commit[:12]}  {counts['by_project'].get(project, 0)} chunks")
    print(f"model     {manifest['model']}")
    print(f"chunks    {counts['chunks']} from {counts['pages']} pages; by kind: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts["by_kind"].items())))
    print(f"params    {manifest['chunk_params']}")
    return 0
