"""Choose a recipe and its parameters for a task.

The language model answers in JSON constrained by a schema built from what was
observed: the recipe names of a short list (ranked by word overlap with the task),
and the files that really are in the working folder. Small models cannot name a
file or a recipe that does not exist; they only choose among real ones.

What the task states literally (selections, frames, cutoff, unit… read by
:mod:`.slots`) fills the parameters too: for the embedded model it wins over the
model's values, for a server model it fills only what the model left out. Every
selection is checked against the file's topology before any code is written.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from .observe import TRAJECTORY_ONLY, FileTopology, Observation, read_topology
from .recipes import CATALOGUE, Recipe
from .slots import TaskFacts, bracket, read_task

SHORTLIST = 5  # recipes offered to a strong model; the embedded one gets 1 (bench agent: 0.53 vs 0.40-0.47)
_WORD = re.compile(r"[a-z0-9]+")


@dataclass
class Plan:
    recipe: str
    params: dict
    raw: str = ""  # what the model wrote
    messages: list | None = None  # what it was asked
    facts: dict | None = None  # what the task states (slots.TaskFacts.to_dict)

    def to_dict(self) -> dict:
        return {"recipe": self.recipe, "params": self.params, "facts": self.facts}


STOPWORDS = {"a", "an", "and", "any", "are", "as", "at", "be", "by", "do", "doe", "does", "for", "from", "how",
             "i", "in", "is", "it", "its", "of", "on", "or", "the", "their", "them", "this", "to", "what", "which",
             "with", "e", "g", "optionally", "one", "all", "only", "use", "using"}


def _words(text: str) -> set[str]:
    return {w.rstrip("s") if len(w) > 3 else w for w in _WORD.findall(text.lower())} - STOPWORDS


def _vocabulary(recipe: Recipe) -> set[str]:
    return _words(" ".join([recipe.name.replace("_", " "), recipe.summary, recipe.words]))


CUTOFF_BONUS = 3.0  # a task that states a cutoff ("within 5 Å") wants a recipe that takes one
MOLECULES_BONUS = 2.0  # "how many … molecules / residues / ions" wants a recipe that counts them


def shortlist(task: str, n: int = SHORTLIST, facts: TaskFacts | None = None) -> list[Recipe]:
    """Recipes ranked by the words they share with the task, each word weighted by how
    few recipes use it (a word every counting recipe has decides little), plus what the
    task states (a cutoff)."""
    task_words = _words(facts.operation if facts and facts.operation else task)
    vocabularies = {name: _vocabulary(recipe) for name, recipe in CATALOGUE.items()}
    frequency: dict[str, int] = {}
    for words in vocabularies.values():
        for word in words:
            frequency[word] = frequency.get(word, 0) + 1

    def score(recipe: Recipe) -> float:
        shared = task_words & vocabularies[recipe.name]
        bonus = 0.0
        if facts and facts.cutoff_angstrom is not None and "cutoff_angstrom" in recipe.params:
            bonus += CUTOFF_BONUS
        if facts and facts.count_molecules and recipe.unit == "count" and "molecule" in vocabularies[recipe.name]:
            bonus += MOLECULES_BONUS
        return sum(math.log(1.0 + len(CATALOGUE) / frequency[w]) for w in shared) + bonus

    return sorted(CATALOGUE.values(), key=score, reverse=True)[:n]


def files_named(task: str, observation: Observation) -> list[str]:
    """Files of the working folder that the task names, in the order it names them."""
    lowered = task.lower()
    named = [f for f in observation.files if f.lower() in lowered]
    if not named:  # "load 1tcd": the file whose name without suffix is a word of the task
        by_stem = [f for f in observation.files if re.search(rf"(?<![\w.-]){re.escape(Path(f).stem.lower())}(?![\w-])",
                                                            lowered)]
        readable = [f for f in by_stem if Path(f).suffix.lower() in MDTRAJ_READABLE]
        named = (readable or by_stem)[:1]
    named += [f for f in _by_kind(lowered, observation.files) if f not in named]
    return sorted(named, key=lambda f: _first_mention(lowered, f))


def _first_mention(lowered: str, name: str) -> int:
    for word in (name.lower(), Path(name).stem.lower()):
        if word in lowered:
            return lowered.index(word)
    return len(lowered)


def _by_kind(lowered: str, files: list[str]) -> list[str]:
    """"md_1u19 trajectory (xtc …)", "the villin h5 trajectory": a file named by a word of its
    name and its kind, when exactly one file of that kind has that word in its name."""
    found = []
    for suffix in {Path(f).suffix.lower() for f in files if Path(f).suffix}:
        if not re.search(rf"(?<![\w.-]){re.escape(suffix[1:])}(?![\w-])", lowered):
            continue
        of_kind = [f for f in files if Path(f).suffix.lower() == suffix]
        words = set(re.findall(r"[a-z][a-z0-9]{4,}", lowered)) | set(re.findall(r"[\w]+", lowered))
        hits = [f for f in of_kind if any(w in re.split(r"[^a-z0-9]+", Path(f).stem.lower()) or w == Path(f).stem.lower()
                                          for w in words if len(w) >= 5 or w == Path(f).stem.lower())]
        if len(hits) == 1 and hits[0].lower() not in lowered:
            found.append(hits[0])
    return found


def schema_for(recipes: list[Recipe], files: list[str]) -> dict:
    options = []
    for recipe in recipes:
        props: dict = {"recipe": {"const": recipe.name}}
        for name, param in recipe.all_params().items():
            if param.kind == "file":
                props[name] = {"type": "string", "enum": files + ([""] if param.default == "" else [])}
            elif param.choices:
                props[name] = {"enum": list(param.choices)}
            elif param.kind in ("int",):
                props[name] = {"type": "integer"}
            elif param.kind == "float":
                props[name] = {"type": "number"}
            else:
                props[name] = {"type": "string"}
        options.append({"type": "object", "properties": props, "required": ["recipe", "file"]})
    return {"anyOf": options}


def _prompt(task: str, recipes: list[Recipe], files: list[str], facts: TaskFacts | None = None) -> list[dict]:
    lines = []
    for recipe in recipes:
        params = ", ".join(f"{n} ({p.help})" for n, p in recipe.params.items())
        lines.append(f"- {recipe.name}: {recipe.summary}" + (f"; parameters: {params}" if params else ""))
    system = ("You turn a molecular-analysis task into JSON: the recipe that does it and its parameters. "
              "Selections use MDTraj syntax (e.g. 'name CA', 'resname HOH', 'water', 'protein').")
    user = "Recipes:\n" + "\n".join(lines) + f"\n\nFiles: {', '.join(files)}\n"
    if facts and facts.selections:
        user += "Selections the task mentions: " + "; ".join(repr(m.selection) for m in facts.selections) + "\n"
    user += f"\nTask: {task}\nJSON:"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _files_roles(files: list[str]) -> dict:
    """A trajectory file named with a structure file: the structure is its topology."""
    coordinates = [f for f in files if Path(f).suffix.lower() in TRAJECTORY_ONLY]
    structures = [f for f in files if f not in coordinates]
    if len(files) == 1:
        return {"file": files[0]}
    if len(coordinates) == 1 and len(structures) == 1:
        return {"file": coordinates[0], "topology": structures[0]}
    return {}


def stated_params(recipe: Recipe, facts: TaskFacts, topology: FileTopology | None) -> dict:
    """The recipe's parameters as the task states them."""
    spec = recipe.params
    out: dict = {}
    mentions = list(facts.selections)
    chain_selection = None
    if facts.chain_id and "chain_id" not in spec and topology and facts.chain_id in topology.chains:
        chain_selection = " or ".join(f"chainid {i}" for i in topology.chains[facts.chain_id])
    selection_names = [n for n, p in spec.items() if p.kind == "selection"]
    if "remove" in spec:  # strip: everything named goes; show: what is named after "remove", "without"…
        kept = [m for m in facts.groups if not m.removed] if len(selection_names) > 1 else []
        chosen = list(dict.fromkeys(m.selection for m in mentions if len(selection_names) == 1 or m.removed))
        if chosen:
            out["remove"] = " or ".join(bracket(c) if len(chosen) > 1 else c for c in chosen)
        if kept:
            out["selection"] = kept[0].selection
    elif "around" in spec and facts.cutoff_at >= 0:  # "… within 5 Å of X": X is the reference
        after = [m for m in facts.groups if m.start > facts.cutoff_at]
        before = [m for m in facts.groups if m.start < facts.cutoff_at]
        if after:
            out["around"] = after[0].selection
        if before:
            out["selection"] = before[0].selection
    elif len(selection_names) == 1 and facts.groups:  # "sodium or chloride ions": one union
        out[selection_names[0]] = facts.groups[0].selection
    else:
        for name, mention in zip(selection_names, mentions, strict=False):
            out[name] = mention.selection
    if chain_selection and selection_names:
        first = selection_names[0]
        out[first] = f"({out[first]}) and ({chain_selection})" if out.get(first) not in (None, "all") else chain_selection
    frames = facts.frames
    if "reference_frame" in spec and len(frames) >= 2:
        out["frame"], out["reference_frame"] = frames[0], frames[1]
    elif "frame" in spec and frames:
        out["frame"] = frames[0]
    simple = {"cutoff_angstrom": facts.cutoff_angstrom, "chain_id": facts.chain_id, "code": facts.dssp_code,
              "save_as": facts.save_as, "unit": facts.unit, "per": "residues" if facts.count_molecules else None,
              "angle": facts.dihedral, "residue": facts.residue_numbers[0] if facts.residue_numbers else None,
              "weights": "none" if facts.geometric else None}
    for name, value in simple.items():
        param = spec.get(name)
        if param is None or value is None or (param.choices and value not in param.choices):
            continue
        out[name] = value
    return out


def merge_params(recipe: Recipe, model: dict, stated: dict, topology: FileTopology | None,
                 prefer_stated: bool) -> dict:
    """Model values and stated values together; selections that do not parse or pick
    nothing in the file are dropped (a stated one replaces a model one that fails)."""
    spec = recipe.all_params()
    # a small model's selections and frames are guesses: with prefer_stated only the task's words count
    out = {k: v for k, v in model.items() if not (prefer_stated and spec[k].kind in ("selection", "int"))}
    for name, value in stated.items():
        if prefer_stated or name not in out:
            out[name] = value
    if topology is not None:
        for name, param in recipe.all_params().items():
            if param.kind != "selection" or name not in out or out[name] in ("", "all"):
                continue
            if topology.check_selection(out[name]):
                fallback = stated.get(name)
                if fallback and not topology.check_selection(fallback):
                    out[name] = fallback
                else:
                    del out[name]
    if out.get("topology") and out.get("topology") == out.get("file"):
        del out["topology"]
    return out


def _topology(params: dict, observation: Observation) -> FileTopology | None:
    folder = Path(observation.workdir)
    for key in ("topology", "file"):
        if params.get(key) and (found := read_topology(folder / params[key])) is not None:
            return found
    return None


def plan(task: str, observation: Observation, backend, feedback: str | None = None,
         shortlist_size: int | None = None) -> Plan:
    """Ask the model for a plan. Raises ValueError when no named file is in the folder.

    ``shortlist_size`` recipes are offered (default: 1 to the embedded model, whose
    choices were worse than the word-overlap ranking, SHORTLIST to a server model)."""
    files = files_named(task, observation) or observation.files
    if not files:
        raise ValueError("no molecular file in the working folder matches the task")
    if shortlist_size is None:
        shortlist_size = 1 if backend.name == "embedded" else SHORTLIST
    roles = _files_roles(files)
    topology = _topology(roles, observation)
    facts = read_task(task, files, topology.residues if topology else ())
    recipes = shortlist(task, shortlist_size, facts)
    messages = _prompt(task, recipes, files, facts)
    if feedback:
        messages[-1]["content"] += f"\n\nThe previous attempt failed: {feedback}\nChoose again."
    result = backend.complete(messages, json_schema=schema_for(recipes, files), max_tokens=160, temperature=0.0)
    try:
        data = json.loads(result.text)
    except ValueError:
        raise ValueError(f"the model did not return JSON: {result.text[:120]!r}") from None
    name = data.pop("recipe", None)
    if name not in CATALOGUE:
        raise ValueError(f"the model chose an unknown recipe: {name!r}")
    recipe = CATALOGUE[name]
    model_params = clean_params(recipe, data)
    stated = {**roles, **stated_params(recipe, facts, topology)}
    topology = _topology({**model_params, **roles}, observation) or topology
    params = merge_params(recipe, model_params, stated, topology, prefer_stated=backend.name == "embedded")
    check_files(recipe, params, observation)
    return Plan(recipe=name, params=params, raw=result.text, facts=facts.to_dict(), messages=messages)


def check_files(recipe: Recipe, params: dict, observation: Observation) -> None:
    """Every file parameter names a molecular file of the working folder, as observed: a model
    server that ignores the JSON schema cannot make a recipe load a URL or a path elsewhere."""
    for name, param in recipe.all_params().items():
        value = params.get(name)
        if param.kind == "file" and value and value not in observation.files:
            raise ValueError(f"the plan names {value!r} for {name}, which is not a file of the working folder "
                             f"(the files are: {', '.join(observation.files) or 'none'})")


MDTRAJ_READABLE = (".pdb", ".h5", ".gro", ".mol2", ".cif", ".prmtop", ".psf")  # in order of preference
_FILE_NAME = re.compile(r"^[\w.-]+\.[A-Za-z0-9]{1,6}$")
MAX_SELECTION_CHARS = 120


def _echoes(text: str, help_text: str) -> bool:
    """The value is (a piece of) the parameter's help text, not a value."""
    text, help_text = text.lower(), help_text.lower()
    return (len(text) >= 12 and text in help_text) or help_text[:20] in text


def clean_params(recipe: Recipe, values: dict) -> dict:
    """Drop values a small model writes when it does not know: the parameter's own help
    text echoed back, run-on selections, a chain id that is not one, a file name that is
    not one. Dropped parameters take their defaults."""
    spec = recipe.all_params()
    clean = {}
    for name, value in values.items():
        param = spec.get(name)
        if param is None:
            continue
        if isinstance(value, str):
            text = value.strip()
            if param.help and _echoes(text, param.help):
                continue
            if param.kind == "selection" and (not text or len(text) > MAX_SELECTION_CHARS):
                continue
            if name == "chain_id" and not re.fullmatch(r"[A-Za-z0-9]{1,2}", text):
                continue
            if name == "save_as" and text and not _FILE_NAME.match(text):
                continue
            value = text
        clean[name] = value
    return clean
