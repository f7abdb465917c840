"""Read a simulation-workflow request into a :class:`~.plan.Workflow`, in English or
Spanish, or say what was not understood.

Every constraint the request states must land in the plan: each number (pH, padding,
temperature, steps, seeds, intervals, tolerances…) is read by exactly one reading, and
words that name something a workflow could do (a barostat, restraints, a mutation…) are
either read or reported. A request whose number or operation is left over gets "I did
not understand …" and no code. What the request leaves unsaid takes OpenMM's or
PDBFixer's documented default, and the restatement says which.

>>> u = understand("ala3.pdb, amber14-all.xml, NoCutoff, constraints=HBonds: how many constraints?", ["ala3.pdb"])
>>> u.ok, u.plan.report.quantity, u.plan.system.constraints
(True, 'constraints', 'HBonds')
>>> understand("solvate ala3.pdb with 1.2 nm padding and a lipid membrane; how many waters?", ["ala3.pdb"]).unaccounted
['lipid', 'membrane']
"""

from __future__ import annotations

import re
from pathlib import Path

from ..reader import Blanked, Understanding
from .plan import (BOX_SHAPES, FORCES, Build, Minimise, Prepare, Report, Simulate, System, Workflow, WorkflowError, validate)
from .render import restate

_I = re.I
N = r"(\d+(?:[.,]\d+)?)"  # a number (a decimal comma is read as a point)
INT = r"(\d{1,3}(?:,\d{3})+|\d+)"  # 5000 or 5,000

# words that make a request a workflow rather than a question about a file's contents: an
# operation on the system (prepare, build, parametrise, minimise, run), never a word that only
# describes a file ("the solvated trajectory", "solvent accessible", "simulation time")
_WORKFLOW = re.compile(
    r"pdb\s*fixer|\bopenmm\b|\bmodell?er\b|\bsolvat(?:e|es|ing)\b|\bsolv[áa]t(?:a|alo|ala|ar)\b|minimi[sz]|minimiza|"
    r"force\s*field|campo de fuerza|\.xml\b|\bamber\d+|\bcharmm\d*\b|integrator|integrador|langevin|"
    r"\bsimulat(?:e|ing)\b|\bsimula(?:r)?\b|\brun\s+(?:it\s+)?(?:for\s+)?\d[\d,.]*\s*(?:steps|ps|ns)\b|heterog|het\s*atoms|"
    r"missing (?:heavy )?(?:residues|atoms)|(?:residuos|[áa]tomos) (?:pesados )?(?:que )?falta|"
    r"add(?:ing)? (?:the )?(?:missing )?hydrogens|a[ñn]ad\w* (?:los )?hidr[óo]genos|protonat|createsystem|"
    r"potential energy|energ[íi]a potencial|\bconstraints\b|restricciones|dcd ?reporter|state ?data|"
    r"\bneutrali[sz]|\bionic strength|fuerza i[óo]nica|\bnpt\b|\bnvt\b|barostat|heterogrup|nonbonded", _I)


def is_workflow(request: str, files: list[str] = ()) -> bool:
    """Does the request ask for preparation, building, a system, minimisation or a run?
    (The file names are read out first: "…_solvated.h5" asks for nothing.)"""
    text = request or ""
    for name in sorted(files, key=len, reverse=True):
        text = text.replace(name, " ")
    text = re.sub(r"[\w./-]+\.(?:pdb|h5|dcd|xtc|trr|nc|gro|prmtop|inpcrd|mol2|sdf|cif|h5msm)\b", " ", text, flags=_I)
    return bool(_WORKFLOW.search(text))


# words naming something a workflow does or sets: each must be read, or the request is not understood
_MUST_READ = re.compile(
    r"\b(?:barostat\w*|pressure|presi[óo]n|npt|nvt|restrain\w*|restraint\w*|mutat\w*|mutaci\w*|membrane|lipid\w*|"
    r"ligand\w*|gaff|openff|smirnoff|xtc|hdf5|h5|trr|netcdf|hmr|hydrogen mass|switching|dispersion|ewald\w*|"
    r"verlet|brownian|nose|hoover|andersen|annealing|replica|metadynamics|umbrella|pulling|steered|"
    r"cutoff|cut-off|friction|fricci[óo]n|timestep|time step|paso de tiempo|seed|semilla|padding|box|caja|"
    r"temperature|temperatura|thermostat|termostato|tolerance|tolerancia|iterations?|iteraciones|ions?|iones|"
    r"salt|sal|nacl|kcl|k\+|na\+|cl-|water model|modelo de agua|tip\w*|spce|opc\w*|implicit|impl[íi]cito|"
    r"obc\w*|gbn\w*|hct|constraints?|restricciones|rigid|flexible|pme|nocutoff|chain\w*|cadena\w*|ph|"
    r"checkpoint\w*|dcd|csv|reporter\w*|every|cada|steps?|pasos?|ns|ps|fs|kelvin|nm|bar|atm|molar|"
    # verbs that change the system: one left unread is a step the plan would silently skip
    r"remov\w*|delet\w*|strip\w*|drop\w*|discard\w*|keep\w*|kept|retain\w*|add|adds|added|adding|rebuil\w*|"
    r"reconstruct\w*|replac\w*|repair\w*|cap|caps|capp\w*|protonat\w*|neutrali[sz]\w*|solvat\w*|minimi[sz]\w*|"
    r"equilibrat\w*|heat\w*|cool\w*|freez\w*|sav\w+|writ\w+|convert\w*|extract\w*|align\w*|superpos\w*|"
    r"cent(?:er|re)\w*|wrap\w*|quit\w+|elimin\w+|borr\w+|conserv\w+|mant[eé]n\w*|a[ñn]ad\w+|agreg\w+|"
    r"reconstru\w+|reemplaz\w+|sustitu\w+|repar\w+|proton\w+|neutraliz\w+|solv[aá]t\w+|minimiz\w+|equilibr\w+|"
    r"calent\w+|congel\w+|guard\w+|escrib\w+|conviert\w*|extra[eé]\w*|aline\w+|superp[oó]n\w*|centr\w+)\b", _I)

_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?(?![\w])")


def _f(text: str) -> float:
    return float(text.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", text) else text.replace(",", "."))


def _len_nm(value: str, unit: str) -> float:
    return _f(value) / 10.0 if unit.lower().startswith(("å", "a")) else _f(value)


_LENGTH = r"(nm|nanomet\w*|nan[óo]metros?|Å|angstroms?|[áa]ngstr[öo]m\w*|A(?=\W|$))"

# ---- what is reported ------------------------------------------------------------------------------
_REPORTS: list[tuple[str, dict, str]] = [
    ("missing_residues", {}, r"how many residues (?:are|were) missing|how many missing residues|missing residues (?:are|were|does it|did it)? ?(?:reported|found|report|find)"
                             r"|(?:number|count|total) of missing residues|cu[áa]ntos residuos (?:faltan(?:tes)?|perdidos)"),
    ("missing_atoms", {"terminals": False},
     r"(?:how many|number of|total (?:number of )?)\s*(?:missing )?(?:heavy )?atoms[^?.]{0,80}?(?:\(\s*)?(?:not (?:counting )?the terminal ones|"
     r"(?:not counting|excluding|without) (?:the )?(?:missing )?terminal(?:s| atoms| ones)?(?:\s*\(missingterminals\))?)\)?|"
     r"cu[áa]ntos [áa]tomos pesados faltan[^?]{0,160}?sin contar (?:los )?(?:[áa]tomos )?terminales(?:\s*\(missingterminals\))?"),
    ("missing_atoms", {}, r"how many (?:missing )?(?:heavy )?atoms (?:are|were) (?:missing|reported missing|found missing)|"
                          r"(?:number|count) of missing (?:heavy )?atoms(?! (?:were |did )?add)"),
    ("hydrogens", {}, r"how many (?:hydrogen(?: atom)?s|h atoms) (?:are|is|does|do)\s+(?:there\s+)?(?:in|on|does the|the)\b[^?.]*?"
                      r"(?:structure|system|model|file|total|peptide|protein)(?:\s+(?:have|has|contain|hold))?(?:\s+after adding them)?|"
                      r"(?:total|final) (?:number of )?(?:hydrogen(?: atom)?s|h atoms)|cu[áa]ntos hidr[óo]genos (?:hay|tiene)\b"),
    ("hydrogens_added", {}, r"how many (?:hydrogen(?: atom)?s|h atoms|hs) (?:did|does|were|are|get|got|it|you|will|addmissinghydrogens)\b[^?.]*(?:add|put|place)\w*"
                            r"|(?:number|count) of (?:hydrogen(?: atom)?s|h atoms) (?:added|placed)|hydrogens? (?:atoms )?added"
                            r"|cu[áa]ntos (?:[áa]tomos de )?hidr[óo]genos (?:se )?(?:a[ñn]ad|agreg|pus)\w*"),
    ("atoms_added", {}, r"how many (?:heavy )?atoms (?:did|does|were|are|got|get)\b[^?.]*add\w*|(?:number|count) of (?:heavy )?atoms added"
                        r"|(?:heavy )?atoms added|cu[áa]ntos [áa]tomos (?:pesados )?(?:se )?(?:a[ñn]ad|agreg)\w*"),
    ("dof", {}, r"(?:number of |how many )?degrees of freedom|\bdofs?\b|(?:n[úu]mero de )?grados de libertad"),
    ("particles", {}, r"how many particles|number of particles|(?:cu[áa]ntas|n[úu]mero de) part[íi]culas|getnumparticles\(\)"),
    ("constraints", {}, r"how many constraints|number of constraints|(?:cu[áa]ntas|n[úu]mero de) restricciones|getnumconstraints\(\)"),
    ("forces", {}, r"how many (?:force objects|forces)|number of (?:force objects|forces)|getnumforces\(\)|cu[áa]ntas fuerzas"),
    ("waters", {"added": True}, r"(?:how many|number of) water(?: molecule)?s (?:were |are |did it |got |get |gets )?(?:added|went in)|"
                                r"cu[áa]ntas (?:mol[ée]culas de )?aguas? se (?:a[ñn]adieron|agregaron)"),
    ("waters", {}, r"how many water(?: molecule)?s|number of water(?: molecule)?s|cu[áa]ntas (?:mol[ée]culas de )?aguas?"),
    ("ions", {"ion": "Na+"}, r"how many (?:na\+|sodium)(?: (?:counter-?\s?)?ions?| atoms?)?|number of (?:na\+|sodium)(?: ions?)?|cu[áa]ntos (?:iones )?(?:na\+|sodio)"),
    ("ions", {"ion": "Cl-"}, r"how many (?:cl-|cl−|chloride)(?: (?:counter-?\s?)?ions?| atoms?)?|number of (?:cl-|chloride)(?: ions?)?|cu[áa]ntos (?:iones )?(?:cl-|cloruro)"),
    ("ions", {"ion": "K+"}, r"how many (?:k\+|potassium)(?: (?:counter-?\s?)?ions?)?|cu[áa]ntos (?:iones )?(?:k\+|potasio)"),
    ("ions", {"ion": "Br-"}, r"how many (?:br-|bromide)(?: ions?)?|cu[áa]ntos (?:iones )?(?:br-|bromuro)"),
    ("ions", {"ion": "Li+"}, r"how many (?:li\+|lithium)(?: ions?)?|cu[áa]ntos (?:iones )?(?:li\+|litio)"),
    ("ions", {"ion": "F-"}, r"how many (?:f-|fluoride)(?: ions?)?|cu[áa]ntos (?:iones )?(?:f-|fluoruro)"),
    ("ions", {"ion": "I-"}, r"how many (?:i-|iodide)(?: ions?)?|cu[áa]ntos (?:iones )?(?:i-|yoduro)"),
    ("ions", {}, r"how many (?:counter-?\s?)?ions|number of (?:counter-?\s?)?ions|cu[áa]ntos (?:contra)?iones"),
    ("frames", {}, r"how many frames|number of frames|cu[áa]ntos (?:frames|fotogramas|marcos|cuadros)"),
    ("rows", {}, r"how many (?:data )?(?:rows|lines)|number of (?:data )?(?:rows|lines)|cu[áa]ntas (?:filas|l[íi]neas)(?: de datos)?"),
    ("mean_temperature", {}, r"(?:mean|average) temperature (?:over|of|across) (?:all )?(?:the )?(?:reported |logged )?(?:rows|samples|reports)|"
                             r"(?:mean|average) (?:of the )?(?:reported |logged |recorded |sampled |instantaneous )?temperatures?|temperatura (?:media|promedio)"
                             r"|(?:media|promedio) de (?:las )?temperaturas?"),
    ("mean_energy", {}, r"(?:mean|average) (?:of the )?(?:reported )?potential energ(?:y|ies)|energ[íi]a potencial (?:media|promedio)"),
    ("energy_change", {"sign": "drop"}, r"how much (?:does|did|will) (?:the )?(?:energy )?minimi[sz]\w* (?:lower|decrease|reduce|drop)\w*(?: the (?:potential )?energy)?|"
                                        r"(?:energy|energ[íi]a) (?:drop|decrease|reduction|lowering|descenso|bajada)|"
                                        r"how much (?:does|did) the (?:potential )?energy (?:drop|decrease|fall|go down)"),
    ("energy_change", {}, r"how much (?:does|did) (?:the )?minimi[sz]\w* change(?: the (?:potential )?energy)?|(?:energy|energ[íi]a) (?:change|cambio)|"
                          r"cambio de (?:la )?energ[íi]a"),
    ("charge", {}, r"net charge|total charge|carga (?:neta|total)|sum(?:ming)? (?:of |up )?(?:the )?(?:nonbondedforce |partial )?charges|"
                   r"suma de (?:las )?cargas(?: de (?:las )?part[íi]culas)?(?: (?:en|del) (?:el )?nonbondedforce)?"),
    ("terms", {"term": "bonds"}, r"how many (?:harmonic )?bonds (?:does|do|are|in)\b[^?.]{0,40}?(?:harmonicbondforce|system|force)|"
                                 r"how many (?:entries|terms|bond terms) (?:does|do|are in|in)\s+(?:the\s+)?harmonicbondforce(?:\s+(?:hold|have|contain))?|"
                                 r"cu[áa]ntos enlaces tiene el harmonicbondforce|number of bonds in the harmonicbondforce"),
    ("terms", {"term": "angles"}, r"how many (?:harmonic )?angles (?:does|do|are|in)\b[^?.]{0,40}?(?:harmonicangleforce|system|force)|"
                                  r"cu[áa]ntos [áa]ngulos tiene el harmonicangleforce"),
    ("terms", {"term": "torsions"}, r"how many (?:periodic |proper )?(?:torsions|dihedrals) (?:does|do|are|in)\b[^?.]{0,40}?"
                                    r"(?:periodictorsionforce|system|force)"),
    ("terms", {"term": "cmap"}, r"how many cmap\b(?: backbone)?(?: cross[- ]terms| torsions| terms)?|cu[áa]ntas torsiones cmap"),
    ("rg", {}, r"radius of gyration|radio de giro|\brg\b"),
    ("rmsd", {}, r"\brmsd\b"),
    ("box_volume", {}, r"(?:periodic\s+)?(?:box|caja)(?: \w+){0,3}? volume|volume of (?:the |that |this |its )?(?:periodic |unit )?(?:box|cell)|"
                       r"volumen de (?:la|esa|esta) (?:caja|celda)"),
    ("residues", {}, r"how many residues|number of residues|cu[áa]ntos residuos"),
    ("chains", {}, r"how many chains|number of chains|cu[áa]ntas cadenas"),
    ("atoms", {}, r"\batoms (?:left|remaining)\b|how many atoms|number of atoms|atom count|cu[áa]ntos [áa]tomos|n[úu]mero de [áa]tomos|"
                  r"(?:total )?atoms (?:remain|are left|in the final|does the final)|getnumatoms\(\)"),
    ("energy", {"when": "initial"}, r"(?:initial|starting|unminimi[sz]ed|single[- ]point)\s+(?:potential\s+)?energy|"
                                    r"(?:potential\s+)?energy\s+(?:before|prior to)\s+(?:the\s+)?minimi[sz]\w+|"
                                    r"energ[íi]a (?:potencial )?inicial"),
    ("energy", {"when": "minimised"}, r"minimi[sz]ed (?:potential )?energy|(?:potential )?energy after (?:the )?minimi[sz]ation|"
                                      r"energ[íi]a (?:potencial )?(?:minimizada|tras (?:la )?minimizaci[óo]n|despu[ée]s de minimizar)"),
    ("energy", {"when": "final"}, r"(?:final|end)\s+(?:potential\s+)?energy|(?:potential\s+)?energy at the end(?: of the run)?|"
                                  r"energ[íi]a (?:potencial )?final"),
    ("energy", {}, r"potential energy|energ[íi]a potencial|\benergy\b"),
]
_REPORT_PATTERNS = [(q, a, re.compile(p, _I)) for q, a, p in _REPORTS]


_FORCE_NAMES = "|".join(f.lower() for f in FORCES)
_FORCE_ENERGY = re.compile(
    rf"\b(?:(?:the\s+)?(?:potential\s+)?energy\s+(?:of|from|in)\s+(?:the\s+)?({_FORCE_NAMES})|({_FORCE_NAMES})(?:'s)?\s+(?:energy|term)|"
    rf"energ[íi]a\s+(?:potencial\s+)?(?:del?\s+)?(?:la\s+|el\s+)?({_FORCE_NAMES})|"
    rf"energy\s+of\s+(?:just\s+|only\s+)?the\s+[\w\s-]{{0,30}}?\bterm\s*\(\s*(?:the\s+)?({_FORCE_NAMES})\s*\))(?!\w)(?:\s+(?:alone|only|term|sola|solo|t[ée]rmino))*"
    rf"(?:\s*\(\s*proper\s*(?:\+|and|y)\s*improper(?:\s+torsions)?\s*\))?", _I)


def _read_report(text: Blanked) -> list[Report]:
    """What the request asks to report (one quantity, normally)."""
    found: list[Report] = []
    for match in text.take(_FORCE_ENERGY):  # one Force's energy (before the energy words below)
        name = next(g for g in match.groups() if g).lower()
        found.append(Report("energy", {"force": next(f for f in FORCES if f.lower() == name)}))
    text.take(re.compile(r"\(\s*not\s+(?:the\s+)?total(?:\s+potential)?\s+energy\s*\)", _I))
    for quantity, args, pattern in _REPORT_PATTERNS:
        for _match in text.take(pattern):
            report = Report(quantity, dict(args))
            if all(r.quantity != quantity or r.args != args for r in found):
                found.append(report)
    return found


class _Reading:
    """The readings of one request, filling a workflow's stages."""

    def __init__(self, request: str, files: list[str]):
        self.request = request
        self.files = files
        self.text = Blanked(request)
        self.notes: list[str] = []
        self.problems: list[str] = []
        self.prepare: Prepare | None = None
        self.build: Build | None = None
        self.system: System | None = None
        self.minimise: Minimise | None = None
        self.simulate: Simulate | None = None
        self.platform = "auto"
        self.energy_unit = "kJ/mol"
        self.forcefield: list[str] = []
        self.vacuum = False  # "in vacuum", "amber14-all.xml alone"

    def take(self, pattern: str) -> list[re.Match]:
        return self.text.take(re.compile(pattern, _I))

    def any(self, pattern: str) -> bool:
        return bool(self.take(pattern))

    # -- stages, created on first need
    def p(self) -> Prepare:
        self.prepare = self.prepare or Prepare()
        return self.prepare

    def b(self) -> Build:
        self.build = self.build or Build()
        return self.build

    def s(self) -> System:
        self.system = self.system or System()
        return self.system

    def m(self) -> Simulate:
        self.simulate = self.simulate or Simulate()
        return self.simulate


def _files_and_tools(r: _Reading) -> None:
    for name in sorted(r.files, key=len, reverse=True):
        r.take(re.escape(name))
    for name in r.files:
        r.take(rf"\b{re.escape(Path(name).stem)}\b(?:\s+(?:pdb|file|structure))?")
    for m in r.take(r"(?<![\w/.-])((?:[\w-]+/)?[\w-]+\.xml)\b(\s+(?:alone|only|solo|s[óo]lo)\b)?|"
                    r"(?<![\w/.-])((?:amber\d+|charmm\d+|implicit)/[\w-]+)\b"):
        r.forcefield.append(m.group(1) or m.group(3) + ".xml")
        r.vacuum = r.vacuum or bool(m.group(2))
    r.take(r"\b(?:pdb\s*fixer|openmm(?:'s)?|modell?er|pdbfile|app\.pdbfile|python|de openmm|el modeller|con openmm)\b")
    r.take(r"\(s\)")
    # what the request says the file already is: nothing to do
    r.take(r"\(?\b(?:it\s+|which\s+)?(?:already\s+)?(?:has|have|contains|carries|comes with|includes)\s+(?:its\s+|all\s+(?:its\s+)?)?"
           r"hydrogens(?:\s+already)?\b\)?|\(?\b(?:ya\s+)?(?:trae|tiene|incluye|lleva|viene con)\s+(?:los\s+|sus\s+)?hidr[óo]genos\b\)?|"
           r"\b(?:use|using|úsalo|usa|tómalo)\s+(?:it\s+|the file\s+|el fichero\s+|el archivo\s+)?(?:as it is|as is|tal cual|tal y como (?:est[áa]|viene))\b|"
           r"\(?\b(?:with\s+)?(?:its\s+|all\s+)?hydrogens\s+(?:are\s+)?(?:already\s+)?(?:present|included|in place|as deposited)\b\)?|"
           r"\(?\b(?:keep(?:ing)?|with)\s+the\s+hydrogens\s+(?:that\s+are\s+|already\s+)?in\s+the\s+file\b\)?|"
           r"\(?\bcon\s+los\s+hidr[óo]genos\s+que\s+ya\s+(?:trae|tiene|lleva)\b\)?|\(?\bcon\s+sus\s+hidr[óo]genos\)?|"
           r"\b(?:as\s+is|as\s+it\s+is),?\s+with\s+its\s+hydrogens\b|"
           r"\b(?:just\s+)?evaluat\w*\s+(?:it\s+at\s+)?(?:the\s+)?(?:deposited|input|file'?s?)\s+coordinates\b|"
           r"\(?\bcon\s+(?:sus\s+|los\s+)?hidr[óo]genos\s+(?:ya\s+)?(?:presentes|incluidos)\b\)?|"
           r"\b(?:as it is|as is|exactly as (?:it is )?(?:in the file|deposited)|as deposited|tal cual|"
           r"tal y como (?:est[áa]|viene)(?:\s+(?:protonad[ao]|solvatad[ao]))?(?: en el fichero)?)\b")
    r.take(r"\b(?:the\s+)?first model\b|\b(?:el\s+)?primer modelo\b")  # what OpenMM's PDB reader takes
    r.take(r"(?<!chain )(?<!cadena )(?-i:\b[A-Z]\.\s?[a-z]{3,}\b)")  # "T. cruzi", "E. coli" (not "chain B. atoms")
    r.take(r"\bis missing (?:its|the|an?)\s+[\w\s-]{1,30}?(?=[.;,])|\ble faltan? (?:el|la|los|las)\s+[\w\s-]{1,30}?(?=[.;,])")


_NUMBER_WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}
_NUMBER_WORDS.update({w: i for i, w in enumerate("cero uno dos tres cuatro cinco seis siete ocho nueve diez".split())})


def _phrasing(r: _Reading) -> None:
    """How requests are laid out and what they say about the files: nothing to do."""
    # a number said in words with its digits beside it ("pH four (4.0)"): the digits are read, the word is the same
    for m in re.finditer(r"\b([a-z]+)\s*\(\s*(\d+(?:\.\d+)?)\s*\)", r.text.text, _I):
        if _NUMBER_WORDS.get(m.group(1).lower()) == float(m.group(2)):
            r.text.blank(m.start(1), m.start(2))  # the word and "("
            r.text.blank(m.end(2), m.end())  # ")"
    r.take(r"(?m)^\s*(?:step\s+)?\d{1,2}[.)](?=\s)")  # a numbered protocol's markers
    r.take(r"\b(?:question|pregunta)\s*:")
    r.take(r"\b(?:all|every|both)\s+chains\s+together\b|\b(?:summed|in total)\s+over\s+(?:all\s+)?(?:the\s+)?chains\b|"
           r"\b(?:de\s+)?todas\s+las\s+cadenas(?:\s+juntas)?\b")
    r.take(r"\b(?:(?:a|quick|simple)\s+)?(?:check(?:ing)?|test(?:ing)?|chequeo|comprobar|comprobaci[óo]n|prueba)\s+(?:of\s+|del?\s+)?"
           r"(?:the\s+|el\s+)?(?:thermostat|termostato)\b")  # what the run is for
    r.take(r"\bmodel\s+(?:1|one)\s+(?:of|from|in)\b|\bmodelo\s+1\s+de\b")  # what OpenMM's PDB reader takes
    # an Amber pair said briefly, and the box its coordinates carry (read from the inpcrd when periodic)
    r.take(r"(?:^|(?<=\s))/\s*\.?inpcrd\b|\bprmtop\s*(?:/|\+|and|y)\s*\.?inpcrd\b|"
           r"\(?\b(?:with\s+)?(?:the\s+)?(?:periodic\s+)?box(?:\s+vectors)?\s+(?:taken\s+|read\s+)?(?:from|of|in)\s+the\s+inpcrd(?:\s+file)?\)?|"
           r"\(?\b(?:la\s+)?caja\s+(?:del|de la)\s+inpcrd\)?")
    # the standard definition of the degrees of freedom, said with the question
    r.take(r"\(?\b(?:take|with|using|where|usa|con)?\s*dof\s*=\s*3\s*[x×*]\s*\(?\s*(?:the\s+)?(?:number of\s+)?particles"
           r"(?:\s+with\s+(?:non-?zero|nonzero|positive)\s+mass)?\s*\)?\s*[-−]\s*(?:the\s+)?(?:number of\s+)?constraints\s*"
           r"[-−]\s*3(?:\s*\((?:for\s+)?(?:the\s+)?cmmotionremover\)|\s+for\s+(?:the\s+)?(?:cmmotionremover|centre[- ]of[- ]mass motion))?\)?")
    r.take(r"\(\s*bonds\s+(?:plus|and|\+)\s+(?:the\s+)?urey[- ]bradley\s+terms\s*\)")
    if re.search(r"degrees of freedom|\bdofs?\b|grados de libertad", r.request, _I):  # what the DOF are for, said
        r.take(r"\b(?:will|does|would)\s+(?:the\s+)?statedatareporter\s+use\s+(?:when|to)\s+(?:it\s+)?comput\w+\s+(?:the\s+)?temperature\b|"
               r"\(?(?:with\s+)?(?:the\s+)?default\s+cmmotionremover(?:\s+kept)?\)?|\bcmmotionremover\s+kept\b")
    r.take(r"\b(?:at\s+)?body temperature\b(?=\s*[:,;(])")  # said, and then given in K


# a chain of verbs before what they act on: "find and add", "busca y añade", "look for / rebuild"
_VERBS = (r"(?:\b(?:find|search(?: for)?|look for|identify|detect|check for|locate|add|model|build|rebuild|fill in|replace|"
          r"fix|complete|busca\w*|encuentra\w*|identifica\w*|a[ñn]ade\w*|agrega\w*|reconstruy\w*|modela\w*|completa\w*|"
          r"reemplaza\w*|sustituy\w*)\s*(?:(?:and|/|y|then|luego)\s*)?)*")


def _prepare(r: _Reading) -> None:
    # what is not to be done, first ("no hydrogens", "do NOT want the missing residues modelled")
    if r.any(r"\b(?:do not|don'?t|not)\b[^.;]{0,40}missing residues[^.;]{0,12}(?:modell?ed|built|added)|"
             r"(?:and )?(?:then )?empty(?:ing)? (?:the )?(?:fixer\.)?missingresidues(?: dict\w*)?|"
             r"without (?:modell?ing|building|adding) (?:the )?missing residues|missingresidues\s*=\s*\{\s*\}|"
             r"(?:sin|no) (?:modelar|construir|a[ñn]adir|modeles|construyas|a[ñn]adas|reconstruyas) (?:el |los )?residuos? "
             r"(?:faltantes?|que faltan?)(?:\s*\([^)]{0,60}\))?(?:\s+ni nada m[áa]s)?|"
             r"\b(?:do not|don'?t)\s+(?:model|build|add|rebuild)\s+(?:the\s+)?missing residues?(?:\s*\([^)]{0,60}\))?"):
        r.p().missing_residues = "ignore"
    for m in r.take(r"\bno (?:a[ñn]adas|agregues|a[ñn]adir) ((?:residuos|[áa]tomos|hidr[óo]genos)(?:,? (?:ni |y )?"
                    r"(?:residuos|[áa]tomos|hidr[óo]genos))*)"):
        r.notes.append("nothing added")
    r.take(r"\b(?:no|without|sin) (?:added |adding )?(?:hydrogens|hidr[óo]genos|h atoms)\b|\bleave (?:the )?hydrogens out\b")
    r.take(r"\bleave (?:the )?heterogens (?:and (?:the )?waters? )?alone\b|\bkeep (?:the )?heterogens\b|"
           r"\(?\bleave (?:the\s+)?(?:one\s+|single\s+)?(?:crystal\s+)?waters?\s+(?:in|alone)\b\)?")
    r.take(r"\b(?:no|without|sin) (?:added |extra )?(?:ionic strength|fuerza i[óo]nica)(?: extra| adicional)?\b|"
           r"\b(?:no|without|sin) (?:added |extra )?(?:salt|sal)(?: adicional| a[ñn]adida| extra)?\b(?:\s*\((?:ionic strength|fuerza i[óo]nica)\s*0\s*(?:m\b)?\))?|"
           r"\(?\b(?:it'?s|it is|es)\s+neutral\w*,?\s+(?:so\s+|as[íi] que\s+)?(?:no|sin)\s+(?:ions|iones)\)?")
    # missing residues and non-standard ones ("find and add", "busca y reemplaza", "reconstruye los … que faltan")
    r.take(r"\b(?:add|put)\s+back\b(?=\s+(?:the\s+)?missing)")
    r.take(r"\(\s*the\s+(?:one|two|three|four|\d+)\s+(?:disordered\s+|missing\s+)?(?:c|n)-terminal\s+residues?\s+(?:get|are|is|will be)\s+"
           r"(?:built|modell?ed|added)(?:\s+too)?\s*\)")
    if re.search(r"missing residues", r.request, _I):
        r.take(r"\b(?:and\s+)?keep\s+(?:everything|all(?: of it)?)\s+(?:it|that it|pdbfixer)\s+finds\b")
    r.take(r"\(\s*(?:the\s+)?(?:one|two|three|four|\d+)\s+(?:c|n)-terminal\s+ones?\s*\)|\(\s*(?:tambi[ée]n|also)\s+(?:a\s+)?(?:las|the)\s+(?:aguas|waters)\s*\)")
    if r.any(rf"{_VERBS}(?:any |all |the |los |cualquier )?missing residues?(?:\s*(?:/|\+|and|y)\s*(?:heavy\s+)?atoms)?\b|findmissingresidues|"
             rf"{_VERBS}(?:los |cualquier )?residuos? (?:faltantes?|que faltan|ausentes?)"):
        if r.p().missing_residues == "skip":
            r.p().missing_residues = "model"
        if re.search(r"missing residues\s*(?:/|\+|and)\s*(?:heavy\s+)?atoms|residuos y [áa]tomos (?:faltantes|que faltan)", r.request, _I):
            r.p().missing_atoms = True
    if r.any(rf"{_VERBS}(?:los\s+)?residuos y [áa]tomos (?:pesados )?(?:faltantes|que falt[ae]n)"):
        r.p().missing_atoms = True
        if r.p().missing_residues == "skip":
            r.p().missing_residues = "model"
    if r.any(rf"{_VERBS}(?:any |all |the |los )?non-?standard residues|findnonstandardresidues|replacenonstandardresidues|"
             rf"{_VERBS}(?:los )?residuos no est[áa]ndar(?:es)?"):
        r.p().nonstandard = True
    # heterogens, with or without water (said next to them: "(keep the waters)", "incluidas las aguas")
    het = r.take(r"\b(?:remove|delete|strip|drop|get rid of|discard|quita\w*|elimina\w*|sin)\s+(?:out\s+)?(?:\w+\s+){0,2}?"
                 r"(?:heterogens?|het(?:ero)?[- ]?(?:atoms|groups)|hetatms?|heter[óo]genos|heteroátomos|heteroatomos|heterogrupos|ligands and waters)\b|"
                 r"removeheterogens|heterogens? removed")
    if het:
        window = r.text.text[het[0].start(): het[0].end() + 90]
        window = re.split(r"[;]|(?<!incl)\.\s|\?", window)[0]
        offset = het[0].start()
        keep_pattern = re.compile(
            r"\b(?:but |while |and )?(?:keep(?:ing)?|preserv\w+|retain\w*|conserv\w+|dej\w+|mant[ei]n\w*)\s+(?:the\s+|las?\s+)?"
            r"(?:crystal(?:lographic)?\s+)?(?:water(?: molecule)?s?|(?:mol[ée]culas de )?aguas?)\b|keepwater\s*=\s*true|"
            r"\bwaters? (?:are |is )?kept\b", _I)
        drop_pattern = re.compile(
            r"\b(?:including|incl\.|and|as well as|plus|also|too|y|incluid[ao]s?|tambi[ée]n|con)\s+(?:the\s+|el\s+|las?\s+)?"
            r"(?:crystal(?:lographic)?\s+)?(?:water(?: molecule)?s?|(?:mol[ée]culas de )?aguas?)(?:\s+too|\s+as well)?\b|"
            r"\((?:tambi[ée]n|also|incl\w*) (?:el |the |las )?(?:aguas?|waters?)\)|keepwater\s*=\s*false|"
            r"(?:water(?:s)? included|waters? too)", _I)
        keep = list(keep_pattern.finditer(window))
        # "keeping the crystal water (remove the heterogens with keepWater=True)": said before them
        before = re.search(r"\b(?:conservando|manteniendo|keeping|preserving|retaining)\s+(?:the\s+|el\s+|las?\s+)?"
                           r"(?:crystal\w*\s+)?(?:water(?: molecule)?s?|aguas?)(?:\s+cristalogr[áa]fic[ao]s?)?\b",
                           r.text.text[:het[0].start()], _I)
        if before:
            r.text.blank(before.start(), before.end())
            keep.append(before)
        drop = list(drop_pattern.finditer(window))
        named = re.match(r"\s*(?:with\s+)?[-–—:(]?\s*((?:(?:the|el|la|los|las)\s+)?[\w+-]+(?:\s*(?:,|\band\b|\by\b)\s*(?:(?:the|el|la|los|las)\s+)?"
                         r"(?:crystal(?:lographic)?\s+)?[\w+-]+(?:\s+(?:ions?|molecules?|ligands?|groups?))?){1,6})(?:\s+too)?\)?",
                         window[het[0].end() - het[0].start():], _I)
        if named and re.search(r"water|agua", named.group(1), _I) and not keep:  # "- the benzene, … and the crystal waters too"
            drop.append(re.compile(re.escape(named.group(0))).search(window))
        elif named and named.group(0).lstrip().startswith("(") and not re.search(r"water|agua", named.group(1), _I):
            r.text.blank(het[0].end(), het[0].end() + len(named.group(0)))  # "(the benzene, HED and the chloride ions)": which they are
        if drop:  # "incluidas las aguas, el benceno, el HED y los cloruros": what else goes, named
            tail = re.match(r"(?:\s*(?:,|\by\b|\band\b)\s*(?:the\s+|el\s+|la\s+|los\s+|las\s+)?[\w+-]+){1,6}",
                            window[drop[-1].end():], _I)
            if tail:
                start = drop[-1].end()
                drop.append(re.compile(re.escape(tail.group(0))).search(window, start))
        for m in keep + drop:
            if m is not before:
                r.text.blank(offset + m.start(), offset + m.end())
        if keep and drop:
            r.problems.append("the request both keeps and removes the waters")
        elif keep or drop:
            r.p().heterogens = "remove_keep_water" if keep else "remove"
        else:
            r.problems.append("say whether the waters go with the heterogens (PDBFixer keeps them unless told)")
    r.take(r"(?<=[,;])\s*(?:and\s+)?add\s+them\b|\b(?:and\s+)?add\s+them(?=\s*\))")  # "(find missing residues/atoms, add them)"
    # missing atoms (PDBFixer's addMissingAtoms adds the missing terminal atoms with them)
    r.take(r"\(?\b(?:terminal ones|terminal atoms|the terminal oxt|oxt)\s+included\)?|"
           r"\b(?:including|incl\.?|with)\s+(?:the\s+)?(?:missing\s+)?(?:c-?\s*)?terminal\s+(?:oxt|oxygen|atoms?|ones)\b|"
           r"\bincluid[oa]s?\s+(?:el\s+|los\s+)?(?:oxt\s+terminal|[áa]tomos\s+terminales|oxt)\b")
    # missing atoms
    if r.any(rf"{_VERBS}(?:any |all |the |los )?missing (?:heavy )?atoms\b|findmissingatoms|addmissingatoms|"
             rf"{_VERBS}(?:los |cualquier )?[áa]tomos? (?:pesados? )?(?:que )?(?:faltan(?:tes)?|falten|ausentes?)|missing atoms|"
             r"(?:add|a[ñn]ade)?\s*(?:the\s+)?missing (?:c-terminal |terminal )?(?:oxt|oxygen)(?: atom)?"):
        r.p().missing_atoms = True
    # hydrogens at a pH
    hydrogens = r.any(r"\b(?:add(?:ing)?|place|a[ñn]ad\w*|agreg\w*|protonat\w*|pon\w*)\s+(?:the\s+|los\s+|missing\s+)?"
                      r"(?:hydrogen(?: atom)?s|hidr[óo]genos|\bh\b)|addmissinghydrogens|\bprotonat\w+|hydrogens? (?:are )?added|"
                      r"\b(?:add\s+)?(?:h|hydrogens|hidr[óo]genos)\b(?=\s+(?:at|a)\s+ph\b)")
    ph = r.take(rf"\b(?:at|a|with|of)?\s*ph\s*(?:=|of|de)?\s*{N}")
    if len({_f(m.group(1)) for m in ph}) > 1:
        r.problems.append("two pH values")
    if hydrogens:
        r.p().hydrogens_ph = _f(ph[0].group(1)) if ph else 7.0
        if not ph:
            r.notes.append("pH 7.0 (PDBFixer's default)")
    elif ph:
        r.problems.append(f"{ph[0].group(0).strip()} without hydrogens to add")


def _build(r: _Reading) -> None:
    # a state, not a step: "the solvated pentalanine", "already solvated", "tal y como viene protonada"
    r.take(r"\b(?:the|a|an|this|that|its|already|pre-?|el|la|los|las|ya)\s+(?:solvated|solvatad[ao]s?|protonated|protonad[ao]s?)\b|"
           r"\b(?:as (?:it is |it's )?|tal (?:y )?como (?:viene |est[áa] )?)(?:solvated|protonated|solvatad[ao]|protonad[ao])\b")
    r.take(r"\b(?:without adding anything|sin a[ñn]adir nada|nothing added|no additions)\b")
    if r.any(r"\bdeletewater(?:\(\s*\))?|\b(?:delete|remove|strip|drop|quita\w*|elimina\w*|borra\w*)\s+(?:all\s+|todas\s+)?(?:the\s+|las\s+|el\s+)?"
             r"(?:crystal(?:lographic)?\s+)?(?:water(?: molecule)?s?|(?:mol[ée]culas de )?agua)\b|\bdry\b|\bdehydrat\w+"):
        r.b().delete_water = True
    for m in r.take(r"\b(?:delete|remove|strip|drop|quita\w*|elimina\w*|borra\w*)\s+(?:the\s+|la\s+)?(?:whole\s+)?"
                    r"(?:chain|cadena)s?\s+([A-Za-z0-9](?:\s*(?:,\s*(?:and\s+|y\s+)?|and\s+|y\s+)[A-Za-z0-9])*)\b(?:\s*\([^)]*\))?"
                    r"(?:\s+completely)?"):
        r.b().delete_chains += re.findall(r"\b[A-Za-z0-9]\b", m.group(1))
    # what the deletions leave, said as their result: it must agree with them
    said_left = r.take(r"\b(?:so that|so|leaving|dejando|para que)\s+(?:only|s[óo]lo|solamente)\s+(?:the\s+|el\s+|la\s+)?"
                       r"(?:monomer|chain|cadena|mon[óo]mero)\s+([A-Za-z0-9])\b(?:\s+(?:is\s+|remains?\s*|quede\b)?"
                       r"(?:left|remaining|remains))?")
    for m in r.take(r"\b(?:keep|retain|conserva\w*|deja\w*)\s+only\s+(?:the\s+)?(?:chain|cadena)s?\s+([A-Za-z0-9](?:\s*(?:,|and|y)\s*[A-Za-z0-9])*)\b|"
                    r"\bs[óo]lo\s+(?:la\s+)?cadena\s+([A-Za-z0-9])\b|\bonly chain ([A-Za-z0-9])\b"):
        r.b().keep_chains += re.findall(r"\b[A-Za-z0-9]\b", next(g for g in m.groups() if g))
    for m in said_left:
        if r.build is None or m.group(1) in r.build.delete_chains or (r.build.keep_chains and m.group(1) not in r.build.keep_chains):
            r.problems.append(f"the request says chain {m.group(1)} is left, and the deletions do not leave it")
    if r.any(r"\bsolvat(?:e|es|ed|ing)\b(?!\s+(?:term|energy|free energy|model|force))|\bsolv[aá]t(?:a|alo|ala|ar|ando|ado|ada)\b|"
             r"\badd(?:ing)?\s+(?:explicit\s+)?(?:water|solvent)\b|\baddsolvent\b|\bwater box\b|"
             r"\bcaja de agua\b|\ba[ñn]ad\w* (?:el )?(?:agua|solvente|disolvente)\b|explicit (?:water|solvent)|"
             r"\b(?:put|place|immerse|pon\w*|mete\w*)\b(?:(?!\.\s)[^;?]){0,60}?\b(?:in|into|en)\s+(?:a|an|una)\b"
             r"(?=(?:(?!\.\s)[^;?]){0,60}\b(?:box|caja)\b(?:(?!\.\s)[^;?]){0,30}\b(?:water|agua|tip\w+|spc\w*|opc\w*)\b)|"
             r"\b(?:put|place|immerse)\b(?:(?!\.\s)[^;?]){0,80}?\b(?:in|into)\s+(?:a|an)\b(?=(?:(?!\.\s)[^;?]){0,30}\b(?:water|solvent)\s+box\b)|"
             r"\b(?:put|place|immerse)\b(?:(?!\.\s)[^;?]){0,60}?\b(?:in|into)\s+(?:a|an)\s+(?=(?:truncated\s+|rhombic\s+)?(?:octahedron|dodecahedron)\s+of\s+(?:\w+[- ]?)?\w*\s*water)|"
             r"\bfill\w*(?=\s+(?:a|an|the)\b(?:(?!\.\s)[^;?]){0,60}?\bbox\s+with\s+(?:water|solvent))|"
             r"\b(?:en|in)\s+(?:una|a)\s+(?=caja\b(?:(?!\.\s)[^;?]){0,80}\bcon\s+agua\b)"):
        r.b().solvate = True
    b = r.build
    if b is None or not b.solvate:
        return
    for m in r.take(rf"{N}\s*{_LENGTH}\s*(?:of\s+|de\s+)?(?:water\s+)?(?:padd?i?ng|margen|margin|clearance)(?:\s*\(padding\))?|"
                    rf"(?:padd?i?ng|margen|margin|clearance)\s*(?:of|=|de|:)?\s*{N}\s*{_LENGTH}|"
                    rf"{N}\s*{_LENGTH}\s+(?:from the (?:protein|solute|peptide) to the (?:box )?edges?|(?:of )?(?:water|solvent) around)"):
        g = [x for x in m.groups() if x]
        b.padding_nm = _len_nm(g[0], g[1])
    for m in r.take(rf"{N}\s*{_LENGTH}?\s*[x×]\s*{N}\s*{_LENGTH}?\s*[x×]\s*{N}\s*{_LENGTH}"):
        g = m.groups()
        unit = g[5]
        b.box_nm = [_len_nm(g[0], g[1] or unit), _len_nm(g[2], g[3] or unit), _len_nm(g[4], unit)]
    for m in r.take(rf"(?:cubic\s+)?(?:box|caja)\s*(?:c[úu]bica\s*)?(?:of|with|de)?\s*(?:a\s+)?(?:an?\s+)?(?:exactly\s+|exactamente\s+)?{N}\s*{_LENGTH}\s*(?:edge|side|de lado|de arista)?|"
                    rf"{N}\s*{_LENGTH}\s*(?:edge|side|cubic box|box)|boxsize\s*(?:=|of)?\s*{N}\s*{_LENGTH}?"):
        g = [x for x in m.groups() if x]
        edge = _len_nm(g[0], g[1] if len(g) > 1 else "nm")
        b.box_nm = [edge, edge, edge]
    r.take(r"\bof\s+fixed\s+size\b|\(\s*boxsize\s*\)|\(?boxsize,? (?:not|no) padding\)?|\(?not padding\)?|\(default cubic box\)|\bfixed\b(?=\s+(?:\w+\s+)?box)")
    for m in r.take(r"\bboxshape\s*=\s*['\"]?(cube|dodecahedron|octahedron)['\"]?"):
        b.box_shape = m.group(1).lower()
    for shape in BOX_SHAPES[1:]:
        if r.any(rf"\b(?:truncated[\s-]+)?(?:rhombic[\s-]+)?{shape[:-1]}\w*|{'dodeca' if shape == 'dodecahedron' else 'octa'}[ée]dric[ao]"
                 rf"(?:\s+(?:r[óo]mbica|truncada))?|{'dodecaedro' if shape == 'dodecahedron' else 'octaedro'}\w*(?:\s+(?:r[óo]mbico|truncado))?"):
            b.box_shape = shape
    r.take(r"\b(?:cubic|c[úu]bica|rectangular|rectangle)\s*(?:box|caja)?\b(?!\s*[åáa]ngstr)|\bbox\b|\bcaja\b")
    models = {"tip3pfb": "tip3p", "tip3p": "tip3p", "tip4pew": "tip4pew", "tip4p-ew": "tip4pew", "tip4pfb": "tip4pfb",
              "tip5p": "tip5p", "spce": "spce", "spc/e": "spce", "opc3": "opc3", "opc": "opc"}
    r.take(r"\b(?:instead of|rather than|en (?:lugar|vez) de)\s+(?:the\s+)?(?:default\s+)?(?:tip3p|tip4p-?ew|tip5p|spc/?e|opc3?)\b")
    found = []
    for m in r.take(r"\bmodel\s*=\s*['\"]?(tip3p|tip4pew|tip5p|spce|opc3?)['\"]?|\b(tip3p|tip4p-?ew|tip5p|spc/?e|opc3?)\b"
                    r"(?:\s+(?:water(?: model)?|agua))?|water model\s+(tip3p|tip4pew|tip5p|spce|opc3?)"):
        found.append(models[next(g for g in m.groups() if g).lower()])
    if len(set(found)) > 1:
        r.problems.append(f"two water models ({', '.join(sorted(set(found)))})")
    elif found:
        b.water_model = found[0]
    r.take(r"\b(?:water|agua)\b")
    if r.any(r"\b(?:do not|don'?t|no|without|sin)\s+neutrali[sz]\w*|neutrali[sz]e\s*=\s*false|"
             r"\b(?:no|without|sin)\s+(?:ions|iones|counter-?ions|contraiones)(?:\s*/\s*(?:salt|sal))?\b"):
        b.neutralize = False
    for m in r.take(r"\bneutrali[sz]\w*\s+(?:with|con)\s+(na\+|k\+|cl-|sodium|potassium|chloride|sodio|potasio|cloruro)(?!\w)"):
        ion = m.group(1).lower()
        if ion in ("na+", "sodium", "sodio"):
            b.positive_ion = "Na+"
        elif ion in ("k+", "potassium", "potasio"):
            b.positive_ion = "K+"
    r.take(r"\bneutrali[sz]\w*|\bneutral\b")
    r.take(r"\b(?:bring|take)\s+it\s+(?=to\b)|\b(?:up\s+)?to\s+(?:an?\s+)?(?=\d)|\bhasta\s+(?=\d)")
    r.take(r"\(?\b(?:cl-|cl−)\s+(?:as|como)\s+(?:the\s+|el\s+)?(?:anion|ani[óo]n|negative ion)\)?")
    for m in r.take(r"\b(?:with\s+|con\s+)?(k\+|na\+|li\+|cs\+|rb\+)\s+(?:as|como)\s+(?:the\s+|el\s+)?(?:positive ion|cation|cati[óo]n|ion positivo)"
                    r"(?:\s+instead of\s+na\+)?"):
        b.positive_ion = {"k+": "K+", "na+": "Na+", "li+": "Li+", "cs+": "Cs+", "rb+": "Rb+"}[m.group(1).lower()]
    r.take(r"\b(?:add(?:ing)?|a[ñn]ad\w*|agreg\w*)\s+(?=\d[\d.,]*\s*(?:mm|m|mol/l|molar|millimolar|milimolar)\b)")
    salts = r.take(rf"{N}\s*(mm|m|mol/l|molar|millimolar|milimolar)\b(?:\s+(?:of\s+)?(?:nacl|kcl|salt|sal|na\+/cl-|ionic strength|de fuerza i[óo]nica))?")
    for m in salts:
        b.ionic_strength_molar = _f(m.group(1)) / (1000.0 if m.group(2).lower() in ("mm", "millimolar", "milimolar") else 1.0)
    if len(salts) > 1:
        r.problems.append("two salt concentrations")
    for m in r.take(r"\b(?:negative(?:\s+ion)?|anion|ani[óo]n|(?:ion\s+)?negativo|negativeion\s*=)\s*['\"]?(br-|f-|i-|cl-)['\"]?|"
                    r"\b(?:positive\s+ion|cation|cati[óo]n|(?:ion\s+)?positivo|positiveion\s*=)\s*['\"]?(na\+|k\+|li\+|cs\+|rb\+)['\"]?"):
        if m.group(1):
            b.negative_ion = {"br-": "Br-", "f-": "F-", "i-": "I-", "cl-": "Cl-"}[m.group(1).lower()]
        else:
            b.positive_ion = {"k+": "K+", "na+": "Na+", "li+": "Li+", "cs+": "Cs+", "rb+": "Rb+"}[m.group(2).lower()]
    if r.any(r"\bkcl\b(?:\s+(?:instead of|rather than|en (?:lugar|vez) de)\s+nacl\b)?|\bk\+|potassium|potasio"):
        b.positive_ion = "K+"
    salt = {"nabr": ("Na+", "Br-"), "kbr": ("K+", "Br-"), "licl": ("Li+", "Cl-"), "naf": ("Na+", "F-"), "nai": ("Na+", "I-")}
    for m in r.take(r"\b(?:de\s+|of\s+)?(nabr|kbr|licl|naf|nai)\b"):
        positive, negative = salt[m.group(1).lower()]
        if b.positive_ion not in ("Na+", positive) or b.negative_ion not in ("Cl-", negative):
            r.problems.append(f"{m.group(1)} and the ions named beside it disagree")
        else:
            b.positive_ion, b.negative_ion = positive, negative
    r.take(r"\((?:k\+|na\+|li\+)\s*/\s*(?:cl-|br-)\)|\bneutralizad[ao]\b")
    r.take(r"\b(?:add(?:ing)?|a[ñn]ad\w*|agreg\w*)\s+(?:(?:the|some|extra|more)\s+)?(?=(?:nacl|kcl|salt|sal|ions?|iones|na\+|k\+)(?!\w))")
    r.take(r"\((?:na\+\s*/\s*cl-)\)|\bnacl\b|\bna\+|\bcl-|sodium chloride|cloruro de sodio|\bions?\b|\biones\b|"
           r"\b(?:added |extra )?salt\b|\bsal\b|(?:to |an |hasta )?(?:ionic strength|fuerza i[óo]nica)\b|\bconcentration\b")


_FORCEFIELDS = {  # names said without a file → OpenMM's files
    r"amber14(?:-all)?|amber ff14sb|ff14sb": "amber14-all.xml", r"amber99sb-?ildn": "amber99sbildn.xml",
    r"amber99sb": "amber99sb.xml", r"amber03": "amber03.xml", r"amber10": "amber10.xml", r"amber96": "amber96.xml",
    r"charmm36": "charmm36.xml",
}
_IMPLICIT = {"obc2": "OBC2", "obc1": "OBC1", "gbn2": "GBn2", "gbn": "GBn", "hct": "HCT"}


def _system(r: _Reading) -> None:
    ffs = list(r.forcefield)
    for pattern, name in _FORCEFIELDS.items():
        if r.any(rf"\b(?:{pattern})\b(?:\s+(?:force\s*field|campo de fuerza))?") and name not in ffs:
            ffs.insert(0, name)
    vacuum = r.take(r"\bin vacuum\b|\ben vac[íi]o\b|\bvacuum\b|\bgas[- ]phase\b|\bfase gas\b|"
                    r"\(?\bno (?:explicit )?water,? (?:and )?no implicit solvent\)?|\(?\bsin agua,? ni (?:di)?solvente impl[íi]cito\)?")
    implicit = [m.group(1).lower() for m in r.take(r"\b(obc2|obc1|gbn2|gbn|hct)\b(?:\s+implicit\s+solvent)?")]
    if any(f.endswith("_obc.xml") or f.startswith("implicit/obc") for f in ffs):
        r.take(r"\bobc\b")
    said_implicit = r.take(r"\bimplicit[- ]solvent\b|\b(?:di)?solvente impl[íi]cito\b|\bimplicit\b|\bimpl[íi]cito\b")
    if said_implicit and not implicit and not any(f.startswith("implicit/") or f.endswith("_obc.xml") for f in ffs):
        r.problems.append("which implicit-solvent model (for example implicit/obc2.xml)")
    if (vacuum or r.vacuum) and (implicit or said_implicit or any(f.startswith("implicit/") for f in ffs)
                                 or (r.build and r.build.solvate)):
        r.problems.append("the request says vacuum and also names a solvent")
    r.take(r"\b(?:plus|along with|together with|más|junto con)\b(?:\s+its\b)?|\+")
    r.take(r"\bthe (?:old )?\w*\s*force\s*field\b|\bforce\s*fields?\b|\bcampos? de fuerza\b|\bits\b")
    if implicit and ffs and not any(f.startswith("implicit/") or f.endswith("_obc.xml") for f in ffs):
        ffs.append(f"implicit/{implicit[0]}.xml")
    elif implicit and not ffs and len(r.files) > 1:
        r.s().implicit = _IMPLICIT[implicit[0]]
    if ffs and r.files and Path(r.files[0]).suffix.lower() in (".prmtop", ".parm7"):
        for name in ffs:
            model = re.fullmatch(r"implicit/(obc2|obc1|gbn2|gbn|hct)\.xml", name)
            if model:
                r.s().implicit = _IMPLICIT[model.group(1)]
            else:
                r.problems.append(f"{name} with an Amber topology (the prmtop holds the force field)")
        ffs = []
    if ffs:
        r.s().forcefield = ffs
        if r.build and r.build.solvate and not any("tip" in f or "spce" in f or "opc" in f or "water" in f for f in ffs):
            water = {"tip3p": "amber14/tip3pfb.xml", "tip4pew": "amber14/tip4pew.xml", "spce": "amber14/spce.xml",
                     "opc": "amber14/opc.xml", "opc3": "amber14/opc3.xml"}.get(r.build.water_model)
            if water and ffs[0].startswith("amber14"):
                ffs.append(water)
                r.notes.append(f"water force field {water}")
            elif ffs[0].startswith("charmm36") and r.build.water_model == "tip3p":
                ffs.append("charmm36/water.xml")
                r.notes.append("water force field charmm36/water.xml")
            else:
                r.problems.append(f"name the water force-field file to go with {ffs[0]}")
    methods = {"nocutoff": "NoCutoff", "no cutoff": "NoCutoff", "sin cutoff": "NoCutoff", "sin corte": "NoCutoff", "pme": "PME",
               "cutoffnonperiodic": "CutoffNonPeriodic", "cutoffperiodic": "CutoffPeriodic", "ewald": "Ewald",
               "ljpme": "LJPME", "particle mesh ewald": "PME"}
    r.take(r"\b(?:the\s+|a\s+)?default (?:ewald )?error tolerance\b")
    for m in r.take(r"\b(?:ewald\s*error\s*tolerance|ewalderrortolerance|tolerancia\s+de\s+ewald)\s*(?:=|of|de)?\s*(\d+(?:\.\d+)?(?:e-?\d+)?)"):
        r.s().ewald_tolerance = float(m.group(1))
    r.take(r"\b(?:and\s+|y\s+)?(?:the\s+|la\s+)?(?:default\s+)?(?:long-range\s+)?dispersion correction(?:\s+(?:on|at its default|by default))?\b|"
           r"\b(?:y\s+)?(?:la\s+)?correcci[óo]n de dispersi[óo]n(?:\s+por defecto)?\b")
    r.take(r"\(?\bremovecmmotion\s*(?:=\s*true|left\s+at\s+(?:its\s+)?default(?:\s+true)?)\)?|\bcounting\s+the\s+cmmotionremover\b|"
           r"\b(?:with\s+)?(?:the\s+)?(?:default\s+)?cmmotionremover\s+(?:kept|included)\b")
    found = []
    for m in r.take(r"\b(?:nonbonded\s*method\s*=?\s*|app\.)?(nocutoff|no cutoff|sin cutoff|sin corte|ljpme|pme|particle mesh ewald|"
                    r"cutoffnonperiodic|cutoffperiodic|ewald)\b(?:\s+electrostatics)?"):
        found.append(methods[m.group(1).lower()])
    if len(set(found)) > 1:
        r.problems.append(f"two nonbonded methods ({', '.join(sorted(set(found)))})")
    if found:
        r.s().nonbonded = found[0]
    for m in r.take(rf"{N}\s*{_LENGTH}\s*(?:nonbonded\s+|non-bonded\s+)?cut-?off|(?:nonbonded\s*)?(?:cut-?off|corte)\s*(?:of|=|de)?\s*{N}\s*{_LENGTH}"):
        g = [x for x in m.groups() if x]
        r.s().cutoff_nm = _len_nm(g[0], g[1])
    r.take(r"\bnonbonded\s*method\b|\bnonbonded\b")
    r.take(r"\b(?:the\s+)?default (?:ewald )?error tolerance\b|\bat the (?:inpcrd |file'?s? )?coordinates(?: and box)?\b")
    r.take(r"\(\s*not\s+(?:hbonds|allbonds|hangles|h-bonds|nocutoff|pme|ewald|ljpme|cutoffperiodic|cutoffnonperiodic)\s*\)")
    if r.system is not None and r.system.nonbonded in ("NoCutoff", "CutoffNonPeriodic"):
        r.take(r"\(?\b(?:no|without|sin)\s+(?:a\s+)?periodic\s+box\)?|\(?\bsin\s+caja\s+peri[óo]dica\)?")
    cons = {"hbonds": "HBonds", "h-bonds": "HBonds", "allbonds": "AllBonds", "all bonds": "AllBonds", "hangles": "HAngles"}
    if r.any(r"\b(?:no|without|sin|none)\s+(?:constraints|restricciones)\b|constraints\s*=\s*none|\bunconstrained\b"):
        r.s().constraints = None
    said = set()
    for m in r.take(r"\b(?:constraints\s*=\s*|app\.)?(hbonds|h-bonds|allbonds|all bonds|hangles)\b(?:\s+constraints)?|"
                    r"\bconstrain(?:ed|ing)?\s+(?:the\s+)?(?:bonds\s+(?:to|with|involving)\s+hydrogens?|h-bonds|all bonds)|"
                    r"\bconstraints?\s+(?:on|for)\s+(?:the\s+)?bonds\s+(?:to|with|involving)\s+hydrogens?"):
        word = (m.group(1) or "").lower()
        said.add(cons.get(word, "AllBonds" if "all bonds" in m.group(0).lower() else "HBonds"))
        r.s().constraints = cons.get(word, "AllBonds" if "all bonds" in m.group(0).lower() else "HBonds")
    if len(said) > 1:
        r.problems.append(f"two kinds of constraints ({', '.join(sorted(said))})")
    r.take(r"\bconstraints\b|\brestricciones\b")
    if r.any(r"\bflexible water\b|rigidwater\s*=\s*false|\bagua flexible\b"):
        r.s().rigid_water = False
    r.take(r"\b(?:and\s+)?rigid(?: water)?\b|rigidwater\s*=\s*true|\bagua r[íi]gida\b")
    # the barostat's interval, said after it ("MonteCarloBarostat at 1 bar and 300 K every 25 steps")
    every = re.search(rf"barost\w*[^.;,?]{{0,40}}?\b((?:every|cada)\s+{INT}\s*(?:md\s+)?(?:steps|pasos))", r.text.text, _I)
    if every:
        r.text.blank(every.start(1), every.end(1))
        r.s().barostat_every = int(_f(every.group(2)))
    for m in r.take(rf"{N}\s*(bar|atm)\b(?:\s+(?:monte carlo\s+)?barostat)?|(?:monte carlo\s+)?barostat\w*\s*(?:at|of|de)?\s*{N}\s*(bar|atm)"):
        g = [x for x in m.groups() if x]
        r.s().pressure_bar = _f(g[0]) * (1.01325 if g[1].lower() == "atm" else 1.0)
    r.take(r"\b(?:with\s+)?(?:the\s+|its\s+)?default\s+createsystem\s+(?:arguments|settings|options|parameters)\b|"
           r"\bcreatesystem'?s?\s+defaults\b")
    if r.system is not None and r.system.pressure_bar is not None:
        r.take(r"\bnpt\b(?:\s+(?:run|simulation|ensemble))?|\bconstant[- ]pressure\b|\bpresi[óo]n constante\b")  # the barostat, named
    r.take(r"\bcreatesystem\b|\b(?:an? )?(?:openmm )?system\b|\bsistema\b")


def _minimise(r: _Reading) -> None:
    if r.any(r"\b(?:without|no|sin|not|before|don'?t|do not)\s+(?:any\s+|ninguna\s+)?(?:energy\s+)?(?:minimi[sz]\w*|minimizar|minimizaci[óo]n)\b|"
             r"\b(?:un|not\s+)minimi[sz]ed\b|\bsin minimizar\b"):
        return
    if re.search(r"\bminimi[sz]\w*|\bminimiza\w*", r.text.text, _I):  # "relax it … minimise to 10": that minimisation
        r.take(r"\b(?:and\s+)?relax(?:es|ing)?\b(?:\s+(?:the\s+)?(?:structure|system|geometry)\b)?")
    if not r.any(r"\b(?:simulation\.)?minimizeenergy\w*|\bminimi[sz]\w*|\blocalenergyminimizer\w*|\bminimiza\w*|"
                 r"\benergy minimi[sz]ation\b"):
        return
    r.minimise = Minimise()
    r.take(r"\b(?:openmm'?s\s+)?l-?bfgs\b|\buntil\b(?=[^.;?]{0,40}tolerance)|"
           r"\b(?:is|are)\s+reached\b|\bstop\s+after\b")
    for m in r.take(rf"\b(?:(?:force\s+)?(?:tolerance|tolerancia|tol)|down to)\s*(?:of|=|de)?\s*{N}(?:\s*(kj\s*/\s*mol\s*/\s*nm|kj mol-1 nm-1|kj/\(mol\s*nm\)|"
                    rf"kcal\s*/\s*mol\s*/\s*(?:å|a|angstrom)|kj\s*/\s*mol\s*/\s*(?:å|a))\b)?"):
        unit = (m.group(2) or "kj/mol/nm").lower().replace(" ", "")
        factor = {"kcal/mol/å": 41.84, "kcal/mol/a": 41.84, "kcal/mol/angstrom": 41.84, "kj/mol/å": 10.0,
                  "kj/mol/a": 10.0}.get(unit, 1.0)
        r.minimise.tolerance = _f(m.group(1)) * factor
    if r.any(r"\b(?:no|without|sin)\s+(?:max(?:imum)?\s+)?(?:iteration|iteraci[óo]n)(?:s|es)?\s*(?:limit|l[íi]mite)?\b|"
             r"\b(?:no|without|sin)\s+(?:limit|l[íi]mite)\s+(?:on|of|to|de|en)\s+(?:the\s+|las\s+)?(?:number of\s+)?(?:iterations|iteraciones)\b|"
             r"\bno max iterations\b|\bsin l[íi]mite de iteraciones\b|maxiterations\s*=\s*0|until (?:it )?converge[sd]?|"
             r"\(?\b(?:no|without|sin)\s+(?:iteration|iteraci[óo]n)\s+(?:cap|limit|l[íi]mite)\)?"):
        r.minimise.max_iterations = 0
    for m in r.take(rf"\b(?:at most|max(?:imum)?(?: of)?|maxiterations\s*(?:=|of)?|up to|hasta|a lo sumo|como m[áa]ximo|"
                    rf"(?:un\s+)?m[áa]ximo(?:\s+de)?|capped at|limited to|a cap of)\s*{INT}\s*(?:iterations|steps|iteraciones|pasos)?|"
                    rf"{INT}\s*(?:minimi[sz]ation\s+)?(?:iterations|iteraciones)"):
        r.minimise.max_iterations = int(_f(m.group(1) or m.group(2)))
        if r.minimise.max_iterations == 0:
            r.problems.append("0 iterations (OpenMM reads 0 as no limit); ask for no minimisation or for a number")
    r.take(r"\(?\s*default settings\s*\)?|\bdefault\b")
    r.take(r"\btolerance\b|\btolerancia\b|kj/mol/nm")


_SAVING = r"(?:\b(?:saving|writing|save|write|record\w*|logging|log|guardando|escribiendo|guarda|escribe)\s+(?:a\s+|an\s+|one\s+|the\s+|un\s+|una\s+)?)?"


def _simulate(r: _Reading) -> None:
    # the words that name a run; whether there is one is said by its length (steps or ps) below
    equilibration = [int(_f(next(g for g in m.groups() if g))) for m in r.take(
        rf"\b{INT}\s*(?:md\s+)?(?:steps|pasos)\s+(?:of\s+|de\s+)?(?:unreported\s+|reporter-?free\s+)?(?:equilibration|equilibraci[óo]n|equilibrado)\b|"
        rf"\bequilibrat\w*\s+(?:for\s+)?{INT}\s*steps\b|\bequilibra\w*\s+(?:durante\s+)?{INT}\s*pasos\b")]
    if equilibration:
        r.take(r"\b(?:without|with no|sin)\s+(?:any\s+|ning[úu]n\s+)?(?:reporters?|reporting|logging|output)\b|"
               r"\b(?:over|of|during|in|for)?\s*(?:the\s+)?production(?:\s+(?:run|part|phase))?\b(?!\s+steps)|"
               r"\b(?:de|en|durante)?\s*(?:la\s+)?(?:fase de\s+)?producci[óo]n\b")
    r.take(r"\b(?:(?:el|the)\s+)?(?:integrador\s+)?langevin\w*\s*(?:middle\s*)?(?:integrator)?|\bintegrador\w*|\blangevinmiddleintegrator\b|\bsimulat\w+|\bsim[úu]la\w*|"
           r"\b(?:md|molecular dynamics|din[áa]mica molecular|dynamics)\b|\bintegrat\w+|\bnvt\b|\bequilibrat\w+")
    interval_words = {"dcd": r"dcd\w*|trajectory|trayectoria|frames?|snapshots?", "state": r"statedata\w*|state[- ]data\w*|csv|log|energ\w*|temperatur\w*",
                      "checkpoint": r"checkpoint\w*"}
    intervals: dict[str, int] = {}
    # "a DCDReporter writing every 100 steps", "StateDataReporter to a CSV file every 50 steps (…)"
    for kind, words in interval_words.items():
        for m in r.take(rf"{_SAVING}\b(?:{words})(?:\s+(?:reporter|file|frame|frames|data|writing|saving|written|output|to a csv file|con|with|"
                        rf"temperature|\([^)]*\)|reporting|de|la|el|a|an?|en|un|una|in|to|into|dcd|csv|the))*\s*(?:every|cada|each)\s*{INT}\s*"
                        rf"(?:md\s+)?(?:steps|pasos)|"
                        rf"\b(?:save|write|record|report|guarda\w*|escrib\w*)\s+(?:a\s+)?(?:{words})\s+(?:every|cada)\s*{INT}\s*(?:steps|pasos)"):
            intervals[kind] = int(_f(next(g for g in m.groups() if g)))
    ps_intervals = {}
    for kind, words in interval_words.items():
        for m in r.take(rf"{_SAVING}\b(?:{words})(?:\s+(?:reporter|file|frame|data|writing|saving|written|output|de|la|el|a|an?|"
                        rf"en|un|una|in|to|into|dcd|csv))*\s*"
                        rf"(?:every|cada|each)\s*{N}\s*(ps|fs|picoseconds?|picosegundos?)\b"):
            ps_intervals[kind] = _f(m.group(1)) / (1000.0 if m.group(2).lower() == "fs" else 1.0)
    if "state" in intervals:
        r.take(r"\b(?:step|time|potential energy|temperature|paso|tiempo|energ[íi]a potencial|temperatura)"
               r"(?:\s*,\s*(?:step|time|potential energy|temperature|paso|tiempo|energ[íi]a potencial|temperatura))*\b")
    r.take(r"\b(?:a\s+)?(?:dcd\s*reporter|dcdreporter|statedatareporter|state\s*data\s*reporter|reporter)s?\b|"
           r"\bto a csv(?: file)?\b|\bcsv\b|\bdcd\b(?:\s+file)?")
    r.take(r"\b(?:sin guardar nada|without saving anything|with nothing saved)\b|\b(?:a\s+|an\s+)?(?:nvt\s+)?production\s+run\b|"
           r"\b(?:haz\s+)?(?:una\s+)?producci[óo]n\b(?=\s+de\s+\d)")
    steps = [int(_f(m.group(1))) for m in r.take(rf"\b(?:run|for|during|durante|corre|ejecuta)?\s*{INT}\s*(?:md\s+|more\s+|integration\s+|production\s+)?(?:time\s*)?(?:steps|pasos)\b"
                                                 rf"(?:\s+de\s+(?:din[áa]mica|producci[óo]n))?")]
    dt_ps = [_f(m.group(1)) * 1000.0 for m in r.take(rf"\b(?:dt|time\s*step|timestep|step size|integration step|paso de tiempo)\s*(?:=|of|de)?\s*{N}\s*ps\b")]
    length = r.take(rf"\b{N}\s*(ps|ns|picoseconds?|nanoseconds?|picosegundos?|nanosegundos?)\b(?:\s+(?:of\s+)?(?:md|simulation|dynamics|run|long)|"
                    rf"\s+de\s+(?:din[áa]mica|simulaci[óo]n|md))?")
    temps = [(_f(m.group(1)), m) for m in r.take(rf"\b{N}\s*(?:k|kelvin)\b")]
    step_fs = [_f(m.group(1) or m.group(2)) for m in r.take(
        rf"\b{N}\s*(?:-\s*)?(?:fs|femtoseconds?|femtosegundos?)\b(?:\s+(?:time\s*)?(?:steps?|timestep|paso))?|"
        rf"(?:time\s*step|timestep|paso de tiempo|paso|step)\s*(?:of|=|de)?\s*{N}\s*(?:fs|femtoseconds?|femtosegundos?)\b")]
    step_fs += dt_ps
    friction = [_f(m.group(1) or m.group(2)) for m in r.take(
        rf"\b(?:friction|fricci[óo]n|collision rate)\s*(?:coefficient\s*)?(?:of|=|de)?\s*{N}\s*(?:/\s*ps|ps\^?-1|ps⁻¹|1/ps|per ps)|"
        rf"\b{N}\s*(?:/\s*ps|ps\^?-1|ps⁻¹|per ps)\b(?:\s+(?:friction|collision rate))?")]
    r.take(r"\b(?:friction|fricci[óo]n)\b")
    seeds = [(int(m.group(1)), m) for m in r.take(rf"\b(?:random\s+|integrator\s+|with\s+)?(?:seed|semilla)\s*(?:=|of|de)?\s*{INT}")]
    r.take(r"\b(?:the same|la misma)\s+(?:seed|semilla)\b|\bfor both\b|\bpara ambos\b|\bfor everything\b|\bpara todo\b")
    budget = r.take(rf"\b(?:for\s+)?(?:at most|no more than|up to|within|a lo sumo|como m[áa]ximo|durante)\s+{N}\s*"
                    rf"(min(?:ute)?s?|minutos?|h|hours?|horas?)\b(?:\s+(?:of\s+)?(?:wall[- ]?clock|compute|cpu)(?:\s+time)?)?|"
                    rf"\b(?:a\s+)?(?:time\s+)?budget\s+(?:of\s+)?{N}\s*(min(?:ute)?s?|h|hours?)\b")
    velocity = r.take(r"\b(?:(?:assign|set|give it|draw|asigna|dale|pon)\w*\s+(?:the\s+|las\s+)?)?(?:initial\s+)?"
                      r"(?:velocit(?:y|ies)|velocidades)(?:\s+iniciales)?\b(?:\s+(?:too|as well|also|drawn|assigned))?|setvelocitiestotemperature")
    if not (steps or length):
        if temps or step_fs or seeds or intervals or friction:
            r.problems.append("temperature, step size, seeds or reporters, but no run length (steps or ps)")
        return  # "I'd like to simulate …" with nothing to run: the intention, not a run
    m = r.m()
    if len(equilibration) > 1:
        r.problems.append("two equilibration lengths")
    elif equilibration:
        m.equilibration_steps = equilibration[0]
    if len(steps) + len(length) > 1:
        r.problems.append("more than one run length (one run per request)")
    if len(set(friction)) > 1 or len(set(step_fs)) > 1:
        r.problems.append("two frictions or two step sizes")
    if steps:
        m.steps = steps[0]
    if step_fs:
        m.step_fs = step_fs[0]
    else:
        r.notes.append("2 fs steps")
    if length and not steps:
        value, unit = _f(length[0].group(1)), length[0].group(2).lower()
        ps = value * (1000.0 if unit.startswith("n") else 1.0)
        m.steps = int(round(ps * 1000.0 / m.step_fs))
    distinct_t = sorted({t for t, _ in temps})
    if len(distinct_t) == 1:
        m.temperature_k = distinct_t[0]
    elif len(distinct_t) > 1:
        r.problems.append(f"two temperatures ({', '.join(f'{t:g} K' for t in distinct_t)})")
    else:
        r.notes.append("300 K")
    if friction:
        m.friction_per_ps = friction[0]
    distinct_seeds = sorted({s for s, _ in seeds})
    if len(distinct_seeds) == 1:
        m.seed = distinct_seeds[0]
    elif len(distinct_seeds) == 2:
        owners = {}
        for seed, match in seeds:
            before = r.request[max(0, match.start() - 40): match.end()].lower()
            last_v = max(before.rfind("velocit"), before.rfind("velocidad"))
            last_i = max(before.rfind("integrat"), before.rfind("langevin"))
            if last_v != last_i:
                owners["velocity" if last_v > last_i else "integrator"] = seed
        if len(owners) == 2 and owners["velocity"] != owners["integrator"]:
            m.seed, m.velocity_seed = owners["integrator"], owners["velocity"]
        else:
            r.problems.append("two seeds, and not clearly one for the integrator and one for the velocities")
    elif len(distinct_seeds) > 2:
        r.problems.append("several seeds")
    for kind, ps in ps_intervals.items():
        steps_each = ps * 1000.0 / m.step_fs
        if abs(steps_each - round(steps_each)) > 1e-6 or round(steps_each) <= 0:
            r.problems.append(f"an interval of {ps:g} ps is not a whole number of {m.step_fs:g} fs steps")
        else:
            intervals[kind] = int(round(steps_each))
    if budget:
        g = [x for x in budget[0].groups() if x]
        m.budget_minutes = _f(g[0]) * (60.0 if g[1].lower().startswith("h") else 1.0)
    m.dcd_every = intervals.get("dcd")
    m.state_every = intervals.get("state")
    m.checkpoint_every = intervals.get("checkpoint")
    r.take(r"\b(?:at|a)\b(?=\s*$)|\(\s*k\s*\)")


def _platform(r: _Reading) -> None:
    r.take(r"\(\s*\)|\bfixer\.\w+|\bfixer\b")
    r.take(r"\bonly\s*\(\s*(?:no|not|without|sin)\s*\)")  # "Modeller only (no PDBFixer)": the tool names are read
    for m in r.take(r"\b(?:on\s+|en\s+)?(?:the\s+|la\s+)?(cpu|cuda|opencl|reference)\s*(?:platform|plataforma)?\b|"
                    r"\b(?:plataforma|platform)\s+(cpu|cuda|opencl|reference)\b"):
        r.platform = {"cpu": "CPU", "cuda": "CUDA", "opencl": "OpenCL", "reference": "Reference"}[
            next(g for g in m.groups() if g).lower()]
    r.take(r"(?:\(\s*)?(?:\b(?:with|con)\s+)?(?:\{\s*'?threads'?\s*:\s*'?1'?\s*\}|'?threads'?\s*:\s*'?1'?|\b1 thread|"
           r"\bone thread|\bun hilo)(?:\s*\))?")
    if r.any(r"\b(?:in|en)\s+kcal\s*/\s*mol\b(?!\s*/)|\(\s*kcal\s*/\s*mol\s*\)|\bkcal\s*/\s*mol\s+(?=please|por favor)"):
        r.energy_unit = "kcal/mol"
    r.take(r"\bkj\s*/\s*mol\b(?!\s*/)|\bkilojoules? per mole\b")


def _length_unit(r: _Reading, report: Report) -> None:
    """Rg or RMSD asked in Å, a box volume in Å³ (in nm or nm³, nothing changes)."""
    if report.quantity in ("rg", "rmsd") and r.any(r"\b(?:in|en)\s+(?:å|[åáa]ngstr[öo]ms?|a)(?![\w³^])"):
        report.args["unit"] = "Å"
    elif report.quantity == "box_volume" and r.any(r"\b(?:in|en)\s+(?:å³|å\^3|a\^3|(?:cubic|c[úu]bicos)\s+[åáa]ngstr[öo]ms?|"
                                                    r"[åáa]ngstr[öo]ms?\s+c[úu]bicos)(?:\s*\(\s*å³\s*\))?|\(\s*å³\s*\)"):
        report.args["unit"] = "Å³"
    r.take(r"\(?\b(?:not|no)\s+(?:in\s+)?(?:nm³|nm\^3|nm)\)?")


def _analysis_atoms(r: _Reading, report: Report) -> None:
    if report.quantity not in ("rg", "rmsd"):
        return
    for words, atoms in ((r"heavy[- ]atoms?|[áa]tomos pesados|non-hydrogen atoms|sin hidr[óo]genos", "heavy"),
                         (r"backbone|esqueleto", "backbone"), (r"c-?alpha|c[αa]\b|\bca atoms", "CA"),
                         (r"all atoms|todos los [áa]tomos", "all")):
        if r.any(rf"\b(?:of\s+(?:the\s+)?|de\s+(?:los\s+)?)?(?:{words})\b"):
            report.args["atoms"] = atoms
    over = r.take(r"\b(?:of|for|in)\s+every\s+(?:saved\s+)?frame\b|\b(?:averaged |mean |average )?(?:over|across|sobre|en)\s+(?:all\s+)?(?:the\s+|los\s+)?(?:saved\s+)?"
                  r"(?:dcd\s+)?(?:frames|snapshots|trajectory|trayectoria|fotogramas)(?:\s+(?:of|in|from|del?)\s+(?:the\s+|el\s+)?"
                  r"(?:dcd|trajectory|trayectoria))?\b")
    if over:
        report.args["over"] = "trajectory"
        report.args["how"] = "mean"
        if r.any(r"\b(?:maximum|max|largest|m[áa]ximo)\b"):
            report.args["how"] = "max"
        elif r.any(r"\b(?:minimum|min|smallest|m[íi]nimo)\b"):
            report.args["how"] = "min"
        r.take(r"\b(?:mean|average|medio|media|promedio)\b")
    if report.quantity == "rg":
        r.take(r"(?:\bmd)?\.compute_rg(?:\(\))?")
        if r.any(r"\bnon-mass-weighted\b|\b(?:not |un|no |sin |without )(?:mass[- ]weight\w*|ponderar por (?:las )?masas?|weight\w* by mass)\b|"
                 r"\(\s*sin ponderar por (?:las )?masas?\s*\)|\bunweighted\b|\bgeometric\b"):
            report.args["mass_weighted"] = False
        elif r.any(r"\bmass[- ]weighted\b|\bponderad\w+ por (?:las )?masas?\b"):
            report.args["mass_weighted"] = True
        report.args.setdefault("atoms", "all")
    else:
        report.args.setdefault("atoms", "heavy")
        r.take(r"\b(?:between|entre)\s+(?:the\s+)?(?:minimi[sz]ed|final|last)\s+(?:structure\s+)?(?:and|y)\s+(?:the\s+)?"
               r"(?:fixed\s+)?(?:start(?:ing)?|initial|original)\s*(?:structure)?\b|\bafter (?:optimal )?superposition\b|"
               r"\bsuperpos\w+\b|\balign\w*\b")


# the words a misspelling in a workflow request is matched against (English and Spanish)
VOCABULARY = sorted(set("""
heterogens hydrogens residues missing atoms nonstandard simulate simulation steps minimise minimize minimisation
minimization cutoff constraints solvate solvent padding temperature friction integrator velocities neutralise
neutralize ionic strength waters chains remove delete protonate frames trajectory reporter energy potential
particles forces tolerance iterations implicit modeller pdbfixer langevin langevinmiddleintegrator heavy
equilibrate structure hydrogen residue chain water molecules charge gyration radius average mean vacuum protein
heterógenos hidrógenos residuos átomos faltantes minimiza minimizar simula simular pasos semilla restricciones
solvata neutraliza temperatura fricción energía potencial partículas tolerancia iteraciones cadena cadenas
""".split()))

MAX_REQUEST = 2000  # characters: a workflow request is a paragraph, not a document


def understand(request: str, files: list[str], folder: Path | None = None, engine: str = "openmm") -> Understanding:
    """The workflow ``request`` asks for over ``files`` (named in it, in its order), or what
    was not understood. ``engine="molsysmt"`` (molsysmt importable in the kernel) makes
    molsysmt prepare and build the system where it can. Nothing here raises."""
    result = Understanding(request)
    if not isinstance(request, str) or len(request) > MAX_REQUEST:
        result.problem = (f"the request is longer than {MAX_REQUEST:,} characters; ask for one workflow at a time"
                          if isinstance(request, str) else "the request is not text")
        return result
    try:
        first = _understand(request, files, folder, Understanding(request), engine)
        if not first.unaccounted:
            return first
        from ..reader import correct_spelling

        fixed, corrections = correct_spelling(request, first.unaccounted, VOCABULARY)
        if not corrections:
            return first
        second = _understand(fixed, files, folder, Understanding(request), engine)
        second.corrections = corrections
        if second.restatement:
            read_as = ", ".join(f"“{a}” as “{b}”" for a, b in corrections.items())
            second.restatement += f" (Read {read_as}.)"
        return second
    except Exception as exc:  # noqa: BLE001 - any reading failure becomes an answer, not a crash
        result.plan = None
        result.problem = f"the request could not be read ({type(exc).__name__}: {exc})"
        return result


_NAMES_OPENMM_TOOL = re.compile(r"pdb\s?fixer|modeller|\b(?:addSolvent|addHydrogens|removeHeterogens|addMissingAtoms|"
                                r"addMissingHydrogens|findMissing\w*)\b", re.IGNORECASE)


def _understand(request: str, files: list[str], folder: Path | None, result: Understanding,
                engine: str = "openmm") -> Understanding:
    r = _Reading(request, files)
    _files_and_tools(r)
    _phrasing(r)
    negative = re.search(r"(?<![\w+\-/])[-−]\s?\d+(?:[.,]\d+)?", r.text.text)
    if negative:
        r.problems.append(f"a negative value ({negative.group(0).strip()})")
    # a reporter's columns "(step, time, potential energy, temperature)" are not what is asked
    r.take(r"\((?:\s*(?:step|time|potential energy|kinetic energy|total energy|temperature|volume|density|speed|paso|tiempo|"
           r"energ[íi]a potencial|temperatura)\s*,?)+\)")
    fields = r"(?:step|time|potential energy|kinetic energy|total energy|temperature|volume|density|speed|paso|tiempo|" \
             r"energ[íi]a potencial|temperatura)"
    r.take(rf"\b(?:writing|logging|recording|saving|reporting|guardando|escribiendo|registrando)\s+(?:the\s+)?{fields}"
           rf"(?:\s*(?:,|and|y)\s*(?:the\s+)?{fields})+")
    # the unit an answer is wanted in, where it changes nothing (an energy's unit is read with the platform)
    r.take(r"(?:\b(?:answer|respuesta|result|resultado|give it|report it|dalo)\s+)?\b(?:in|en)\s+(?:nm\^?3|nm³|nm|k|kelvin)\b")
    r.take(r"\(?\b(?:the\s+)?(?:atom\s+)?(?:count|number)\s+after\s+minus\s+(?:the\s+)?(?:atom\s+)?(?:count|number)?\s*before\)?|"
           r"\(?(?:virtual sites|sitios virtuales)(?: del agua)? (?:included|incluidos)\)?|"
           r"\b(?:including|counting|contando|incluyendo)\s+(?:the\s+|los\s+)?(?:water(?:'s)?\s+)?(?:virtual sites|sitios virtuales)(?:\s+del agua)?|"
           r"\(?\b(?:not counting|excluding|without|sin contar|sin)\s+(?:the\s+|la\s+)?(?:header|cabecera)(?:\s+(?:line|row|l[íi]nea|fila))?\)?|"
           r"\(?\b(?:the\s+)?header(?:\s+(?:line|row))?\s+not\s+counted\)?|\(?\b(?:sum(?:med)?|summed)\s+over\s+(?:all\s+)?(?:the\s+)?gaps\)?|"
           r"\b(?:sum(?:med)?|summed)\s+over\s+(?:all\s+)?(?:the\s+)?residues(?:\s+in\s+fixer\.missingatoms)?|\bi mean\b|\bes decir\b|"
           r"\b(?:in|en)\s+(?:units of|unidades de)\s+(?:e|carga elemental|elementary charge)\b|\b(?:just|only|solo|sólo)\s+the\s+(?:count|number)\b|"
           r"\bwhen (?:it is |it's )?loaded back\b")
    reports = _read_report(r.text)
    _prepare(r)
    _build(r)
    _system(r)
    _minimise(r)
    _simulate(r)
    _platform(r)
    if not reports:
        result.problem = "the request does not say which number to report"
        result.unaccounted = _left_over(r.text.text, request)  # a misspelt report word is corrected, then read
        return result
    if len(reports) > 1 and any(rep.quantity in ("atoms_added", "hydrogens_added", "missing_atoms") for rep in reports):
        # "how many heavy atoms were added (atom count after minus before)": one count of atoms, said twice
        reports = [rep for rep in reports if rep.quantity != "atoms"]
    if len(reports) > 1:
        # "the potential energy … after minimisation": an energy word inside a more specific report is that report
        specific = [rep for rep in reports if rep.quantity != "energy" or rep.args] if any(
            rep.quantity == "mean_energy" or rep.args.get("when") for rep in reports) else reports
        if len(specific) > 1:
            result.problem = ("the request asks for several numbers (" + ", ".join(rep.quantity.replace('_', ' ')
                                                                                  for rep in specific) + "); ask one at a time")
            return result
        reports = specific
    report = reports[0]
    _analysis_atoms(r, report)
    _length_unit(r, report)
    if report.quantity == "ions":
        if r.any(r"\b(?:get|gets|got|are|were|is|was|have been|has been|will be)\s+added\b|\bse\s+(?:a[ñn]aden|agregan|a[ñn]adieron|agregaron)\b"):
            report.args["added"] = True
        r.take(r"\bend\s+up\s+in\s+the\s+(?:box|system)\b")
    if report.quantity == "energy" and report.args.get("when") == "final" and r.simulate is None and r.minimise:
        report.args["when"] = "minimised"  # "la energía final" of a minimisation
    if (report.quantity == "energy_change" or report.args.get("when") == "minimised") and r.minimise is None:
        r.minimise = Minimise()  # "the minimised energy", "how much does minimisation lower it": a minimisation
        r.notes.append("OpenMM's default minimisation (10 kJ/mol/nm, no iteration limit)")
    if report.quantity in ("constraints", "dof", "forces", "particles", "energy", "energy_change", "charge",
                           "terms") and r.system is None:
        r.s()
    system = r.system
    if not files:
        result.problem = "a workflow starts from a structure file, and the request names none of the working folder's"
        return result
    if system is not None and not system.forcefield and Path(files[0]).suffix.lower() not in (".prmtop", ".parm7"):
        result.problem = "the request builds a system without naming its force field (for example amber14-all.xml)"
        return result
    wf = Workflow(files=list(files), report=report, prepare=r.prepare, build=r.build, system=system,
                  minimise=r.minimise, simulate=r.simulate, platform=r.platform, energy_unit=r.energy_unit)
    result.unaccounted = _left_over(r.text.text, request)
    result.plan = wf
    try:
        validate(wf, folder)
    except WorkflowError as exc:
        result.problem = str(exc)
    order = _order_problem(request, r, report)
    if order:
        r.problems.append(order)
    if r.problems and not result.problem:
        result.problem = "; ".join(r.problems)
    if engine == "molsysmt" and not _NAMES_OPENMM_TOOL.search(request):  # a tool asked for by name is that tool
        from .render_molsysmt import unsupported

        if unsupported(wf) is None:
            wf.engine = "molsysmt"
    result.restatement = restate(wf) + (f" (Defaults: {', '.join(r.notes)}.)" if r.notes else "")
    return result


# words that carry no constraint in a workflow request (beside the reader's question fillers)
_WF_FILLERS = set("""
pdbfixer openmm modeller fixer app python notebook load loads loading read reads take takes use uses used run runs
running do make makes set setup up create creates created build builds built parametrise parametrize parameterise
parameterize parametrised parametrized prepare prepared clean cleaned fix fixed fixes apply applied call called want
wanted like i'd i'm i've we'd try trying test quick simple small short first next afterwards finally also then
after before both each via onto straight directly exactly final resulting end ends ended up remain remains remaining
left there's here's everything thing things stuff bit note nice ok okay hi hello thanks thank cheers please tell
give me us resulting outcome output outputs whole again once simply now new same usual standard default defaults
defined listed as is are was were be being been has have had does did done will would could should can may might
must shall it's that's what's let's lets i'll time step-by-step pipeline workflow protocol setup count counts
counted gaps gap reported listed evaluated computed calculated patch attach attached loaded back when went goes
setting pls plz table paper quickly briefly yet else think guess hmm sure result results parametriza parametrízala
parametrizala parametrízalo parametrizalo parametriza nothing nada
go going fixing prep prepped cleaning bring brought itself cell final file's put folder arguments
decir exactamente just full long previa smoke creado creada preparado preparada w
carga cargar toma tomar usa usar usando corre correr haz hacer prepara preparar crea crear construye construir
limpia limpiar arregla arreglar aplica aplicar llama llamar quiero quisiera necesito luego después despues primero
finalmente también tambien ambos ambas final resultante queda quedan quedó restante restantes aquí aqui ahora
mismo misma estándar estandar habitual defecto simula simular simulación simulacion sistema fichero archivo
estructura modelo molécula molecula moléculas moleculas resultado vez favor gracias hola ver dime dame devuelve
""".split())
# what a request calls the molecule: harmless descriptions, never a constraint
_MOLECULE_NOUNS = set("""
water waters agua aguas protein proteins peptide peptides polypeptide dimer dimers monomer monomers tetramer complex enzyme structure
structures molecule molecules system systems chain-less crystal crystallographic mutant variant headpiece cage
domain subunit subunits lysozyme villin enkephalin alanine tripeptide pentapeptide pentalanine miniprotein
residue-level coordinates coordinate topology deposited deposit entry input starting start original
proteína proteina péptido peptido dímero dimero monómero monomero complejo enzima cristal cristalográfica
cristalografica mutante variante dominio subunidad subunidades lisozima villina encefalina coordenadas topología
topologia depositada depositado entrada inicial original
""".split())
_LEFT_WORD = re.compile(r"[-+]?\d+(?:[.,]\d+)?(?![^\W_])|[^\W_]+(?:[-'’][^\W_]+)*|[°Å]\w*|[%^]", re.UNICODE)


def _at_sentence_start(original: str, index: int) -> bool:
    before = original[:index].rstrip()
    return not before or before[-1] in ".?!:;(\"'¿¡-—"


def _order_problem(request: str, r: _Reading, report: Report) -> str:
    """PDBFixer runs before Modeller: a request that deletes waters or chains before a
    PDBFixer step would be run in another order than it asks. The order changes only what
    PDBFixer finds or adds on the way (the deleted atoms go either way)."""
    if report.quantity not in ("missing_residues", "missing_atoms", "atoms_added", "hydrogens_added"):
        return ""
    if not (r.prepare and r.build and (r.build.delete_water or r.build.delete_chains or r.build.keep_chains)):
        return ""
    deletion = re.search(r"\b(?:delete|remove|strip|drop|quita|elimina|borra)\w*\s+(?:all\s+|the\s+|las\s+|la\s+)*"
                         r"(?:water|agua|chain|cadena)", request, _I)
    fixer = re.search(r"hydrogen|hidr[óo]geno|missing|falta|heterog|non-?standard|no est[áa]ndar|pdb\s*fixer", request, _I)
    if deletion and fixer and deletion.start() < fixer.start():
        return ("the request deletes waters or chains before the PDBFixer steps, and this plan runs PDBFixer first; "
                "ask for the PDBFixer steps first, or remove the waters with PDBFixer's heterogens")
    return ""


def _left_over(text: str, original: str) -> list[str]:
    """What no reading took and is not a filler: numbers (with the unit after them), and
    words other than fillers, molecule nouns and names ("T4", "Trp-cage", "Villin" mid-sentence)."""
    from ..reader import FILLERS

    out: list[str] = []
    for m in _LEFT_WORD.finditer(text):
        word = m.group(0)
        if _NUMBER.fullmatch(word.lstrip("+-")):
            unit = re.match(r"\s*(bar|atm|nm|ns|ps|fs|k|m|mm|kelvin|å|a|ev|kcal|kj)\b", text[m.end():], _I)
            out.append(word + (" " + unit.group(1) if unit else ""))
            continue
        low = word.lower().replace("’", "'")
        parts = [low] if "'" in low else low.split("-")
        if all(part in FILLERS or part in _WF_FILLERS or part in _MOLECULE_NOUNS or part.rstrip("s") in _MOLECULE_NOUNS
               for part in parts) or (len(parts) > 1 and parts[-1] in _MOLECULE_NOUNS):
            continue
        named = (len(word) > 1 and word[0].isupper() and not _at_sentence_start(original, m.start())
                 and not _MUST_READ.fullmatch(word)) or (re.search(r"\d", word) and re.search(r"[^\W\d_]", word))
        if named:
            continue
        if any(o.split(" ")[-1].lower() == low for o in out):
            continue
        out.append(word)
    return out
