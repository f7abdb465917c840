"""Print the third-party requirements of the given extras of pyproject.toml, one per
line (self-references such as ``molsys-ai-jupyter[rag]`` are expanded).

    python scripts/requirements.py rag test
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

SELF = "molsys-ai-jupyter"


def requirements(extras: list[str]) -> list[str]:
    project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]
    optional = project.get("optional-dependencies", {})
    out: list[str] = list(project.get("dependencies", []))
    seen: set[str] = set()
    todo = list(extras)
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        if extra not in optional:
            raise SystemExit(f"unknown extra: {extra}")
        seen.add(extra)
        for req in optional[extra]:
            match = re.fullmatch(rf"{SELF}\[([^\]]+)\]", req.strip())
            if match:
                todo.extend(e.strip() for e in match.group(1).split(","))
            elif req not in out:
                out.append(req)
    return out


if __name__ == "__main__":
    print("\n".join(requirements(sys.argv[1:])))
