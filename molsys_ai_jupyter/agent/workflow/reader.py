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
from .plan import (BOX_SHAPES, Build, Minimise, Prepare, Report, Simulate, System, Workflow, WorkflowError, validate)
from .render import restate

_I = re.I
N = r"(\d+(?:[.,]\d+)?)"  # a number (a decimal comma is read as a point)
INT = r"(\d{1,3}(?:,\d{3})+|\d+)"  # 5000 or 5,000

# words that make a request a workflow rather than a question about a file's contents
_WORKFLOW = re.compile(
    r"pdb\s*fixer|openmm|modell?er|solvat|\bsolvent\b|minimi[sz]|minimiza|force\s*field|campo de fuerza|\.xml\b|"
    r"integrator|langevin|simulat|simula\b|simulaci|heterog|het\s*atoms|missing (?:heavy )?(?:residues|atoms)|"
    r"(?:residuos|[áa]tomos) (?:pesados )?(?:que )?falta|add(?:ing)? (?:the )?(?:missing )?hydrogens|"
    r"a[ñn]ad\w* (?:los )?hidr[óo]genos|protonat|createsystem|potential energy|energ[íi]a potencial|\bparticles\b|"
    r"\bpart[íi]culas\b|\bconstraints\b|restricciones|dcd ?reporter|state ?data|prmtop|\bneutrali[sz]|\bionic strength|"
    r"fuerza i[óo]nica|water box|caja de agua|\bnpt\b|\bnvt\b|barostat", _I)


def is_workflow(request: str) -> bool:
    """Does the request ask for preparation, building, a system, minimisation or a run?"""
    return bool(_WORKFLOW.search(request or ""))


# words naming something a workflow does or sets: each must be read, or the request is not understood
_MUST_READ = re.compile(
    r"\b(?:barostat\w*|pressure|presi[óo]n|npt|nvt|restrain\w*|restraint\w*|mutat\w*|mutaci\w*|membrane|lipid\w*|"
    r"ligand\w*|gaff|openff|smirnoff|xtc|hdf5|h5|trr|netcdf|hmr|hydrogen mass|switching|dispersion|ewald\w*|"
    r"verlet|brownian|nose|hoover|andersen|annealing|replica|metadynamics|umbrella|pulling|steered|"
    r"cutoff|cut-off|friction|fricci[óo]n|timestep|time step|paso de tiempo|seed|semilla|padding|box|caja|"
    r"temperature|temperatura|thermostat|termostato|tolerance|tolerancia|iterations?|iteraciones|ions?|iones|"
    r"salt|sal|nacl|kcl|k\+|na\+|cl-|water model|modelo de agua|tip\w*|spce|opc\w*|implicit|impl[íi]cito|"
    r"obc\w*|gbn\w*|hct|constraints?|restricciones|rigid|flexible|pme|nocutoff|chain\w*|cadena\w*|ph|"
    r"checkpoint\w*|dcd|csv|reporter\w*|every|cada|steps?|pasos?|ns|ps|fs|kelvin|nm|bar|atm|molar|mm|m)\b", _I)

_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?(?![\w])")


def _f(text: str) -> float:
    return float(text.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", text) else text.replace(",", "."))


def _len_nm(value: str, unit: str) -> float:
    return _f(value) / 10.0 if unit.lower().startswith(("å", "a")) else _f(value)


_LENGTH = r"(nm|nanomet\w*|nan[óo]metros?|Å|angstroms?|[áa]ngstr[öo]m\w*|A(?=\W|$))"

# ---- what is reported ------------------------------------------------------------------------------
_REPORTS: list[tuple[str, dict, str]] = [
    ("missing_residues", {}, r"how many missing residues|missing residues (?:are|were|does it|did it)? ?(?:reported|found|report|find)"
                             r"|(?:number|count|total) of missing residues|cu[áa]ntos residuos (?:faltan(?:tes)?|perdidos)"),
    ("missing_atoms", {}, r"how many (?:missing )?(?:heavy )?atoms (?:are|were) (?:missing|reported missing|found missing)|"
                          r"(?:number|count) of missing (?:heavy )?atoms(?! (?:were |did )?add)"),
    ("hydrogens_added", {}, r"how many (?:hydrogen(?: atom)?s|h atoms|hs) (?:did|does|were|are|get|got|it|you|will)\b[^?.]*?(?:add|put|place)\w*"
                            r"|(?:number|count) of (?:hydrogen(?: atom)?s|h atoms) (?:added|placed)|hydrogens? (?:atoms )?added"
                            r"|cu[áa]ntos (?:[áa]tomos de )?hidr[óo]genos (?:se )?(?:a[ñn]ad|agreg|pus)\w*"),
    ("atoms_added", {}, r"how many (?:heavy )?atoms (?:did|does|were|are|got|get)\b[^?.]*?add\w*|(?:number|count) of (?:heavy )?atoms added"
                        r"|(?:heavy )?atoms added|cu[áa]ntos [áa]tomos (?:pesados )?(?:se )?(?:a[ñn]ad|agreg)\w*"),
    ("particles", {}, r"how many particles|number of particles|(?:cu[áa]ntas|n[úu]mero de) part[íi]culas|getnumparticles\(\)"),
    ("constraints", {}, r"how many constraints|number of constraints|(?:cu[áa]ntas|n[úu]mero de) restricciones|getnumconstraints\(\)"),
    ("forces", {}, r"how many (?:force objects|forces)|number of (?:force objects|forces)|getnumforces\(\)|cu[áa]ntas fuerzas"),
    ("waters", {}, r"how many water(?: molecule)?s|number of water(?: molecule)?s|cu[áa]ntas (?:mol[ée]culas de )?aguas?"),
    ("ions", {"ion": "Na+"}, r"how many (?:na\+|sodium)(?: ions?| atoms?)?|number of (?:na\+|sodium)(?: ions?)?|cu[áa]ntos (?:iones )?(?:na\+|sodio)"),
    ("ions", {"ion": "Cl-"}, r"how many (?:cl-|cl−|chloride)(?: ions?| atoms?)?|number of (?:cl-|chloride)(?: ions?)?|cu[áa]ntos (?:iones )?(?:cl-|cloruro)"),
    ("ions", {"ion": "K+"}, r"how many (?:k\+|potassium)(?: ions?)?|cu[áa]ntos (?:iones )?(?:k\+|potasio)"),
    ("ions", {}, r"how many ions|number of ions|cu[áa]ntos iones"),
    ("frames", {}, r"how many frames|number of frames|cu[áa]ntos (?:frames|fotogramas|marcos|cuadros)"),
    ("rows", {}, r"how many (?:data )?(?:rows|lines)|number of (?:data )?(?:rows|lines)|cu[áa]ntas (?:filas|l[íi]neas)"),
    ("mean_temperature", {}, r"(?:mean|average) (?:of the )?(?:reported )?temperatures?|temperatura (?:media|promedio)"
                             r"|(?:media|promedio) de (?:las )?temperaturas?"),
    ("mean_energy", {}, r"(?:mean|average) (?:of the )?(?:reported )?potential energ(?:y|ies)|energ[íi]a potencial (?:media|promedio)"),
    ("energy_change", {}, r"how much (?:does|did) (?:the )?minimi[sz]\w* (?:lower|decrease|reduce|change)|energy (?:change|drop|decrease)"),
    ("rg", {}, r"radius of gyration|radio de giro|\brg\b"),
    ("rmsd", {}, r"\brmsd\b"),
    ("box_volume", {}, r"(?:box|caja)(?: \w+){0,3}? volume|volume of the (?:periodic )?box|volumen de la caja"),
    ("residues", {}, r"how many residues|number of residues|cu[áa]ntos residuos"),
    ("chains", {}, r"how many chains|number of chains|cu[áa]ntas cadenas"),
    ("atoms", {}, r"how many atoms|number of atoms|atom count|cu[áa]ntos [áa]tomos|n[úu]mero de [áa]tomos|"
                  r"(?:total )?atoms (?:remain|are left|in the final|does the final)|getnumatoms\(\)"),
    ("energy", {}, r"potential energy|energ[íi]a potencial|initial energy|minimi[sz]ed energy|energy after minimi[sz]ation|"
                   r"\benergy\b"),
]
_REPORT_PATTERNS = [(q, a, re.compile(p, _I)) for q, a, p in _REPORTS]


def _read_report(text: Blanked) -> tuple[list[Report], list[str]]:
    """What the request asks to report (one quantity, normally)."""
    found: list[Report] = []
    for quantity, args, pattern in _REPORT_PATTERNS:
        for _match in text.take(pattern):
            report = Report(quantity, dict(args))
            if all(r.quantity != quantity or r.args != args for r in found):
                found.append(report)
    return found, []


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
        r.take(rf"\b{re.escape(Path(name).stem)}\b(?:\s+(?:pdb|file|structure))?")
    for m in r.take(r"(?<![\w/.-])((?:[\w-]+/)?[\w-]+\.xml)\b"):
        r.forcefield.append(m.group(1))
    r.take(r"\b(?:pdb\s*fixer|openmm(?:'s)?|modell?er|pdbfile|app\.pdbfile|python|fixer\.\w+|de openmm|el modeller|"
           r"con openmm|fixer)\b")
    r.take(r"\(\s*\)")


def _prepare(r: _Reading) -> None:
    # what is not to be done, first ("no hydrogens", "do NOT want the missing residues modelled")
    if r.any(r"\b(?:do not|don'?t|not)\b[^.;]{0,40}missing residues[^.;]{0,12}(?:modell?ed|built|added)|"
             r"(?:and )?(?:then )?empty(?:ing)? (?:the )?(?:fixer\.)?missingresidues(?: dict\w*)?|"
             r"without (?:modell?ing|building|adding) (?:the )?missing residues|missingresidues\s*=\s*\{\s*\}|"
             r"(?:sin|no) (?:modelar|construir|a[ñn]adir) (?:los )?residuos (?:faltantes|que faltan)"):
        r.p().missing_residues = "ignore"
    for m in r.take(r"\bno (?:a[ñn]adas|agregues|a[ñn]adir) ((?:residuos|[áa]tomos|hidr[óo]genos)(?:,? (?:ni |y )?"
                    r"(?:residuos|[áa]tomos|hidr[óo]genos))*)"):
        r.notes.append("nothing added")
    r.take(r"\b(?:no|without|sin) (?:added |adding )?(?:hydrogens|hidr[óo]genos|h atoms)\b|\bleave (?:the )?hydrogens out\b")
    r.take(r"\bleave (?:the )?heterogens (?:and (?:the )?waters? )?alone\b|\bkeep (?:the )?heterogens\b")
    r.take(r"\b(?:no|without|sin) (?:added |extra )?(?:salt|sal)\b")
    # missing residues
    if r.any(r"\b(?:find|search|look for|identify|detect|check for|locate|model|build|add|rebuild|fill in|"
             r"busca\w*|a[ñn]ade|modela)?\s*(?:and (?:add|model|build) )?(?:any |all |the )?missing residues(?:/atoms)?\b|"
             r"findmissingresidues|residuos (?:faltantes|que faltan)"):
        if r.p().missing_residues == "skip":
            r.p().missing_residues = "model"
        if re.search(r"missing residues/atoms|residuos y [áa]tomos (?:faltantes|que faltan)", r.request, _I):
            r.p().missing_atoms = True
    if r.any(r"\b(?:find|search|look for|identify|replace|fix|busca\w*|reemplaza\w*)\s*(?:and (?:replace|fix) )?(?:y reemplaza )?"
             r"(?:any |all |the )?non-?standard residues|findnonstandardresidues|replacenonstandardresidues|"
             r"residuos no est[áa]ndar(?:es)?"):
        r.p().nonstandard = True
    # heterogens, with or without water
    het = r.take(r"\b(?:remove|delete|strip|drop|get rid of|discard|quita\w*|elimina\w*|sin)\s+(?:all\s+|todos\s+)?(?:the\s+|los\s+)?"
                 r"(?:heterogens?|het(?:ero)?\s*atoms|hetatms?|heter[óo]genos|ligands and waters)\b|removeheterogens|heterogens? removed")
    if het:
        keep = r.any(r"\b(?:but |while |and )?(?:keep(?:ing)?|preserv\w+|retain\w*|conserv\w+|dej\w+|mant[ei]n\w*)\s+(?:the\s+|las?\s+)?"
                     r"(?:crystal(?:lographic)?\s+)?(?:water(?: molecule)?s?|(?:mol[ée]culas de )?agua)\b|keepwater\s*=\s*true|"
                     r"\bwaters? (?:are |is )?kept\b")
        drop = r.any(r"\b(?:including|incl\.|and|as well as|plus|also|too|y|incluid[ao]s?|tambi[ée]n|con)\s+(?:the\s+|el\s+|las?\s+)?"
                     r"(?:crystal(?:lographic)?\s+)?(?:water(?: molecule)?s?|(?:mol[ée]culas de )?agua)(?:\s+too|\s+as well)?\b|"
                     r"\((?:tambi[ée]n|also|incl\w*) (?:el |the )?(?:agua|water)s?\)|keepwater\s*=\s*false|"
                     r"(?:water(?:s)? included|waters? too)")
        if keep and drop:
            r.problems.append("the request both keeps and removes the waters")
        elif keep or drop:
            r.p().heterogens = "remove_keep_water" if keep else "remove"
        else:
            r.problems.append("say whether the waters go with the heterogens (PDBFixer keeps them unless told)")
    # missing atoms
    if r.any(r"\b(?:find|search|look for|identify|add|model|build|rebuild|fill in|busca\w*|a[ñn]ade\w*)?\s*"
             r"(?:(?:and|/|y)\s*(?:add|a[ñn]ade)\s*)?(?:any |all |the |los )?missing (?:heavy )?atoms\b|"
             r"findmissingatoms|addmissingatoms|[áa]tomos (?:pesados )?(?:que )?faltan(?:tes)?|missing atoms"):
        r.p().missing_atoms = True
    # hydrogens at a pH
    hydrogens = r.any(r"\b(?:add(?:ing)?|place|a[ñn]ad\w*|agreg\w*|protonat\w*|pon\w*)\s+(?:the\s+|los\s+|missing\s+)?"
                      r"(?:hydrogen(?: atom)?s|hidr[óo]genos|\bh\b)|addmissinghydrogens|\bprotonat\w+|hydrogens? (?:are )?added|"
                      r"\b(?:add\s+)?(?:h|hydrogens|hidr[óo]genos)\b(?=\s+(?:at|a)\s+ph\b)")
    ph = r.take(rf"\b(?:at|a|with|of)?\s*ph\s*(?:=|of|de)?\s*{N}")
    if hydrogens:
        r.p().hydrogens_ph = _f(ph[0].group(1)) if ph else 7.0
        if not ph:
            r.notes.append("pH 7.0 (PDBFixer's default)")
    elif ph:
        r.problems.append(f"{ph[0].group(0).strip()} without hydrogens to add")


def _build(r: _Reading) -> None:
    if r.any(r"\b(?:delete|remove|strip|drop|quita\w*|elimina\w*|borra\w*)\s+(?:all\s+|todas\s+)?(?:the\s+|las\s+)?"
             r"(?:crystal(?:lographic)?\s+)?(?:water(?: molecule)?s?|(?:mol[ée]culas de )?agua)\b|\bdry\b|\bdehydrat\w+"):
        r.b().delete_water = True
    for m in r.take(r"\b(?:delete|remove|strip|drop|quita\w*|elimina\w*|borra\w*)\s+(?:the\s+|la\s+)?(?:whole\s+)?"
                    r"(?:chain|cadena)s?\s+([A-Za-z0-9](?:\s*(?:,|and|y)\s*[A-Za-z0-9])*)\b(?:\s*\([^)]*\))?(?:\s+completely)?"):
        r.b().delete_chains += re.findall(r"\b[A-Za-z0-9]\b", m.group(1))
    for m in r.take(r"\b(?:keep|retain|conserva\w*|deja\w*)\s+only\s+(?:the\s+)?(?:chain|cadena)s?\s+([A-Za-z0-9](?:\s*(?:,|and|y)\s*[A-Za-z0-9])*)\b|"
                    r"\bs[óo]lo\s+(?:la\s+)?cadena\s+([A-Za-z0-9])\b|\bonly chain ([A-Za-z0-9])\b"):
        r.b().keep_chains += re.findall(r"\b[A-Za-z0-9]\b", next(g for g in m.groups() if g))
    if r.any(r"\bsolvat\w*|\bsolvata\w*|\badd(?:ing)?\s+(?:explicit\s+)?(?:water|solvent)\b|\baddsolvent\b|\bwater box\b|"
             r"\bcaja de agua\b|\ba[ñn]ad\w* (?:el )?(?:agua|solvente|disolvente)\b|explicit (?:water|solvent)"):
        r.b().solvate = True
    b = r.build
    if b is None or not b.solvate:
        return
    for m in r.take(rf"{N}\s*{_LENGTH}\s*(?:of\s+|de\s+)?(?:water\s+)?padd?i?ng|padd?i?ng\s*(?:of|=|de|:)?\s*{N}\s*{_LENGTH}|"
                    rf"{N}\s*{_LENGTH}\s+(?:from the (?:protein|solute|peptide) to the (?:box )?edges?|(?:of )?(?:water|solvent) around)"):
        g = [x for x in m.groups() if x]
        b.padding_nm = _len_nm(g[0], g[1])
    for m in r.take(rf"(?:cubic\s+)?(?:box|caja)\s*(?:c[úu]bica\s*)?(?:of|with|de)?\s*(?:a\s+)?(?:an?\s+)?{N}\s*{_LENGTH}\s*(?:edge|side|de lado|de arista)?|"
                    rf"{N}\s*{_LENGTH}\s*(?:edge|side|cubic box|box)|boxsize\s*(?:=|of)?\s*{N}\s*{_LENGTH}?"):
        g = [x for x in m.groups() if x]
        b.box_nm = _len_nm(g[0], g[1] if len(g) > 1 else "nm")
    r.take(r"\(?boxsize,? not padding\)?|\(?not padding\)?|\(default cubic box\)")
    for shape in BOX_SHAPES[1:]:
        if r.any(rf"\b(?:truncated\s+)?(?:rhombic\s+)?{shape[:-1]}\w*|{'dodecaedro' if shape == 'dodecahedron' else 'octaedro'}\w*"):
            b.box_shape = shape
    r.take(r"\b(?:cubic|c[úu]bica)\s*(?:box|caja)?\b|\bbox\b|\bcaja\b")
    models = {"tip3pfb": "tip3p", "tip3p": "tip3p", "tip4pew": "tip4pew", "tip4p-ew": "tip4pew", "tip4pfb": "tip4pfb",
              "tip5p": "tip5p", "spce": "spce", "spc/e": "spce", "opc3": "opc3", "opc": "opc"}
    found = []
    for m in r.take(r"\bmodel\s*=\s*['\"]?(tip3p|tip4pew|tip5p|spce|opc3?)['\"]?|\b(tip3p|tip4p-?ew|tip5p|spc/?e|opc3?)\b"
                    r"(?:\s+(?:water(?: model)?|agua))?|water model\s+(tip3p|tip4pew|tip5p|spce|opc3?)"):
        found.append(models[next(g for g in m.groups() if g).lower()])
    if len(set(found)) > 1:
        r.problems.append(f"two water models ({', '.join(sorted(set(found)))})")
    elif found:
        b.water_model = found[0]
    r.take(r"\b(?:water|agua)\b")
    if r.any(r"\b(?:do not|don'?t|no|without|sin)\s+neutrali[sz]\w*"):
        b.neutralize = False
    r.take(r"\bneutrali[sz]\w*|\bneutral\b")
    for m in r.take(rf"{N}\s*(m?M|mol/l|molar)\b(?:\s+(?:of\s+)?(?:nacl|kcl|salt|sal|na\+/cl-|ionic strength|de fuerza i[óo]nica))?"):
        value = _f(m.group(1)) / (1000.0 if m.group(2) == "mM" else 1.0)
        b.ionic_strength_molar = value
    if r.any(r"\bkcl\b|\bk\+|potassium|potasio"):
        b.positive_ion = "K+"
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
    implicit = [m.group(1).lower() for m in r.take(r"\b(obc2|obc1|gbn2|gbn|hct)\b(?:\s+implicit\s+solvent)?")]
    r.take(r"\bimplicit[- ]solvent\b|\bsolvente impl[íi]cito\b|\bimplicit\b|\bimpl[íi]cito\b|\bin vacuum\b|\ben vac[íi]o\b")
    r.take(r"\bthe (?:old )?\w*\s*force\s*field\b|\bforce\s*fields?\b|\bcampos? de fuerza\b|\bits\b")
    if implicit and ffs and not any(f.startswith("implicit/") or f.endswith("_obc.xml") for f in ffs):
        ffs.append(f"implicit/{implicit[0]}.xml")
    elif implicit and not ffs and len(r.files) > 1:
        r.s().implicit = _IMPLICIT[implicit[0]]
    if ffs:
        r.s().forcefield = ffs
        if r.build and r.build.solvate and not any("tip" in f or "spce" in f or "opc" in f or "water" in f for f in ffs):
            water = {"tip3p": "amber14/tip3pfb.xml", "tip4pew": "amber14/tip4pew.xml", "spce": "amber14/spce.xml",
                     "opc": "amber14/opc.xml", "opc3": "amber14/opc3.xml"}.get(r.build.water_model)
            if water and ffs[0].startswith("amber14"):
                ffs.append(water)
                r.notes.append(f"water force field {water}")
    methods = {"nocutoff": "NoCutoff", "no cutoff": "NoCutoff", "sin cutoff": "NoCutoff", "pme": "PME",
               "cutoffnonperiodic": "CutoffNonPeriodic", "cutoffperiodic": "CutoffPeriodic", "ewald": "Ewald",
               "ljpme": "LJPME", "particle mesh ewald": "PME"}
    found = []
    for m in r.take(r"\b(?:nonbonded\s*method\s*=?\s*|app\.)?(nocutoff|no cutoff|sin cutoff|ljpme|pme|particle mesh ewald|"
                    r"cutoffnonperiodic|cutoffperiodic|ewald)\b(?:\s+electrostatics)?"):
        found.append(methods[m.group(1).lower()])
    if found:
        r.s().nonbonded = found[0]
    for m in r.take(rf"{N}\s*{_LENGTH}\s*(?:nonbonded\s+|non-bonded\s+)?cut-?off|(?:nonbonded\s*)?cut-?off\s*(?:of|=|de)?\s*{N}\s*{_LENGTH}"):
        g = [x for x in m.groups() if x]
        r.s().cutoff_nm = _len_nm(g[0], g[1])
    r.take(r"\bnonbonded\s*method\b|\bnonbonded\b")
    cons = {"hbonds": "HBonds", "h-bonds": "HBonds", "allbonds": "AllBonds", "all bonds": "AllBonds", "hangles": "HAngles"}
    if r.any(r"\b(?:no|without|sin|none)\s+(?:constraints|restricciones)\b|constraints\s*=\s*none|\bunconstrained\b"):
        r.s().constraints = None
    for m in r.take(r"\b(?:constraints\s*=\s*|app\.)?(hbonds|h-bonds|allbonds|all bonds|hangles)\b(?:\s+constraints)?|"
                    r"\bconstrain(?:ed|ing)?\s+(?:the\s+)?(?:bonds\s+(?:to|with|involving)\s+hydrogens?|h-bonds|all bonds)|"
                    r"\bconstraints?\s+(?:on|for)\s+(?:the\s+)?bonds\s+(?:to|with|involving)\s+hydrogens?"):
        word = (m.group(1) or "").lower()
        r.s().constraints = cons.get(word, "AllBonds" if "all bonds" in m.group(0).lower() else "HBonds")
    r.take(r"\bconstraints\b|\brestricciones\b")
    if r.any(r"\bflexible water\b|rigidwater\s*=\s*false|\bagua flexible\b"):
        r.s().rigid_water = False
    r.take(r"\b(?:and\s+)?rigid water\b|rigidwater\s*=\s*true|\bagua r[íi]gida\b")
    for m in r.take(rf"{N}\s*(bar|atm)\b(?:\s+(?:monte carlo\s+)?barostat)?|(?:monte carlo\s+)?barostat\w*\s*(?:at|of|de)?\s*{N}\s*(bar|atm)"):
        g = [x for x in m.groups() if x]
        r.s().pressure_bar = _f(g[0]) * (1.01325 if g[1].lower() == "atm" else 1.0)
    r.take(r"\bcreatesystem\b|\b(?:an? )?(?:openmm )?system\b|\bsistema\b")


def _minimise(r: _Reading) -> None:
    if r.any(r"\b(?:without|no|sin|not|before)\s+(?:any\s+|ninguna\s+)?(?:energy\s+)?(?:minimi[sz]\w*|minimizar|minimizaci[óo]n)\b|"
             r"\b(?:un|not\s+)minimi[sz]ed\b|\bsin minimizar\b"):
        return
    if not r.any(r"\b(?:simulation\.)?minimizeenergy\w*|\bminimi[sz]\w*|\blocalenergyminimizer\w*|\bminimiza\w*|"
                 r"\benergy minimi[sz]ation\b"):
        return
    r.minimise = Minimise()
    for m in r.take(rf"\b(?:tolerance|tolerancia)\s*(?:of|=|de)?\s*{N}\s*(?:kj/mol/nm|kj mol-1 nm-1|kj/\(mol\s*nm\))?"):
        r.minimise.tolerance = _f(m.group(1))
    if r.any(r"\b(?:no|without|sin)\s+(?:max(?:imum)?\s+)?(?:iteration|iteraci[óo]n)(?:s|es)?\s*(?:limit|l[íi]mite)?\b|"
             r"\bno max iterations\b|\bsin l[íi]mite de iteraciones\b|maxiterations\s*=\s*0|until (?:it )?converge[sd]?"):
        r.minimise.max_iterations = 0
    for m in r.take(rf"\b(?:at most|max(?:imum)?(?: of)?|maxiterations\s*=|up to|hasta)\s*{INT}\s*(?:iterations|steps|iteraciones|pasos)?|"
                    rf"{INT}\s*(?:minimi[sz]ation\s+)?(?:iterations|iteraciones)"):
        r.minimise.max_iterations = int(_f(m.group(1) or m.group(2)))
    r.take(r"\(?\s*default settings\s*\)?|\bdefault\b")
    r.take(r"\btolerance\b|\btolerancia\b|kj/mol/nm")


def _simulate(r: _Reading) -> None:
    run = r.any(r"\blangevin\w*\s*(?:middle\s*)?(?:integrator)?|\blangevinmiddleintegrator\b|\bsimulat\w+|\bsimula\w*|"
                r"\b(?:md|molecular dynamics|din[áa]mica molecular|dynamics)\b|\bintegrat\w+|\bnvt\b|\bequilibrat\w+")
    interval_words = {"dcd": r"dcd\w*|trajectory|trayectoria|frames?", "state": r"statedata\w*|state[- ]data\w*|csv|log|energ\w*|temperatur\w*",
                      "checkpoint": r"checkpoint\w*"}
    intervals: dict[str, int] = {}
    # "a DCDReporter writing every 100 steps", "StateDataReporter to a CSV file every 50 steps (…)"
    for kind, words in interval_words.items():
        for m in r.take(rf"\b(?:{words})(?:\s+(?:reporter|file|data|writing|saving|written|output|to a csv file|con|with|"
                        rf"temperature|\([^)]*\)|reporting|de|la|el|a|an?))*\s*(?:every|cada|each)\s*{INT}\s*(?:md\s+)?(?:steps|pasos)|"
                        rf"\b(?:save|write|record|report|guarda\w*|escrib\w*)\s+(?:a\s+)?(?:{words})\s+(?:every|cada)\s*{INT}\s*(?:steps|pasos)"):
            intervals[kind] = int(_f(next(g for g in m.groups() if g)))
    if "state" in intervals:
        r.take(r"\b(?:step|time|potential energy|temperature|paso|tiempo|energ[íi]a potencial|temperatura)"
               r"(?:\s*,\s*(?:step|time|potential energy|temperature|paso|tiempo|energ[íi]a potencial|temperatura))*\b")
    r.take(r"\b(?:a\s+)?(?:dcd\s*reporter|dcdreporter|statedatareporter|state\s*data\s*reporter|reporter)s?\b|"
           r"\bto a csv(?: file)?\b|\bcsv\b|\bdcd\b(?:\s+file)?")
    steps = [int(_f(m.group(1))) for m in r.take(rf"\b(?:run|for|during|durante|corre|ejecuta)?\s*{INT}\s*(?:md\s+|more\s+|integration\s+)?(?:time\s*)?(?:steps|pasos)\b")]
    length = r.take(rf"\b{N}\s*(ps|ns|picoseconds?|nanoseconds?|picosegundos?|nanosegundos?)\b(?:\s+(?:of\s+)?(?:md|simulation|dynamics|run|long))?")
    temps = [(_f(m.group(1)), m) for m in r.take(rf"\b{N}\s*(?:k|kelvin)\b")]
    step_fs = [_f(m.group(1)) for m in r.take(rf"\b{N}\s*(?:-\s*)?fs\b(?:\s+(?:time\s*)?(?:steps?|timestep|paso))?|(?:time\s*step|timestep|paso de tiempo)\s*(?:of|=|de)?\s*{N}\s*fs")]
    friction = [_f(m.group(1) or m.group(2)) for m in r.take(
        rf"\b(?:friction|fricci[óo]n|collision rate)\s*(?:coefficient\s*)?(?:of|=|de)?\s*{N}\s*(?:/\s*ps|ps\^?-1|ps⁻¹|1/ps|per ps)|"
        rf"\b{N}\s*(?:/\s*ps|ps\^?-1|ps⁻¹|per ps)\b(?:\s+(?:friction|collision rate))?")]
    r.take(r"\b(?:friction|fricci[óo]n)\b")
    seeds = [(int(m.group(1)), m) for m in r.take(rf"\b(?:random\s+|integrator\s+|with\s+)?(?:seed|semilla)\s*(?:=|of|de)?\s*{INT}")]
    velocity = r.take(r"\b(?:initial\s+)?velocit(?:y|ies)\b(?:\s+(?:too|as well|also))?|\bvelocidades\b|setvelocitiestotemperature")
    if not (run or steps or length):
        if temps or step_fs or seeds or intervals:
            r.problems.append("temperature, step size, seeds or reporters, but no run")
        return
    m = r.m()
    if steps:
        m.steps = steps[0] if len(set(steps)) == 1 else 0
        if len(set(steps)) > 1:
            r.problems.append(f"two run lengths ({', '.join(str(s) for s in steps)} steps)")
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
    elif len(distinct_seeds) == 2 and velocity:
        m.seed, m.velocity_seed = seeds[0][0], seeds[1][0]
    elif len(distinct_seeds) > 1:
        r.problems.append("several seeds")
    m.dcd_every = intervals.get("dcd")
    m.state_every = intervals.get("state")
    m.checkpoint_every = intervals.get("checkpoint")
    r.take(r"\b(?:at|a)\b(?=\s*$)")


def _platform(r: _Reading) -> None:
    for m in r.take(r"\b(?:on\s+|en\s+)?(?:the\s+|la\s+)?(cpu|cuda|opencl|reference)\s*(?:platform|plataforma)?\b|"
                    r"\b(?:plataforma|platform)\s+(cpu|cuda|opencl|reference)\b"):
        r.platform = {"cpu": "CPU", "cuda": "CUDA", "opencl": "OpenCL", "reference": "Reference"}[
            next(g for g in m.groups() if g).lower()]
    r.take(r"\(?\s*(?:with\s+|con\s+)?(?:\{?\s*'?threads'?\s*:\s*'?1'?\s*\}?|1 thread|one thread|un hilo)\s*\)?")
    if r.any(r"\bkcal/mol\b|\bkcal\b"):
        r.energy_unit = "kcal/mol"
    r.take(r"\bkj/mol\b|\bkj\b|\bkilojoules?\b")


def _analysis_atoms(r: _Reading, report: Report) -> None:
    if report.quantity not in ("rg", "rmsd"):
        return
    for words, atoms in ((r"heavy[- ]atoms?|[áa]tomos pesados|non-hydrogen atoms|sin hidr[óo]genos", "heavy"),
                         (r"backbone|esqueleto", "backbone"), (r"c-?alpha|c[αa]\b|\bca atoms", "CA"),
                         (r"all atoms|todos los [áa]tomos", "all")):
        if r.any(rf"\b(?:of\s+(?:the\s+)?|de\s+(?:los\s+)?)?(?:{words})\b"):
            report.args["atoms"] = atoms
    if report.quantity == "rg":
        if r.any(r"\b(?:not |un|no |sin |without )(?:mass[- ]weight\w*|ponderar por (?:las )?masas|weight\w* by mass)\b|"
                 r"\(\s*sin ponderar por (?:las )?masas\s*\)|\bunweighted\b|\bgeometric\b"):
            report.args["mass_weighted"] = False
        elif r.any(r"\bmass[- ]weighted\b|\bponderad\w+ por (?:las )?masas?\b"):
            report.args["mass_weighted"] = True
        report.args.setdefault("atoms", "all")
    else:
        report.args.setdefault("atoms", "heavy")
        r.take(r"\b(?:between|entre)\s+(?:the\s+)?(?:minimi[sz]ed|final|last)\s+(?:structure\s+)?(?:and|y)\s+(?:the\s+)?"
               r"(?:fixed\s+)?(?:start(?:ing)?|initial|original)\s*(?:structure)?\b|\bafter (?:optimal )?superposition\b|"
               r"\bsuperpos\w+\b|\balign\w*\b")


def understand(request: str, files: list[str], folder: Path | None = None) -> Understanding:
    """The workflow ``request`` asks for over ``files`` (named in it, in its order), or what
    was not understood. Nothing here raises."""
    result = Understanding(request)
    try:
        return _understand(request, files, folder, result)
    except Exception as exc:  # noqa: BLE001 - any reading failure becomes an answer, not a crash
        result.plan = None
        result.problem = f"the request could not be read ({type(exc).__name__}: {exc})"
        return result


def _understand(request: str, files: list[str], folder: Path | None, result: Understanding) -> Understanding:
    r = _Reading(request, files)
    _files_and_tools(r)
    # a reporter's columns "(step, time, potential energy, temperature)" are not what is asked
    r.take(r"\((?:\s*(?:step|time|potential energy|kinetic energy|total energy|temperature|volume|density|speed|paso|tiempo|"
           r"energ[íi]a potencial|temperatura)\s*,?)+\)")
    r.take(r"(?:\b(?:answer|respuesta|result|resultado|give it|report it|dalo)\s+)?\b(?:in|en)\s+(?:nm\^?3|nm³|nm|kj/mol|kcal/mol|k|kelvin)\b")
    reports, _ = _read_report(r.text)
    _prepare(r)
    _build(r)
    _system(r)
    _minimise(r)
    _simulate(r)
    _platform(r)
    if not reports:
        result.problem = "the request does not say which number to report"
        return result
    if len(reports) > 1 and any(rep.quantity in ("atoms_added", "hydrogens_added", "missing_atoms") for rep in reports):
        # "how many heavy atoms were added (atom count after minus before)": one count of atoms, said twice
        reports = [rep for rep in reports if rep.quantity != "atoms"]
    if len(reports) > 1:
        # "the potential energy … after minimisation": an energy word inside a more specific report is that report
        specific = [rep for rep in reports if rep.quantity != "energy"] if any(
            rep.quantity == "mean_energy" for rep in reports) else reports
        if len(specific) > 1:
            result.problem = ("the request asks for several numbers (" + ", ".join(rep.quantity.replace('_', ' ')
                                                                                  for rep in specific) + "); ask one at a time")
            return result
        reports = specific
    report = reports[0]
    _analysis_atoms(r, report)
    if report.quantity in ("constraints", "forces", "particles", "energy", "energy_change") and r.system is None:
        r.s()
    system = r.system
    if system is not None and not system.forcefield and not (len(files) > 1 and Path(files[0]).suffix.lower()
                                                              in (".prmtop", ".parm7")):
        result.problem = "the request builds a system without naming its force field (for example amber14-all.xml)"
        return result
    wf = Workflow(files=list(files), report=report, prepare=r.prepare, build=r.build, system=system,
                  minimise=r.minimise, simulate=r.simulate, platform=r.platform, energy_unit=r.energy_unit)
    result.unaccounted = _left_over(r.text.text)
    result.plan = wf
    try:
        validate(wf, folder)
    except WorkflowError as exc:
        result.problem = str(exc)
    if r.problems and not result.problem:
        result.problem = "; ".join(r.problems)
    result.restatement = restate(wf) + (f" (Defaults: {', '.join(r.notes)}.)" if r.notes else "")
    return result


def _left_over(text: str) -> list[str]:
    """The numbers and workflow words no reading took."""
    out = []
    for m in sorted(list(_NUMBER.finditer(text)) + list(_MUST_READ.finditer(text)), key=lambda m: m.start()):
        word = m.group(0)
        # a number with the unit right after it reads as one phrase ("5 bar")
        unit = re.match(r"\s*(bar|atm|nm|ns|ps|fs|k|m|mm|kelvin)\b", text[m.end():], _I) if _NUMBER.fullmatch(word) else None
        if unit:
            word += " " + unit.group(1)
        if any(word.lower() in o.lower().split(" ") or word.lower() == o.lower() for o in out):
            continue
        if not _NUMBER.fullmatch(m.group(0)) and any(o.lower().endswith(" " + word.lower()) for o in out):
            continue
        out.append(word)
    return out
