"""Parts of a system that a request defines by position: "barnase = the first 110
residues, barstar = the last 89", "the first 110 residues are barnase", "Rg of barnase
(the first 110 residues)", "los primeros 110 residuos".

Each definition becomes an MDTraj selection by residue index (``resid``, counted from 0
in file order), written into the request as a literal selection wherever the part is
named, so the reader reads it like any other selection. What the request says about the
part's numbering ("Ala1–Arg110", "numbering restarts at Lys1") is checked against the
file; a part that is not all protein, or a count beyond the file's residues, is a
problem in words, never a guess.

>>> import mdtraj as md
>>> top = md.Topology(); chain = top.add_chain()
>>> for n in range(5):
...     _ = top.add_residue("ALA", chain, resSeq=n + 1)
>>> found = define_parts("Rg of head (the first 2 residues) vs tail = the last 3 residues; tail SASA", top)
>>> found.request
'Rg of `resid 0 to 1` vs  ; `resid 2 to 4` SASA'
>>> [(p.name, p.selection) for p in found.parts]
[('head', 'resid 0 to 1'), ('tail', 'resid 2 to 4')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_FIRST = r"first|primer[oa]s|initial"
_LAST = r"last|[úu]ltim[oa]s|final|remaining|restantes"
_END = rf"(?P<end>{_FIRST}|{_LAST})"
_COUNT = r"(?P<n>\d+)"
_RESIDUES = r"(?:residues|residuos)"
_NAME = r"(?<![\w.`-])(?P<name>[^\W\d_][\w-]{2,})"
_NOTE = r"(?P<note>\s*\([^()]{1,60}\))?"  # "(Ala1–Arg110)", "(numbered 1–110)", "(numbering restarts at Lys1)"
_THE = r"(?:the\s+|los\s+|las\s+)?"
# "barnase = the first 110 residues", "barstar: the last 89 residues", "barnasa = primeros 110 residuos"
_NAME_IS = re.compile(rf"\b{_NAME}\s*(?:=|:|\bis\b|\bes\b|\bare\b|\bson\b)\s*{_THE}{_END}\s+{_COUNT}(?:\s+{_RESIDUES})?\b{_NOTE}",
                      re.I)
# "the first 110 residues are barnase", "the remaining 89 are barstar"
_IS_NAME = re.compile(rf"\b{_THE}{_END}\s+{_COUNT}(?:\s+{_RESIDUES})?\s+(?:are|is|son|es)\s+{_NAME}\b{_NOTE}", re.I)
# "barnase (first 110 residues)", "barnase solo (los primeros 110 residuos de barnase_barstar.pdb)"
_NAME_PAREN = re.compile(rf"\b{_NAME}(?P<alone>\s+(?:alone|solo|sola))?\s*\(\s*{_THE}{_END}\s+{_COUNT}\s+{_RESIDUES}"
                         rf"(?:\s+(?:of|de|in|en)\s+[\w.-]+)?\s*\)", re.I)
# unnamed: "the first 110 residues", "los últimos 89 residuos"
_UNNAMED = re.compile(rf"\b{_THE}{_END}\s+{_COUNT}\s+{_RESIDUES}\b", re.I)
_NOT_NAMES = {"the", "and", "of", "residues", "residuos", "which", "what", "chain", "protein", "proteins", "all", "y",
              "de", "la", "el", "los", "las", "are", "is", "that", "those", "these", "it", "they", "part"}
_THREE = {"ALA": "Ala", "ARG": "Arg", "ASN": "Asn", "ASP": "Asp", "CYS": "Cys", "GLN": "Gln", "GLU": "Glu",
          "GLY": "Gly", "HIS": "His", "ILE": "Ile", "LEU": "Leu", "LYS": "Lys", "MET": "Met", "PHE": "Phe",
          "PRO": "Pro", "SER": "Ser", "THR": "Thr", "TRP": "Trp", "TYR": "Tyr", "VAL": "Val"}


@dataclass
class Part:
    name: str  # "" for a part the request does not name
    selection: str  # "resid 0 to 109"
    description: str  # "the first 110 residues"


@dataclass
class PartsFound:
    request: str  # the request with each part written as a literal selection
    parts: list[Part] = field(default_factory=list)
    problem: str = ""

    def note(self) -> str:
        """" (barnase: the first 110 residues, resid 0 to 109 counted from 0)" for a restatement."""
        if not self.parts:
            return ""
        return " (" + "; ".join(f"{p.name + ': ' if p.name else ''}{p.description}, `{p.selection}` (residues counted "
                                "from 0)" for p in self.parts) + ")"


def _selection(end: str, count: int, n_residues: int) -> tuple[int, int] | None:
    if count < 1 or count > n_residues:
        return None
    first = re.fullmatch(_FIRST, end, re.I) is not None
    return (0, count - 1) if first else (n_residues - count, n_residues - 1)


def _note_problem(note: str | None, residues: list, start: int, stop: int) -> str | None:
    """What a note about the part's numbering says that the file does not (None: it agrees,
    or says nothing checkable)."""
    if not note:
        return None
    text = note.strip()[1:-1]
    first, last = residues[start], residues[stop]
    ends = re.fullmatch(r"\s*([A-Za-z]{3})(\d+)\s*[–—-]\s*([A-Za-z]{3})(\d+)\s*", text)
    if ends:
        said = [(ends.group(1).upper(), int(ends.group(2))), (ends.group(3).upper(), int(ends.group(4)))]
        real = [(first.name, first.resSeq), (last.name, last.resSeq)]
        return None if said == real else f"the part runs from {first.name}{first.resSeq} to {last.name}{last.resSeq}, " \
                                         f"not {text.strip()}"
    numbered = re.fullmatch(r"\s*(?:numbered|numerad[oa]s?)\s+(?:from\s+)?(\d+)(?:\s*[–—-]\s*(\d+))?\s*", text, re.I)
    if numbered:
        ok = first.resSeq == int(numbered.group(1)) and (not numbered.group(2) or last.resSeq == int(numbered.group(2)))
        return None if ok else f"the part is numbered {first.resSeq}–{last.resSeq}, not {text.strip()}"
    restarts = re.fullmatch(r"\s*numbering restarts at ([A-Za-z]{3})?(\d+)\s*", text, re.I)
    if restarts:
        ok = first.resSeq == int(restarts.group(2)) and (not restarts.group(1) or first.name == restarts.group(1).upper())
        return None if ok else f"the part starts at {first.name}{first.resSeq}, not {text.strip()}"
    return f"“{text.strip()}” is not understood"


def define_parts(request: str, topology) -> PartsFound:
    """The parts ``request`` defines over ``topology`` and the request rewritten with them."""
    found = PartsFound(request)
    if topology is None or not re.search(_RESIDUES, request, re.I):
        return found
    residues = list(topology.residues)
    names: dict[str, str] = {}
    text = request

    def literal(match: re.Match) -> str | None:
        span = _selection(match.group("end"), int(match.group("n")), len(residues))
        if span is None:
            found.problem = found.problem or (f"the file has {len(residues)} residues, not {match.group('n')} to take "
                                              f"the {match.group('end').lower()} of")
            return None
        start, stop = span
        if not all(r.is_protein for r in residues[start: stop + 1]):
            found.problem = found.problem or (f"the {match.group('end').lower()} {match.group('n')} residues of the "
                                              "file are not all protein: name them by residue number")
            return None
        note = match.groupdict().get("note")
        problem = _note_problem(note, residues, start, stop)
        if problem:
            found.problem = found.problem or problem
            return None
        name = match.groupdict().get("name") or ""
        if name.lower() in _NOT_NAMES:
            name = ""
        end = "first" if re.fullmatch(_FIRST, match.group("end"), re.I) else "last"
        description = f"the {end} {match.group('n')} residues, " \
                      f"{residues[start].name}{residues[start].resSeq}–{residues[stop].name}{residues[stop].resSeq}"
        found.parts.append(Part(name, f"resid {start} to {stop}", description))
        if name:
            names[name.lower()] = f"resid {start} to {stop}"
        return f"`resid {start} to {stop}`"

    def substitute(pattern: re.Pattern, keep_literal: bool) -> None:
        nonlocal text
        out, at = [], 0
        for match in pattern.finditer(text):
            if "`" in text[max(0, match.start() - 1): match.end() + 1]:
                continue
            replacement = literal(match)
            if replacement is None:
                continue
            out += [text[at: match.start()], replacement if keep_literal else " "]
            at = match.end()
        text = "".join(out) + text[at:]

    substitute(_IS_NAME, keep_literal=False)
    substitute(_NAME_PAREN, keep_literal=True)
    substitute(_NAME_IS, keep_literal=False)
    for name, selection in names.items():  # every later mention of the part's name
        text, mentions = re.subn(rf"(?<![\w`-]){re.escape(name)}(?![\w-])", f"`{selection}`", text, flags=re.I)
        if not mentions and f"`{selection}`" not in text:  # defined, then never named: "its CA atoms" is not read
            found.problem = found.problem or f"{name} is defined, but the request does not name it where it asks " \
                                             f"something of it (say “the CA atoms of {name}”)"
    substitute(_UNNAMED, keep_literal=True)
    if found.parts:
        found.request = text
    return found
