"""``molsys-ai corpus …``: build the documentation corpus snapshot from the projects' repositories.

    molsys-ai corpus sources                        # the projects and the commits they are pinned to
    molsys-ai corpus build --out DATA/corpus        # fetch each repository's archive from GitHub
    molsys-ai corpus build --out DIR --source molsysmt=~/repos/molsysmt   # a local checkout instead
    molsys-ai corpus build --out DIR --ref topomt=main                    # another commit or branch

The snapshot has the layout ``molsys-ai index build`` reads (``MANIFEST.json``, one folder per
project with its documentation files, ``_api_surface.jsonl`` and ``LICENSE``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def register(sub) -> None:
    """Add ``corpus`` and its actions to the commands."""
    corpus = sub.add_parser("corpus", help="build the documentation corpus snapshot from the projects' repositories")
    actions = corpus.add_subparsers(dest="corpus_command", metavar="ACTION")
    actions.required = True

    sources = actions.add_parser("sources", help="list the projects and their pinned commits")
    sources.add_argument("--json", action="store_true")
    sources.set_defaults(func=cmd_sources)

    build = actions.add_parser("build", help="fetch the repositories (or read checkouts) and write the snapshot")
    build.add_argument("--out", required=True, metavar="DIR",
                       help="the snapshot folder, e.g. <data>/corpus (an earlier snapshot there is replaced)")
    build.add_argument("--project", action="append", metavar="NAME", help="only this project (repeatable)")
    build.add_argument("--source", action="append", metavar="PROJECT=DIR",
                       help="read this project from a local checkout instead of downloading it (repeatable)")
    build.add_argument("--ref", action="append", metavar="PROJECT=REF",
                       help="another commit, branch or tag than the pinned one (repeatable)")
    build.add_argument("--archive-url", metavar="TEMPLATE",
                       help="where archives are downloaded from, with {repo} and {commit} "
                            "(default GitHub's; env MOLSYS_AI_ARCHIVE_URL)")
    build.add_argument("--cache", metavar="DIR", help="where downloaded archives are kept (default <cache>/sources)")
    build.add_argument("--json", dest="json_out", metavar="FILE", help="also write a summary here")
    build.add_argument("--quiet", action="store_true")
    build.set_defaults(func=cmd_build)


def cmd_sources(args) -> int:
    from ..snapshot.sources import pinned_sources

    rows = [{"project": s.name, "repo": s.repo, "commit": s.commit, "docs": s.docs_base_url} for s in pinned_sources()]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        print(f"{row['project']:13s} {row['repo']:22s} {row['commit']}  {row['docs'] or '(no docs site)'}")
    return 0


def cmd_build(args) -> int:
    from ..config import load_settings
    from ..snapshot.build import build_snapshot
    from ..snapshot.sources import parse_pairs, select_sources

    local = parse_pairs(args.source, "--source")
    sources = select_sources(args.project, parse_pairs(args.ref, "--ref"))
    unknown = set(local) - {s.name for s in sources}
    if unknown:
        from ..errors import MolsysAIError

        raise MolsysAIError(f"--source names a project that is not built: {', '.join(sorted(unknown))}")
    cache = Path(args.cache).expanduser() if args.cache else Path(load_settings().cache_dir) / "sources"
    say = (lambda line: None) if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    manifest = build_snapshot(Path(args.out), sources, local=local, cache=cache,
                              archive_template=args.archive_url, say=say)
    summary = {
        "out": str(Path(args.out).expanduser()),
        "projects": {name: {"commit": p["head_commit"], "doc_files": p["doc_files"],
                            "published_pages": p["published_pages"],
                            "api_records": p["api_surface"].get("records", 0)}
                     for name, p in manifest["projects"].items()},
        "totals": manifest["totals"],
    }
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(json.dumps(summary) if args.quiet else json.dumps(summary, indent=2))
    return 0
