"""Residues a request names by what they are rather than by number: "the third
alanine", "the middle Ala", "la alanina central", "the C of the ACE cap" (a residue the
file has once), "water 1". Each is looked up in the file and written into the request
as the residue's name and number ("ALA4"), which the reader reads like any other
residue; the restatement says what each became. A name the file does not bear out (a
fourth tryptophan, the middle of four alanines, an ordinal over two chains) is a problem
in words, never a guess.

MDTraj renames the GROMACS water atoms OW, HW1 and HW2 to O, H1 and H2; a request that
uses the GROMACS names is read with MDTraj's.

>>> import mdtraj as md
>>> top = md.Topology(); chain = top.add_chain()
>>> for n, name in enumerate(["ACE", "ALA", "ALA", "ALA", "NME"]):
...     residue = top.add_residue(name, chain, resSeq=n + 1)
...     _ = top.add_atom("C", md.element.carbon, residue)
>>> found = name_residues("distance between the C of ACE and the CA of the middle alanine", top)
>>> found.request
'distance between the C of ACE1 and the CA of ALA3'
>>> found.note()
' (the middle alanine = ALA3; ACE = ACE1)'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .slots import AMINO_ACIDS, ELEMENTS, WATER_RESIDUES

_ORDINAL = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5,
            "5th": 5, "sixth": 6, "6th": 6, "primer": 1, "primera": 1, "primero": 1, "segunda": 2, "segundo": 2,
            "tercera": 3, "tercer": 3, "tercero": 3, "cuarta": 4, "cuarto": 4, "quinta": 5, "quinto": 5}
_LAST = {"last", "final", "última", "ultima", "último", "ultimo"}
_MIDDLE = {"middle", "central", "centre", "center", "medio", "media"}
_SPANISH_NAMES = {"alanina": "ALA", "arginina": "ARG", "asparagina": "ASN", "aspartato": "ASP", "cisteína": "CYS",
                  "cisteina": "CYS", "glutamina": "GLN", "glutamato": "GLU", "glicina": "GLY", "histidina": "HIS",
                  "isoleucina": "ILE", "leucina": "LEU", "lisina": "LYS", "metionina": "MET", "fenilalanina": "PHE",
                  "prolina": "PRO", "serina": "SER", "treonina": "THR", "triptófano": "TRP", "triptofano": "TRP",
                  "tirosina": "TYR", "valina": "VAL"}
_GROMACS_WATER_ATOMS = {"OW": "O", "HW1": "H1", "HW2": "H2"}
_ATOM = r"[A-Z][A-Z0-9]{0,3}'?"


@dataclass
class ResiduesNamed:
    request: str
    named: list[tuple[str, str]] = field(default_factory=list)  # (what the request said, the residue it is)
    problem: str = ""

    def note(self) -> str:
        """What each name became, for the restatement: " (the third alanine = ALA4)"."""
        if not self.named:
            return ""
        return " (" + "; ".join(f"{said} = {residue}" for said, residue in self.named) + ")"


def _kinds(topology) -> dict[str, str]:
    """Words that name a kind of residue of this file → its residue name ("alanine" → ALA)."""
    names = {r.name for r in topology.residues}
    kinds = {}
    for word, code in list(AMINO_ACIDS.items()) + list(_SPANISH_NAMES.items()):
        if code in names:
            kinds[word.lower()] = code
    for code in names:
        if re.fullmatch(r"[A-Z][A-Z0-9]{1,3}", code):
            kinds[code.lower()] = code  # "ALA", "Ala", "ace"
    return kinds


def _kind_pattern(kinds: dict[str, str]) -> str:
    return "|".join(sorted((re.escape(k) for k in kinds), key=len, reverse=True))


def name_residues(request: str, topology) -> ResiduesNamed:
    """``request`` with the residues it names by kind and position written as NAMEnumber."""
    found = ResiduesNamed(request)
    if topology is None:
        return found
    residues = list(topology.residues)
    kinds = _kinds(topology)
    text = request

    def label(residue) -> str:
        return f"{residue.name}{residue.resSeq}"

    def of_kind(code: str):
        return [r for r in residues if r.name == code]

    def resolve(said: str, code: str, position: str, chain: str | None) -> str | None:
        """The residue ``position`` (ordinal, "last" or "middle") among the file's ``code``
        residues (of ``chain`` when the request names one)."""
        candidates = [r for r in of_kind(code) if chain is None or r.chain.chain_id == chain]
        if not candidates:
            return None
        if len({r.chain.index for r in candidates}) > 1:
            found.problem = found.problem or f"“{said.strip()}”: the file has {code} residues in several chains; say which chain"
            return None
        if position in _MIDDLE:
            if len(candidates) % 2 == 0:
                found.problem = found.problem or (f"“{said.strip()}”: the file has {len(candidates)} {code} residues, "
                                                  "so none is in the middle; name it by number")
                return None
            chosen = candidates[len(candidates) // 2]
        elif position in _LAST:
            chosen = candidates[-1]
        else:
            k = _ORDINAL[position]
            if k > len(candidates):
                found.problem = found.problem or f"“{said.strip()}”: the file has {len(candidates)} {code} residue(s)"
                return None
            chosen = candidates[k - 1]
        found.named.append((said.strip(), label(chosen)))
        return label(chosen)

    if kinds:
        kind = _kind_pattern(kinds)
        positions = "|".join(sorted(map(re.escape, list(_ORDINAL) + list(_LAST) + list(_MIDDLE)), key=len, reverse=True))
        chain = (r"(?P<chain>\s+(?:of|in|de|en)\s+(?:the\s+|la\s+)?(?:chain|cadena)\s+(?P<id>[A-Za-z0-9])\b)?"
                 r"(?P<paren>\s*\(\s*(?P<said>[A-Za-z]{3})\s*-?(?P<number>\d+)\s*\))?")  # "(Ala2)": checked, then dropped
        # "the third alanine", "the middle Ala", "la tercera alanina (of chain A)"
        before = re.compile(rf"(?<![\w-])(?:the\s+|la\s+|el\s+)?(?P<pos>{positions})\s+(?P<kind>{kind})"
                            rf"(?![\w-])(?!\s*\d)(?:\s+(?:residue|residuo)(?!s))?{chain}", re.I)
        # "la alanina central", "the alanine in the middle"
        after = re.compile(rf"(?<![\w-])(?:the\s+|la\s+|el\s+)?(?P<kind>{kind})\s+"
                           rf"(?:(?P<pos>central|del medio|de en medio)|in the middle)(?![\w-]){chain}", re.I)

        def by_position(match: re.Match) -> str:
            position = (match.group("pos") or "middle").lower()
            position = "middle" if position in ("del medio", "de en medio") else position
            said = match.group(0)[: match.start("paren") - match.start()] if match.group("paren") else match.group(0)
            chosen = resolve(said, kinds[match.group("kind").lower()], position, match.group("id"))
            if chosen is None:
                return match.group(0)
            if match.group("paren") and chosen != f"{match.group('said').upper()}{match.group('number')}":
                found.problem = found.problem or f"“{said.strip()}” is {chosen} in the file, not {match.group('paren').strip()}"
                return match.group(0)
            return chosen + (f" of chain {match.group('id')}" if match.group("id") else "")

        text = after.sub(by_position, before.sub(by_position, text))

        # a residue the file has once, named beside one of its atoms: "the C of ACE", "NME N", "the CH3 carbon of the ACE cap"
        once = {code for code in {r.name for r in residues} if len(of_kind(code)) == 1}
        words = {w: c for w, c in kinds.items() if c in once}
        if words:
            unique = _kind_pattern(words)
            element = r"(?:\s+(?P<element>carbon|nitrogen|oxygen|hydrogen|carbono|nitr[óo]geno|ox[íi]geno))?"
            atom_of = re.compile(rf"(?-i:\b(?P<atom>{_ATOM})){element}(?:\s+(?:atom|[áa]tomo))?\s+"
                                 rf"(?:of|de|del|in|en)\s+(?:the\s+|la\s+|el\s+)?(?P<kind>{unique})(?!\s*-?\d)"
                                 rf"(?:\s+(?:cap|group|residue|residuo|grupo))?(?![\w-])", re.I)
            then_atom = re.compile(rf"(?<![\w-])(?P<kind>{unique})(?!\s*-?\d)(?:\s+(?:cap|residue))?\s+(?-i:(?P<atom>{_ATOM}))"
                                   rf"(?![\w']){element}", re.I)

            def by_atom(match: re.Match) -> str:
                residue = of_kind(words[match.group("kind").lower()])[0]
                atom = next((a for a in residue.atoms if a.name == match.group("atom")), None)
                said = ELEMENTS.get((match.group("element") or "").lower())  # "carbon", "oxígeno" → C, O
                if atom is None or (said and atom.element is not None and atom.element.symbol != said):
                    return match.group(0)
                if (match.group("kind"), label(residue)) not in found.named:
                    found.named.append((match.group("kind"), label(residue)))
                return f"{atom.name} of {label(residue)}"

            text = then_atom.sub(by_atom, atom_of.sub(by_atom, text))

    # "water 1", "agua 100", "water molecule 5", "la molécula de agua 12"
    waters = [r for r in residues if r.name in WATER_RESIDUES]
    if waters:
        numbered = re.compile(r"(?<![\w-])(?:the\s+|la\s+|el\s+)?(?:water(?:\s+molecule)?|(?:mol[ée]cula\s+de\s+)?agua)"
                              r"\s+(?:(?:number|n[úu]mero|#|no\.)\s*)?(?P<n>\d+)(?![\w.-])(?!\s*(?:Å|A\b|nm|ps|ns|%))", re.I)

        def by_number(match: re.Match) -> str:
            chosen = [r for r in waters if r.resSeq == int(match.group("n"))]
            if len(chosen) != 1:
                found.problem = found.problem or (f"“{match.group(0).strip()}”: the file has "
                                                  f"{len(chosen) or 'no'} water residue(s) numbered {match.group('n')}")
                return match.group(0)
            found.named.append((match.group(0).strip(), label(chosen[0])))
            return label(chosen[0])

        text = numbered.sub(by_number, text)
        atoms = {a.name for r in waters for a in r.atoms}
        for gromacs, mdtraj_name in _GROMACS_WATER_ATOMS.items():
            if gromacs not in atoms and mdtraj_name in atoms and re.search(rf"(?<![\w-]){gromacs}(?![\w-])", text):
                text = re.sub(rf"(?<![\w-]){gromacs}(?![\w-])", mdtraj_name, text)
                found.named.append((gromacs, f"{mdtraj_name} (as MDTraj names it)"))
    found.request = text
    return found
