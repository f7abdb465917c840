"""Read the parameters a task states in plain words: which atoms or molecules it talks
about (as MDTraj selections), frames, a cutoff, a chain, the unit the answer should be
in, a DSSP class, whether to save a file.

A small model picks a recipe well enough but fills selections badly (it leaves them
empty, or echoes the help text). These readings are literal — "the chloride ions" is
``resname CL`` when the file has CL residues, "within 5 Å" is a 5 Å cutoff — and are
checked against the residues really in the file, so the agent does not depend on the
model for them. Nothing here knows any particular task: it is a small grammar of the
phrases scientists use for selections, with a chemistry vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# common names → residue names used in PDB / force-field files (first present wins)
MOLECULE_NAMES = {
    "chloride": ("CL", "CLA", "CL-", "Cl-"), "sodium": ("NA", "SOD", "NA+", "Na+"),
    "potassium": ("K", "POT", "K+"), "magnesium": ("MG",), "calcium": ("CA", "CAL"), "zinc": ("ZN",),
    "iron": ("FE", "FE2", "FE3"), "copper": ("CU", "CU1"), "manganese": ("MN",), "cadmium": ("CD",),
    "sulfate": ("SO4",), "sulphate": ("SO4",), "phosphate": ("PO4", "PI"), "nitrate": ("NO3",),
    "acetate": ("ACT", "ACY"), "glycerol": ("GOL",), "ethylene glycol": ("EDO",), "heme": ("HEM",),
    "haem": ("HEM",), "benzene": ("BNZ",), "imidazole": ("IMD",),
    # Spanish
    "cloruro": ("CL", "CLA", "CL-", "Cl-"), "sodio": ("NA", "SOD", "NA+", "Na+"), "potasio": ("K", "POT", "K+"),
    "sulfato": ("SO4",), "fosfato": ("PO4", "PI"), "benceno": ("BNZ",), "magnesio": ("MG",),  # "zinc": same word as in English
}
AMINO_ACIDS = {
    "alanine": "ALA", "arginine": "ARG", "asparagine": "ASN", "aspartate": "ASP", "aspartic acid": "ASP",
    "cysteine": "CYS", "glutamine": "GLN", "glutamate": "GLU", "glutamic acid": "GLU", "glycine": "GLY",
    "histidine": "HIS", "isoleucine": "ILE", "leucine": "LEU", "lysine": "LYS", "methionine": "MET",
    "phenylalanine": "PHE", "proline": "PRO", "serine": "SER", "threonine": "THR", "tryptophan": "TRP",
    "tyrosine": "TYR", "valine": "VAL",
    # Spanish
    "alanina": "ALA", "arginina": "ARG", "asparagina": "ASN", "aspartato": "ASP", "cisteína": "CYS",
    "cisteina": "CYS", "glutamina": "GLN", "glutamato": "GLU", "glicina": "GLY", "histidina": "HIS",
    "isoleucina": "ILE", "leucina": "LEU", "lisina": "LYS", "metionina": "MET", "fenilalanina": "PHE",
    "prolina": "PRO", "serina": "SER", "treonina": "THR", "triptófano": "TRP", "triptofano": "TRP",
    "tirosina": "TYR", "valina": "VAL",
}
ELEMENTS = {"hydrogen": "H", "carbon": "C", "nitrogen": "N", "oxygen": "O", "sulfur": "S", "sulphur": "S",
            "phosphorus": "P", "hidrógeno": "H", "hidrogeno": "H", "carbono": "C", "nitrógeno": "N",
            "nitrogeno": "N", "oxígeno": "O", "oxigeno": "O", "azufre": "S", "fósforo": "P"}
# protonation and disulfide variants force fields write for an amino acid
VARIANTS = {"ASP": ("ASH",), "GLU": ("GLH",), "HIS": ("HID", "HIE", "HIP", "HSD", "HSE", "HSP"),
            "CYS": ("CYX", "CYM"), "LYS": ("LYN",)}
# residue names of ions (monatomic and the common polyatomic ones), as PDB and force-field files write them
ION_RESIDUES = {"CL", "CLA", "NA", "SOD", "K", "POT", "MG", "CA", "CAL", "ZN", "FE", "FE2", "FE3", "CU", "CU1", "MN",
                "CD", "SO4", "PO4", "NO3", "IOD", "BR", "LI", "CS", "RB", "NI", "CO", "HG", "SR", "BA"}
_ION_RESIDUES = ION_RESIDUES
WATER_RESIDUES = {"HOH", "WAT", "SOL", "TIP3", "TIP", "TIP4", "T3P", "SPC", "H2O"}
# caps and protonation variants of amino acids are protein, not ligands
NOT_LIGANDS = {"ACE", "NME", "NH2", "HID", "HIE", "HIP", "CYX", "ASH", "GLH", "LYN"}


def ligand_residues(residues: set[str]) -> list[str]:
    """The file's ligand residue names: neither amino acid (nor cap) nor water nor ion."""
    return sorted(residues - _ION_RESIDUES - WATER_RESIDUES - set(AMINO_ACIDS.values()) - NOT_LIGANDS)

_NUMBER = r"(\d+(?:\.\d+)?)"
_LENGTH_UNIT = r"(Å|Å|A|angstroms?|ångströms?|nm|nanomet(?:er|re)s?)"
_CUTOFF = re.compile(rf"(?:within|closer than|less than|shorter than|below|under|cutoff(?: of)?|<|<=|≤|"
                     rf"a menos de|dentro de|menor(?:es)? (?:a|que)|por debajo de|m[áa]s cerca de)\s*"
                     rf"{_NUMBER}\s*{_LENGTH_UNIT}(?![\w²^])", re.I)
_ANSWER_UNIT = re.compile(r"\bin\s+(?:units of\s+)?(Å\^?2|Å²|A\^?2|A²|square angstroms?|nm\^?2|nm²|square nanomet\w+|"
                          r"Å|Å|angstroms?|ångströms?|nm|nanomet(?:er|re)s?|degrees?|radians?)(?![\w^²³])", re.I)
_CHAIN = re.compile(r"\b(?:chain|cadena)(?:\s+(?:ID|id|identifier|label|letter|identificador))?\s+([A-Za-z0-9])\b"
                    r"(?!\s*(?:-|–|to)\s*\d)")
_FRAME_WORDS = (r"(?:frame(?: index)?|model|snapshot|structure|conformation|conformer|one|fotograma|modelo|marco|"
                r"instant[áa]nea|estructura)")
ONE_BASED_WORDS = {"model", "modelo", "conformer", "conformero", "confórmero", "structure", "estructura"}
_FIRST = r"first|initial|primer|primero|inicial"
_LAST = r"last|final|[úu]ltimo"
_FRAME = re.compile(rf"\b({_FIRST}|{_LAST})\s+(?:\w+\s+)?{_FRAME_WORDS}\b|\b({_FRAME_WORDS})\s+(?:(?:n[úu]mero|number|#)\s*)?"
                    rf"(\d+)\b|\b{_FRAME_WORDS}\s+({_FIRST}|{_LAST})\b", re.I)
_FRAME_PAIR = re.compile(rf"\b(first|initial|last|final)\s+(?:and|&|vs\.?|versus)\s+(?:the\s+)?(first|last|final)\s+"
                         rf"{_FRAME_WORDS}s?\b", re.I)  # "the first and the last frame"
_DIHEDRAL = re.compile(r"\b(phi|psi|omega|chi\s?1|chi)\b|(φ|ψ|ω|χ1?)", re.I)
_DIHEDRAL_NAMES = {"φ": "phi", "ψ": "psi", "ω": "omega", "χ": "chi1", "χ1": "chi1", "chi": "chi1"}
_GEOMETRIC = re.compile(r"\bgeometric\b|\bcentroid\b|\bcent(?:er|re) of geometry\b|\bunweighted\b", re.I)
_SAVE = re.compile(r"\b(save|saving|write|writing|export|exporting|gu[áa]rd(?:a|ar|e|ando|[áa]ndol[oa]|al[oa])|"
                   r"escrib(?:e|ir|iendo|[íi]el[oa])|exporta(?:r|ndo|l[oa])?)\b", re.I)
_NEW_FILE = re.compile(r"\b([\w-]+\.(?:pdb|h5|gro|xtc|dcd|mol2|cif|nc))\b", re.I)
_DSSP = [(re.compile(r"\bhelic|\bhelix|\bhelices|\balpha\b", re.I), "H"),
         (re.compile(r"\bstrands?\b|\bsheets?\b|\bbeta\b|\bextended\b", re.I), "E"),
         (re.compile(r"\bcoil\b|\bloops?\b", re.I), "C")]

# an atom of a numbered residue: "the backbone N of TYR 1", "atom CA of residue 10", "the CB of Leu 4"
_RESIDUE_ATOM = re.compile(r"\b(?:backbone\s+|side[- ]chain\s+)?(?:atom\s+|[áa]tomo\s+)?([A-Z][A-Z0-9]{0,3}'?)(?:\s+atom)?\s+"
                           r"(?:of|in|from|de|del)\s+(?:the\s+|la\s+|el\s+)?(?:residue\s+|residuo\s+)?"
                           r"(?:([A-Za-z]{3})\s*(\d+)|(\d+))\b")
# the same atom of two residues: "the CZ atoms of Phe47 and Phe58"
_ATOM_OF_TWO = re.compile(r"\b(?:the\s+|los\s+)?([A-Z][A-Z0-9]{0,3}'?)\s+(?:atoms|[áa]tomos)\s+(?:of|in|de)\s+(?:the\s+)?"
                          r"(?:residues\s+|residuos\s+)?([A-Z][a-z]{2}|[A-Z]{3})\s*-?(\d+)\s+(?:and|y|&)\s+"
                          r"([A-Z][a-z]{2}|[A-Z]{3})\s*-?(\d+)\b")
# three atoms of one residue, vertex in the middle: "the N–CA–C angle of Ala2" (the lexicon took "angle")
_ATOM_TRIPLE = re.compile(r"(?-i:(?:\b(?:backbone|side[- ]chain)\s+)?\b([A-Z][A-Z0-9]{0,3})\s*[-–—]\s*([A-Z][A-Z0-9]{0,3})\s*[-–—]\s*([A-Z][A-Z0-9]{0,3}))"
                          r"(?![-–—\w])\s*(?:\(\w+\)\s*)?(?:bond\s+|de\s+enlace\s+)?(?:of|de|del|in|en|for|at)\s+"
                          r"(?:the\s+|la\s+|el\s+)?(?:(?:residue\s+|residuo\s+)?([A-Z][a-z]{2}|[A-Z]{3})\s*-?(\d+)|"
                          r"(?:residue|residuo)\s+(\d+))\b")
_ATOMS_NAMED_OF_TWO = re.compile(r"\b(?:los\s+|the\s+)?(?:[áa]tomos|atoms)\s+([A-Z][A-Z0-9]{0,3}'?)\s+(?:de|of|del)\s+(?:la\s+|las\s+|los\s+)?"
                                 r"(?:residuos\s+|residues\s+)?([A-Z][a-z]{2}|[A-Z]{3})\s*-?(\d+)\s+(?:y|and|&)\s+(?:la\s+)?"
                                 r"([A-Z][a-z]{2}|[A-Z]{3})\s*-?(\d+)\b")  # "los átomos SD de Met41 y Met53"
# the same atom of two residues by number: "the CA atoms of residues 25 and 30"
_ATOM_OF_TWO_NUMBERS = re.compile(r"\b(?:the\s+|los\s+)?([A-Z][A-Z0-9]{0,3}'?)\s+(?:atoms|[áa]tomos)\s+(?:of|in|de)\s+"
                                  r"(?:the\s+|los\s+)?(?:residues|residuos)\s+(\d+)\s+(?:and|y|&)\s+(\d+)\b")
# an ion by its symbol and charge: "Cl-", "Na+", "Mg2+"
_ION_SYMBOL = re.compile(r"(?-i:\b(Cl|Na|K|Mg|Ca|Zn)\s?(?:2?[-+−⁻⁺]|[²]?[⁺⁻]))(?![\w+-])(?:\s+(?:ions?|iones?))?")
ION_SYMBOLS = {"Cl": "chloride", "Na": "sodium", "K": "potassium", "Mg": "magnesium", "Ca": "calcium", "Zn": "zinc"}
# an atom written after its residue: "Lys296 NZ", "Tyr1 N" (read only when the file has that atom name)
_RESIDUE_THEN_ATOM = re.compile(r"(?-i:\b([A-Z][a-z]{2}|[A-Z]{3})\s*-?(\d+)\s+([A-Z][A-Z0-9]{0,3}'?))(?:\s+(?:atom|[áa]tomo))?"
                                r"(?![\w'])")
ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "primera": 0, "segunda": 1, "tercera": 2, "cuarta": 3}
_CHAIN_BY_POSITION = re.compile(r"\b(?:chain|cadena)\s+(?:index|[íi]ndice)\s+(\d+)\b|"
                                r"\b(?:the\s+)?(first|second|third|fourth)\s+chain\b(?:\s*\(chain index \d+\))?|"
                                r"\b(?:la\s+)?(primera|segunda|tercera|cuarta)\s+cadena\b(?:\s*\([íi]ndice \d+\))?",
                                re.I)
# a selection written in MDTraj's own language between backticks
_LITERAL = re.compile(r"`((?=[^`]*\b(?:name|resname|resSeq|resid|index|chainid|element|protein|water|backbone|"
                      r"sidechain|symbol|mass|is_\w+)\b)[\w\s.'\"<>=!()*+-]{1,120})`")
_RESIDUE_RANGE = re.compile(r"\b(?:residues|residuos)\s+(\d+)\s*(?:-|–|to|through|thru|a|al|hasta)\s*(\d+)"
                            r"(?:\s*\(inclusive\)|\s+inclusive)?", re.I)
_RESIDUE = re.compile(r"\b(?:(?:residue|residuo)\s+(?:number\s+|n[úu]mero\s+)?(\d+)|([A-Z][a-z]{2}|[A-Z]{3})\s*-?(\d+))\b")
_SIMPLE = [  # (pattern, selection, kind)
    (re.compile(r"\b(?:[áa]tomos\s+)?(?:CA|Cα|C-alpha|c-alpha|alpha[- ]carbons?|α-carbons?|carbonos?[- ]alfa|"
                r"carbonos?\s+α|C[- ]alfa)\b(?:\s+atoms?)?"), "name CA", "atoms"),
    (re.compile(r"\bheavy(?:[- ]|\s+)atoms?\b|\bnon-hydrogen atoms?\b|\b[áa]tomos?\s+pesados?\b|\beverything except hydrogens?\b|"
                r"\ball (?:atoms )?but (?:the )?hydrogens\b|\btodo excepto (?:los )?hidr[óo]genos\b|"
                r"\b[áa]tomos\s+que\s+no\s+son\s+hidr[óo]geno\b", re.I), "not element H", "atoms"),
    (re.compile(r"(?-i:\b([CNOSP]) atoms?\b)"), None, "atoms"),  # "O atoms": the element, by its symbol
    (re.compile(r"(?-i:\bH atoms?\b)|\bhydrogens\b|\bhydrogen atoms?\b|\bhidr[óo]genos\b|\b[áa]tomos\s+de\s+hidr[óo]geno\b",
                re.I), "element H", "atoms"),
    (re.compile(r"\bbackbone\b(?:\s+atoms?)?|\b(?:[áa]tomos\s+del\s+)?esqueleto(?:\s+pept[íi]dico)?\b|"
                r"\bcadena\s+principal\b", re.I), "backbone", "atoms"),
    (re.compile(r"\bside[- ]?chains?\b(?:\s+atoms?)?|\bcadenas?\s+laterale?s?\b", re.I), "sidechain", "atoms"),
    (re.compile(r"\ball(?:\s+the)?\s+atoms\b|\bevery atom\b|\bthe whole system\b|\btodos\s+los\s+[áa]tomos\b|"
                r"\btodo\s+el\s+sistema\b|\beverything(?:\s+(?:left|else|remaining|that\s+remains))?\b|"
                r"\bthe\s+(?:full|whole|entire|complete)\s+(?:structure|system|file|model)\b|"
                r"\b(?:el\s+)?sistema\s+completo\b|\btoda\s+la\s+estructura\b|\btodo\s+lo\s+(?:que\s+queda|restante)\b",
                re.I), "all", "atoms"),
    (re.compile(r"\bprotein\s+(?:dimer|monomer|complex)\b|\bprotein\s+part\b|\b(?:la\s+)?parte\s+proteica\b|\bproteica\b|\bprote(?:in|ína|ina)(?:\s+atoms?)?\b|\b(?:poly)?peptide\b|\bp[ée]ptido\b|\bprotein\s+dimer\b",
                re.I), "protein", "molecules"),
    (re.compile(r"\bwaters?\b(?:\s+molecules?)?|\bsolvent\b|\bHOH\b|\bH2O\b|\b(?:mol[ée]culas\s+de\s+)?aguas?\b|"
                r"\bsolvente\b", re.I), "water", "molecules"),
]
_THEIR_ELEMENT = re.compile(r"\b(?:their|its|whose|su|sus|cuyo|cuyos)\s+(hydrogen|carbon|nitrogen|oxygen|sulfur|sulphur|"
                            r"phosphorus|ox[íi]geno|hidr[óo]geno|carbono|nitr[óo]geno|azufre|(?-i:[OHNCSP]))s?(?:\s+atoms?)?\b",
                            re.I)
_ELEMENT = re.compile(r"\b(carbon|nitrogen|oxygen|sulfur|sulphur|phosphorus)(?:s|\s+atoms?)\b"
                      r"|\b[áa]tomos\s+de\s+(carbono|nitr[óo]geno|ox[íi]geno|azufre|f[óo]sforo)\b"
                      r"|\b(carbonos|nitr[óo]genos|ox[íi]genos)\b", re.I)
_COUNTED = r"(?:how many|number of|count(?: the)?)\s+(?:\w+\s+){0,3}?(?:molecules?|residues?|ions?|waters?)\b"
_COUNT_MOLECULES = re.compile(_COUNTED + r"(?!\s+(?:oxygens?|hydrogens?|carbons?|nitrogens?|atoms?)\b)", re.I)
# "protein heavy atoms", "the protein's CA atoms", "heavy atoms of the protein", "átomos pesados de la proteína"
_NARROWED = re.compile(r"^\s*(?:['’]s\s*)?(?:(?:of|in|de|del|en)\s+(?:the\s+|all\s+|la\s+|el\s+|los\s+|las\s+)?)?$",
                       re.I)
_JOINED = re.compile(r"^\s*(?:,|and|or|plus|,\s*and|,\s*or|y|e|o|u|,\s*y|,\s*o)\s*"
                     r"(?:the\s+|all\s+|los\s+|las\s+|el\s+|la\s+|todos\s+los\s+|todas\s+las\s+)?$", re.I)  # "X and Y", "X or Y"
_REMOVAL = re.compile(r"\b(?:remove|removing|removed|without|strip|stripping|stripped|delete|deleting|drop|dropping|"
                      r"except|excluding|exclude|minus|no|discard|discarding|neither|nor|ni|not|non|ignoring|ignore|"
                      r"disregarding|disregard|not counting|without counting|sin contar|"
                      r"take out|takes out|taking out|taken out|get rid of|throw away|throw out|leave out|leaving out|"
                      r"other than|apart from|aside from|salvo|"
                      r"quit[ao]\w*|elimin[ao]\w*|sin|remuev\w*|remov\w*|borr[ao]\w*|excluy\w*|excluir|"
                      r"descart\w*|excepto)\b", re.I)
_REMOVED_NEXT = re.compile(_REMOVAL.pattern + r"[\s-]+(?:(?:the|all|its|their|any|of|from|las?|los|el|todas?|todos|"
                           r"sus?|de|del)\s+)*$", re.I)
_INCLUDING = re.compile(r"\b(?:including|incl\.?|inclusive of|incluyendo|incluidos?|incluidas?)\s+"
                        r"(?:the\s+|all\s+|los\s+|las\s+)?$", re.I)  # "atoms, including hydrogens": all atoms
_INCLUDED = re.compile(r"^\s*(?:included|too|as well)\b", re.I)  # "waters included": not a selection


@dataclass
class Mention:
    start: int
    selection: str
    kind: str  # "atoms" (a set of atoms) or "molecules"
    text: str = ""
    removed: bool = False  # named as what to take away: "remove the waters", "without ions"
    joined_by: str = ""  # a union of mentions: "and" ("the waters and the ions") or "or" ("sodium or chloride")


@dataclass
class TaskFacts:
    """What the task says, as recipe parameter values. Empty fields: the task does not say."""

    selections: list[Mention] = field(default_factory=list)  # in the order the task names them
    frames: list[int] = field(default_factory=list)  # in order ("last" = -1, "first" = 0)
    cutoff_angstrom: float | None = None
    cutoff_at: int = -1  # where the cutoff phrase is ("within 5 Å of X": X is the reference)
    chain_id: str | None = None
    chain_ids: list[str] = field(default_factory=list)  # every chain named (more than one: not one selection)
    chain_at: list[int] = field(default_factory=list)  # where each is named
    unit: str | None = None  # the unit the answer should be in: Å, nm, Å², nm², degrees
    dssp_code: str | None = None
    save_as: str | None = None
    count_molecules: bool = False  # "how many water molecules …": count residues, not atoms
    operation: str = ""  # the task without file names and selection phrases: what to do
    dihedral: str | None = None  # phi, psi, omega or chi1
    residue_numbers: list[int] = field(default_factory=list)  # residues named by number, in order
    geometric: bool = False  # "geometric center", "centroid": no mass weighting
    leftover: str = ""  # the task with every phrase read here blanked out (same length as the task)
    problem: str = ""  # a frame the task names that cannot exist ("model 0": models count from 1)

    def to_dict(self) -> dict:
        return {"selections": [m.selection for m in self.selections], "groups": [m.selection for m in self.groups],
                "removed": [m.selection for m in self.selections if m.removed], "frames": self.frames,
                "cutoff_angstrom": self.cutoff_angstrom, "chain_id": self.chain_id, "unit": self.unit,
                "dssp_code": self.dssp_code, "dihedral": self.dihedral, "residue_numbers": self.residue_numbers,
                "geometric": self.geometric, "save_as": self.save_as, "count_molecules": self.count_molecules}


def _angstrom(value: str, unit: str) -> float:
    number = float(value)
    return number * 10.0 if unit.lower().startswith("n") else number


def _unit(text: str) -> str:
    lowered = text.lower()
    if lowered.startswith("deg"):
        return "degrees"
    if lowered.startswith("rad"):
        return "radians"
    area = "2" in lowered or "²" in lowered or "square" in lowered
    length = "nm" if lowered.startswith("n") or "nanomet" in lowered else "Å"
    return length + ("²" if area else "")


def _resname(candidates: tuple[str, ...] | list[str], residues: set[str]) -> str:
    """The first candidate residue name present in the file (or the first one)."""
    present = [c for c in candidates if c in residues] or list(candidates)
    name = present[0]
    return f"resname {name}" if re.fullmatch(r"[A-Za-z0-9]+", name) else f"resname '{name}'"


class _Text:
    """The task with recognised spans blanked out, so a phrase is read once."""

    def __init__(self, text: str):
        self.text = text

    def take(self, pattern: re.Pattern, accept=lambda match: True) -> list[re.Match]:
        taken = [m for m in pattern.finditer(self.text) if accept(m)]
        for m in taken:
            self.text = self.text[: m.start()] + " " * len(m.group(0)) + self.text[m.end():]
        return taken


def read_task(task: str, files: list[str] = (), residues: set[str] | None = None,
              atom_names: set[str] | None = None) -> TaskFacts:
    """The facts a task states. ``residues``: residue names in the task's file (to choose
    between CL and CLA, and to recognise ligand codes such as HED); ``atom_names``: the
    file's atom names (to read "Lys296 NZ" as an atom of a residue)."""
    residues = set(residues or ())
    facts = TaskFacts()
    for name in files:  # file names are not words of the task
        task = re.sub(re.escape(name), " " * len(name), task, flags=re.I)
    text = _Text(task)

    new_files = [m.group(1) for m in _NEW_FILE.finditer(text.text) if m.group(1) not in files]
    if _SAVE.search(text.text):
        facts.save_as = new_files[0] if new_files else "edited.pdb"
    for match in text.take(_CUTOFF):
        facts.cutoff_angstrom = _angstrom(match.group(1), match.group(2))
        facts.cutoff_at = match.start()
        break
    for match in text.take(_ANSWER_UNIT):
        facts.unit = _unit(match.group(1))
    qualifiers = []  # spans that say which atoms, not what to do with them
    for match in text.take(_CHAIN):
        facts.chain_id = match.group(1)
        facts.chain_ids.append(match.group(1))
        facts.chain_at.append(match.start())
        qualifiers.append((match.start(), match.end()))
    for match in _DIHEDRAL.finditer(text.text):
        name = (match.group(1) or match.group(2)).lower().replace(" ", "")
        facts.dihedral = _DIHEDRAL_NAMES.get(name, name)
        break
    facts.geometric = bool(_GEOMETRIC.search(text.text))
    for pattern, code in _DSSP:
        if pattern.search(text.text):
            facts.dssp_code = code
            break
    frames = []
    for match in text.take(_FRAME_PAIR):
        for group in (1, 2):
            frames.append((match.start(group), -1 if match.group(group).lower() in ("last", "final") else 0))
    for match in text.take(_FRAME):
        which = match.group(1) or match.group(4)
        if which:
            frames.append((match.start(), -1 if re.fullmatch(_LAST, which, re.I) else 0))
        else:
            number = int(match.group(3))
            word = match.group(2).lower()
            model = word in ONE_BASED_WORDS  # PDB models (NMR conformers, structures) are numbered from 1
            if model and number == 0:
                facts.problem = f"there is no {word} 0: {word}s are numbered from 1"
                continue
            frames.append((match.start(), number - 1 if model else number))
    facts.frames = [f for _, f in sorted(frames)]
    facts.count_molecules = bool(_COUNT_MOLECULES.search(text.text))

    mentions: list[Mention] = []
    for match in text.take(_LITERAL):  # `resSeq 3 and name CA`: an MDTraj selection, as written
        mentions.append(Mention(match.start(), match.group(1).strip(), "atoms", match.group(0)))
    for match in text.take(_CHAIN_BY_POSITION):  # "chain index 0", "the first chain", "la primera cadena"
        number = match.group(1) or match.group(2) or match.group(3)
        index = int(number) if number.isdigit() else ORDINALS[number.lower()]
        mentions.append(Mention(match.start(), f"chainid {index}", "atoms", match.group(0)))
    amino = set(AMINO_ACIDS.values()) | residues

    def atom_of(resname: str, number: str, atom: str) -> str:
        parts = [f"resSeq {number}", f"name {atom}"]
        if resname and resname.upper() in amino:
            parts.insert(0, f"resname {resname.upper()}")
        return " and ".join(parts)

    two = [m for pattern in (_ATOM_OF_TWO, _ATOMS_NAMED_OF_TWO)
           for m in text.take(pattern, lambda m: m.group(2).upper() in amino and m.group(4).upper() in amino)]
    for match in two:
        atom, split = match.group(1), match.start(4)
        mentions.append(Mention(match.start(), atom_of(match.group(2), match.group(3), atom), "atoms",
                                task[match.start(): match.end(3)]))
        mentions.append(Mention(split, atom_of(match.group(4), match.group(5), atom), "atoms", task[split: match.end()]))
    for match in text.take(_ATOM_OF_TWO_NUMBERS):
        split = match.start(3)
        mentions.append(Mention(match.start(), atom_of("", match.group(2), match.group(1)), "atoms",
                                task[match.start(): match.end(2)]))
        mentions.append(Mention(split, atom_of("", match.group(3), match.group(1)), "atoms", task[split: match.end()]))
    for match in text.take(_ION_SYMBOL, lambda m: ION_SYMBOLS[m.group(1)] in MOLECULE_NAMES):
        mentions.append(Mention(match.start(), _resname(MOLECULE_NAMES[ION_SYMBOLS[match.group(1)]], residues),
                                "molecules", match.group(0)))
    if atom_names:
        for match in text.take(_ATOM_TRIPLE, lambda m: (m.group(6) or m.group(4).upper() in amino) and
                               all(m.group(n) in atom_names for n in (1, 2, 3))):
            for n in (1, 2, 3):
                end = match.start(n + 1) if n < 3 else match.end()
                mentions.append(Mention(match.start(n), atom_of(match.group(4) or "", match.group(5) or match.group(6),
                                                                match.group(n)), "atoms", task[match.start(n): end]))
        for match in text.take(_RESIDUE_THEN_ATOM, lambda m: m.group(1).upper() in amino and m.group(3) in atom_names):
            mentions.append(Mention(match.start(), atom_of(match.group(1), match.group(2), match.group(3)), "atoms",
                                    match.group(0)))
    for match in text.take(_RESIDUE_ATOM):
        atom, resname, number = match.group(1), match.group(2), match.group(3) or match.group(4)
        parts = [f"resSeq {number}", f"name {atom}"]
        if resname and resname.upper() in residues | set(AMINO_ACIDS.values()):
            parts.insert(0, f"resname {resname.upper()}")
        mentions.append(Mention(match.start(), " and ".join(parts), "atoms", match.group(0)))
    for match in text.take(_RESIDUE_RANGE):
        mentions.append(Mention(match.start(), f"resSeq {match.group(1)} to {match.group(2)}", "molecules",
                                match.group(0)))
    known = set(AMINO_ACIDS.values()) | residues
    for match in text.take(_RESIDUE, lambda m: bool(m.group(1)) or m.group(2).upper() in known):
        if match.group(1):
            mentions.append(Mention(match.start(), f"resSeq {match.group(1)}", "molecules", match.group(0)))
        else:
            mentions.append(Mention(match.start(), f"resname {match.group(2).upper()} and resSeq {match.group(3)}",
                                    "molecules", match.group(0)))
    for pattern, selection, kind in _SIMPLE:
        for match in text.take(pattern):
            mentions.append(Mention(match.start(), selection or f"element {match.group(1)}", kind, match.group(0)))
    for common, names in sorted(MOLECULE_NAMES.items(), key=lambda item: -len(item[0])):
        pattern = re.compile(rf"\b(?:(?:iones?|mol[ée]culas?|[áa]tomos?)\s+(?:de\s+)?)?{common}s?\b"
                             rf"(?:\s+(?:ions?|molecules?|atoms?))?", re.I)
        for match in text.take(pattern):
            mentions.append(Mention(match.start(), _resname(names, residues), "molecules", match.group(0)))
    for common, code in AMINO_ACIDS.items():
        for match in text.take(re.compile(rf"\b{common}s?\b(?:\s+residues?)?", re.I)):
            names = [code] + sorted(n for n in VARIANTS.get(code, ()) if n in residues)  # ASP and ASH, …
            mentions.append(Mention(match.start(), " or ".join(f"resname {n}" for n in names), "molecules",
                                    match.group(0)))
    codes = sorted((r for r in residues if len(r) >= 2), key=len, reverse=True)
    for code in codes:  # ligand or ion codes written as in the file: "the HED ligand", "(SO4)"
        for match in text.take(re.compile(rf"(?<![\w-]){re.escape(code)}(?![\w-])(?:\s+(?:ligand|ions?|molecules?|inhibitor|inhibidor|cofactor|substrate|sustrato))?")):
            selection = _resname([code], residues)
            if any(m.selection == selection for m in mentions):  # "sulfate ions (SO4)": one mention
                continue
            mentions.append(Mention(match.start(), selection, "molecules", match.group(0)))
    # "ions" without a name: every ion residue of the file (none there: a name that picks nothing)
    for match in text.take(re.compile(r"\b(?:counter[- ]?)?ions\b|\b(?:contra)?iones\b", re.I)):
        present = sorted(_ION_RESIDUES & residues) or ["CL"]
        mentions.append(Mention(match.start(), " or ".join(f"resname {name}" for name in present), "molecules",
                                match.group(0)))
    ligand = re.search(r"\b(?:the\s+)?(?:ligand|ligando)\b(?!s)", text.text, re.I)
    if ligand:
        ligands = ligand_residues(residues)
        if len(ligands) == 1:
            mentions.append(Mention(ligand.start(), _resname(ligands, residues), "molecules", ligand.group(0)))
    # "remove the waters, ions and ligands": every ligand residue of the file, as what is removed
    for match in text.take(re.compile(r"\b(?:the\s+)?(?:ligands|ligandos)\b", re.I),
                           accept=lambda m: bool(_REMOVAL.search(task[max(0, m.start() - 60): m.start()]))):
        if ligand_residues(residues):
            mentions.append(Mention(match.start(), " or ".join(f"resname {n}" for n in ligand_residues(residues)),
                                    "molecules", match.group(0)))
    mentions.sort(key=lambda m: m.start)

    # "water molecules … their oxygen": the element narrows the mention before it
    for match in text.take(_THEIR_ELEMENT):
        element = ELEMENTS.get(match.group(1).lower()) or match.group(1)  # "their O": the symbol itself
        before = [m for m in mentions if m.start < match.start()]
        if before:
            before[-1].selection = f"{before[-1].selection} and element {element}"
    for match in _ELEMENT.finditer(text.text):  # "water oxygens": the element narrows the mention just before
        word = next(g for g in match.groups() if g).lower()
        element = ELEMENTS.get(word) or ELEMENTS.get(word.rstrip("s")) or ELEMENTS[word[:-1]]
        before = [m for m in mentions if m.start < match.start()]
        if before and not task[before[-1].start + len(before[-1].text): match.start()].strip():
            before[-1].selection = f"{before[-1].selection} and element {element}"
            before[-1].text = task[before[-1].start: match.end()]
        else:
            mentions.append(Mention(match.start(), f"element {element}", "atoms", match.group(0)))
    mentions.sort(key=lambda m: m.start)
    operation = task
    for start, end in qualifiers + [(m.start, m.start + len(m.text)) for m in mentions]:
        operation = operation[:start] + " " * (end - start) + operation[end:]
    facts.operation = " ".join(operation.split())
    leftover = text.text
    for start, end in qualifiers + [(m.start, m.start + len(m.text)) for m in mentions]:
        leftover = leftover[:start] + " " * (end - start) + leftover[end:]
    facts.leftover = leftover
    mentions = [m for m in mentions if not _INCLUDED.match(task[m.start + len(m.text):])
                and not _INCLUDING.search(task[max(0, m.start - 30): m.start])]
    end = 0
    for mention in mentions:
        before = task[end: mention.start]
        # a removal word right before the mention ("without its waters", "non-water"), not anywhere before it
        # ("the non-mass-weighted Rg of the CA atoms" keeps the CA atoms)
        mention.removed = bool(_REMOVED_NEXT.search(before)) or (
            bool(_JOINED.match(before)) and mention is not mentions[0] and mentions[mentions.index(mention) - 1].removed)
        end = mention.start + len(mention.text)
    facts.selections = mentions
    facts.groups = group_mentions(mentions, task)
    facts.residue_numbers = [int(n) for m in mentions for n in re.findall(r"resSeq (\d+)", m.selection)]
    return facts


def group_mentions(mentions: list[Mention], task: str) -> list[Mention]:
    """Mentions joined by "and"/"or" ("sodium or chloride ions") as one union each."""
    groups: list[Mention] = []
    for mention in mentions:
        if groups:
            last = groups[-1]
            between = task[last.start + len(last.text): mention.start]
            atom_class = [m for m in (last, mention) if m.kind == "atoms" and
                          re.fullmatch(r"(?:not )?element \w+", m.selection)]
            if between.strip() == "," and len(atom_class) == 1 and last.removed == mention.removed:
                # "the first 110 residues, heavy atoms": a class of atoms after a comma narrows, it does not add
                groups[-1] = Mention(last.start, f"{bracket(last.selection)} and {bracket(mention.selection)}", "atoms",
                                     task[last.start: mention.start + len(mention.text)], last.removed)
                continue
            if _JOINED.match(between) and last.removed == mention.removed:
                joiner = "or" if re.search(r"\b(?:or|o|u)\b", between, re.I) else "and"
                groups[-1] = Mention(last.start, f"{bracket(last.selection)} or {bracket(mention.selection)}",
                                     last.kind, task[last.start: mention.start + len(mention.text)], last.removed,
                                     joined_by=joiner if last.joined_by in ("", joiner) else "and")
                continue
            if _NARROWED.match(between) and last.removed == mention.removed:  # "heavy atoms of the protein"
                kind = "atoms" if "atoms" in (last.kind, mention.kind) else last.kind
                groups[-1] = Mention(last.start, f"{bracket(last.selection)} and {bracket(mention.selection)}",
                                     kind, task[last.start: mention.start + len(mention.text)], last.removed)
                continue
            if mention.selection == last.selection and last.removed == mention.removed:  # named twice: once
                continue
        groups.append(Mention(mention.start, mention.selection, mention.kind, mention.text, mention.removed))
    return groups


def bracket(selection: str) -> str:
    composite = " and " in selection or " or " in selection or selection.startswith("not ")
    return f"({selection})" if composite else selection
