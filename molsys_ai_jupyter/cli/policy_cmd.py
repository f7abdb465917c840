"""``molsys-ai policy check FILE`` (what in a piece of code needs consent, and why) and
``molsys-ai bench policy`` (the policy against a set of planted snippets, as JSON)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import MolsysAIError
from .common import write_json

DEFAULT_SET = Path(__file__).resolve().parents[2] / "benchmarks" / "planted_snippets.json"


def register(sub) -> None:
    """Add ``policy check`` to the commands."""
    policy = sub.add_parser("policy", help="the execution policy: what in some code needs your consent")
    actions = policy.add_subparsers(dest="policy_command", metavar="ACTION")
    actions.required = True
    check = actions.add_parser("check", help="list what in a Python file (or - for stdin) needs consent")
    check.add_argument("file", help="a .py file, or - to read the code from stdin")
    check.add_argument("--workdir", default=".", help="the folder the code would run in (default: here)")
    check.add_argument("--variables", default="", help="comma-separated names of your variables")
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=cmd_policy_check)


def register_bench(bench_sub) -> None:
    """Add ``policy`` to the benchmarks."""
    bench = bench_sub.add_parser("policy", help="the policy against planted snippets (JSON)")
    bench.add_argument("--snippets", default=str(DEFAULT_SET), help=f"snippet set (default {DEFAULT_SET.name})")
    bench.add_argument("--json", dest="json_out", help="write the result JSON to this file")
    bench.set_defaults(func=cmd_bench_policy)


def _read_code(name: str) -> str:
    try:
        raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as exc:
        raise MolsysAIError(f"cannot read {name}: {exc.strerror}", "name a readable .py file") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MolsysAIError(f"{name} is not UTF-8 text", "save it as UTF-8") from None


def cmd_policy_check(args) -> int:
    from ..policy import check_policy, explain

    workdir = Path(args.workdir).expanduser()
    if not workdir.is_dir():
        raise MolsysAIError(f"working folder not found: {args.workdir}", "pass --workdir FOLDER")
    names = {n.strip() for n in args.variables.split(",") if n.strip()}
    findings = check_policy(_read_code(args.file), names, workdir)
    if args.json:
        print(json.dumps([f.to_dict() for f in findings], indent=2))
    elif not findings:
        print("runs without asking: every construct is in the safe subset")
    else:
        print("\n".join(["needs your consent:", *("  " + line for line in explain(findings))]))
    return 1 if findings else 0


def cmd_bench_policy(args) -> int:
    from ..bench.policy import score_policy

    path = Path(args.snippets)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MolsysAIError(f"cannot read the snippet set {path}: {exc}", "pass --snippets FILE.json") from None
    result = score_policy(data)
    write_json(result, args.json_out)
    print(json.dumps({k: v for k, v in result.items() if k != "by_category"}, indent=2))
    return 0
