"""Choose a recipe and its parameters for a task.

The language model answers in JSON constrained by a schema built from what was
observed: the recipe names of a short list (ranked by word overlap with the task),
and the files that really are in the working folder. Small models cannot name a
file or a recipe that does not exist; they only choose among real ones.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .observe import Observation
from .recipes import CATALOGUE, Recipe

SHORTLIST = 5  # recipes offered to a strong model; the embedded one gets 1 (bench agent: 0.53 vs 0.40-0.47)
_WORD = re.compile(r"[a-z0-9]+")


@dataclass
class Plan:
    recipe: str
    params: dict
    raw: str = ""  # what the model wrote

    def to_dict(self) -> dict:
        return {"recipe": self.recipe, "params": self.params}


def _words(text: str) -> set[str]:
    words = set(_WORD.findall(text.lower()))
    return words | {w.rstrip("s") for w in words}


def shortlist(task: str, n: int = SHORTLIST) -> list[Recipe]:
    """Recipes ranked by word overlap between the task and their name and summary."""
    task_words = _words(task)

    def score(recipe: Recipe) -> float:
        words = _words(recipe.name.replace("_", " ") + " " + recipe.summary)
        return len(task_words & words) + 0.5 * len(task_words & _words(recipe.name.replace("_", " ")))

    return sorted(CATALOGUE.values(), key=score, reverse=True)[:n]


def files_named(task: str, observation: Observation) -> list[str]:
    """Files of the working folder that the task names, in the order it names them."""
    lowered = task.lower()
    named = [f for f in observation.files if f.lower() in lowered]
    return sorted(named, key=lambda f: lowered.index(f.lower()))


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


def _prompt(task: str, recipes: list[Recipe], files: list[str]) -> list[dict]:
    lines = []
    for recipe in recipes:
        params = ", ".join(f"{n} ({p.help})" for n, p in recipe.params.items())
        lines.append(f"- {recipe.name}: {recipe.summary}" + (f"; parameters: {params}" if params else ""))
    system = ("You turn a molecular-analysis task into JSON: the recipe that does it and its parameters. "
              "Selections use MDTraj syntax (e.g. 'name CA', 'resname HOH', 'water', 'protein').")
    user = "Recipes:\n" + "\n".join(lines) + f"\n\nFiles: {', '.join(files)}\n\nTask: {task}\nJSON:"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


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
    recipes = shortlist(task, shortlist_size)
    messages = _prompt(task, recipes, files)
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
    return Plan(recipe=name, params=clean_params(CATALOGUE[name], data), raw=result.text)


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
