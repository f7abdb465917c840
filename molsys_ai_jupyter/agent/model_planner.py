"""The language model's plan: the model writes the plan as JSON under the plan schema
(constrained decoding), given the request, facts about the file and the reader's hints;
the plan then has to fit the file (:func:`.plan.validate`) and account for every phrase
of the request (:func:`.coverage.uncovered`) before it may run.

The reader still decides what is understood: a request with a word nobody read is not
planned by the model either. This is the ``model-plans`` agent design; the prompt below
is also the one the planner is fine-tuned on (:mod:`..train.plan_sft`), so the two must
not drift apart.
"""

from __future__ import annotations

import json

from .coverage import uncovered, ungrounded
from .plan import Plan, PlanError, plan_schema, validate
from .reader import Understanding

SYSTEM = ("You turn a molecular-analysis request into a plan: JSON {\"steps\": [...]} with the steps load, strip, "
          "keep, frames, superpose, select, compute, reduce_entities, reduce_frames, convert, save, show. "
          "Selections use MDTraj syntax.")
MAX_PLAN_TOKENS = 320


def hints(understanding: Understanding) -> str:
    """What the reader found, as short key=value hints."""
    out = []
    for phrase in understanding.phrases:
        if phrase.role in ("quantity", "frames", "unit", "dssp", "angle_name", "separation", "time", "entity",
                           "level", "method"):
            out.append(f"{phrase.role}={phrase.value}")
        elif phrase.role in ("count", "names", "save", "show", "ligand"):
            out.append(phrase.role)
    facts = understanding.facts
    if facts is not None:
        out += [f"{'remove' if m.removed else 'atoms'}={m.selection}" for m in facts.groups]
        if facts.frames:
            out.append("frames=" + ",".join(map(str, facts.frames)))
        if facts.cutoff_angstrom is not None:
            out.append(f"cutoff_nm={facts.cutoff_angstrom / 10.0:g}")
        if facts.chain_id:
            out.append(f"chain={facts.chain_id}")
        if facts.residue_numbers:
            out.append("residues=" + ",".join(map(str, facts.residue_numbers)))
    return "; ".join(dict.fromkeys(out))


def file_facts(topology, n_frames: int | None) -> str:
    if topology is None:
        return ""
    names = sorted({r.name for r in topology.residues})
    chains = sorted({getattr(c, "chain_id", None) or str(c.index) for c in topology.chains})
    return (f"residues {' '.join(names[:24])}{' …' if len(names) > 24 else ''}; chains {' '.join(chains)}; "
            f"frames {n_frames if n_frames is not None else '?'}")


def messages(request: str, files: list[str], understanding: Understanding, topology=None,
             n_frames: int | None = None) -> list[dict]:
    user = (f"Request: {request}\nFiles: {', '.join(files)}\nFile: {file_facts(topology, n_frames)}\n"
            f"Hints: {hints(understanding)}\nPlan:")
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def target(plan: Plan) -> str:
    """A plan as the model writes it (the fine-tuning target)."""
    return json.dumps(plan.to_dict(), ensure_ascii=False, separators=(",", ":"))


def plan_with_model(understanding: Understanding, files: list[str], backend, topology=None,
                    n_frames: int | None = None) -> Understanding:
    """The model's plan for the request the reader read into ``understanding``. Words the
    reader did not know stay not understood; a model plan that does not parse, does not
    fit the file or leaves a phrase uncovered is not run (it is kept as the closest plan)."""
    from .restate import restate

    result = Understanding(understanding.request, phrases=understanding.phrases, facts=understanding.facts,
                           corrections=understanding.corrections)
    if understanding.facts is None:  # two questions the reader answered part by part: its plans stand
        return understanding
    if understanding.unknown:
        result.unaccounted, result.plan = list(understanding.unaccounted), understanding.plan
        result.restatement = understanding.restatement
        return result
    reply = backend.complete(messages(understanding.request, files, understanding, topology, n_frames),
                             json_schema=plan_schema(files), max_tokens=MAX_PLAN_TOKENS, temperature=0.0)
    try:
        plan = Plan.from_dict(json.loads(reply.text))
        validate(plan, topology, n_frames)
    except (ValueError, PlanError) as exc:  # JSON errors are ValueErrors too
        result.problem = f"the model's plan does not fit: {str(exc)[:160]}"
        return result
    result.plan, result.restatement = plan, restate(plan)
    result.unaccounted = uncovered(plan, understanding.phrases, understanding.facts)
    added = ungrounded(plan, understanding.facts, understanding.phrases, topology)
    if added:  # a constraint the request does not state: the model's, not the user's
        result.problem = (f"the model's plan adds {added[0]!r}, which the request does not say" if
                          added[0].startswith("counting ") else
                          f"the model's plan selects {added[0]!r}, which the request does not name")
    return result
