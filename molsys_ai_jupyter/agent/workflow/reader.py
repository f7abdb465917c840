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

from ..reader import Understanding
from .plan import Minimise, Report, Workflow, WorkflowError, validate
from .read_prepare_build import read_build, read_files_and_tools, read_phrasing, read_prepare
from .read_reports import read_analysis_atoms, read_length_unit, read_report
from .read_system_run import read_minimise, read_platform, read_simulate, read_system
from .reading import IGNORECASE as _I
from .reading import Reading
from .render import restate

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
    r = Reading(request, files)
    read_files_and_tools(r)
    read_phrasing(r)
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
           r"\b(?:in|en)\s+(?:units of|unidades de)\s+(?:e|carga elemental|elementary charge)\b|"
           r"\b(?:report it\s+)?in\s+elementary\s+charges?\b|\b(?:just|only|solo|sólo)\s+the\s+(?:count|number)\b|"
           r"\bwhen (?:it is |it's )?loaded back\b")
    reports = read_report(r.text)
    read_prepare(r)
    read_build(r)
    read_system(r)
    read_minimise(r)
    read_simulate(r)
    read_platform(r)
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
    read_analysis_atoms(r, report)
    read_length_unit(r, report)
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
parameterized parameterised parametrised little
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


def _order_problem(request: str, r: Reading, report: Report) -> str:
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
