"""``POST /molsys-ai/policy``: the execution policy's verdict on code the sidebar is
about to run in the notebook's kernel. The sidebar shows the findings (each with its
reason in plain words) and the exact code in a consent dialog before anything runs."""

from __future__ import annotations

from pathlib import Path


def policy_verdict(code: str, variables: tuple[str, ...], workdir: str | Path) -> dict:
    """``{"findings": [{"kind", "line", "detail"}, …], "needs_consent": bool}`` for ``code``
    run in ``workdir`` by a kernel where the user defined ``variables``."""
    from ..policy import check_policy

    findings = [finding.to_dict() for finding in check_policy(code, set(variables), workdir=workdir)]
    return {"findings": findings, "needs_consent": bool(findings)}
