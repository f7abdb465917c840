"""What the MDTraj cell (:mod:`.render`) and the molsysmt cell (:mod:`.render_molsysmt`)
share: the reductions over frames and the layout of a two-answer plan. Both import it
from here, so neither imports the other for it."""

from __future__ import annotations

from .plan import Plan

FRAME_REDUCE = {"mean": "values.mean(axis=0)", "min": "values.min(axis=0)", "max": "values.max(axis=0)",
                "std": "values.std(axis=0)", "first": "values[0]", "last": "values[-1]",
                "change": "values[-1] - values[0]"}


def join_parts(plan: Plan, header: list[str], render_part) -> str:
    """One block per part of a two-answer plan, under one ``header``; the answer is their list."""
    from .restate import restate

    lines = list(header)
    for number, part in enumerate(plan.parts, 1):
        body = render_part(part).splitlines()[len(header):]
        lines += [f"# {number}. {restate(part)}", *body, f"answer_{number} = answer", ""]
    lines.append("answer = [" + ", ".join(f"answer_{n}" for n in range(1, len(plan.parts) + 1)) + "]")
    return "\n".join(lines) + "\n"
