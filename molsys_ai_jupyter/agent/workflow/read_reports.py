"""What a workflow request asks to report, and in which atoms and units."""

from __future__ import annotations

import re

from ..reader import Blanked
from .plan import FORCES, Report
from .reading import IGNORECASE, Reading

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
    ("forces", {}, r"how many (?:force objects|forces)|count all of system\.getforces\(\)|number of (?:force objects|forces)|getnumforces\(\)|cu[áa]ntas fuerzas"),
    ("waters", {"added": True}, r"(?:how many|number of) water(?: molecule)?s (?:were |are |did it |got |get |gets )?(?:added|went in)|"
                                r"cu[áa]ntas (?:mol[ée]culas de )?aguas? se (?:a[ñn]adieron|agregaron)"),
    ("waters", {}, r"(?:how many|number of) hoh residues|how many water(?: molecule)?s|number of water(?: molecule)?s|cu[áa]ntas (?:mol[ée]culas de )?aguas?"),
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
    ("mean_temperature", {}, r"(?:mean|average) temperature (?:over|of|across) (?:all |those |these )?(?:the )?(?:reported |logged )?(?:rows|samples|reports|frames)|"
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
    ("box_edge", {}, r"(?:the\s+)?box(?:'s)?\s+edge(?:\s+length)?|edge\s+length\s+of\s+the\s+(?:periodic\s+)?box|(?:longitud\s+de\s+la\s+)?arista\s+de\s+la\s+caja"),
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
_REPORT_PATTERNS = [(q, a, re.compile(p, IGNORECASE)) for q, a, p in _REPORTS]


_FORCE_NAMES = "|".join(f.lower() for f in FORCES)
_FORCE_ENERGY = re.compile(
    rf"\b(?:(?:the\s+)?(?:potential\s+)?energy\s+(?:of|from|in)\s+(?:the\s+)?({_FORCE_NAMES})|({_FORCE_NAMES})(?:'s)?\s+(?:energy|term)|"
    rf"energ[íi]a\s+(?:potencial\s+)?(?:del?\s+)?(?:la\s+|el\s+)?({_FORCE_NAMES})|"
    rf"energy\s+of\s+(?:just\s+|only\s+)?the\s+[\w\s-]{{0,30}}?\b(?:term|force)(?:\s+alone)?\s*\(\s*(?:the\s+)?({_FORCE_NAMES})"
    rf"(?:\s*,\s*which\s+includes\s+its\s+[\w\s-]{{0,30}}?term)?\s*\))(?!\w)(?:\s+(?:alone|only|term|sola|solo|t[ée]rmino))*"
    rf"(?:\s*\(\s*proper\s*(?:\+|and|y)\s*improper(?:\s+torsions)?\s*\))?", IGNORECASE)


def read_report(text: Blanked) -> list[Report]:
    """What the request asks to report (one quantity, normally)."""
    found: list[Report] = []
    for match in text.take(_FORCE_ENERGY):  # one Force's energy (before the energy words below)
        name = next(g for g in match.groups() if g).lower()
        found.append(Report("energy", {"force": next(f for f in FORCES if f.lower() == name)}))
    text.take(re.compile(r"\(\s*not\s+(?:the\s+)?total(?:\s+potential)?\s+energy\s*\)", IGNORECASE))
    for quantity, args, pattern in _REPORT_PATTERNS:
        for _match in text.take(pattern):
            report = Report(quantity, dict(args))
            if all(r.quantity != quantity or r.args != args for r in found):
                found.append(report)
    return found


def read_length_unit(r: Reading, report: Report) -> None:
    """Rg or RMSD asked in Å, a box volume in Å³ (in nm or nm³, nothing changes)."""
    if report.quantity in ("rg", "rmsd") and r.any(r"\b(?:in|en)\s+(?:å|[åáa]ngstr[öo]ms?|a)(?![\w³^])"):
        report.args["unit"] = "Å"
    elif report.quantity == "box_volume" and r.any(r"\b(?:in|en)\s+(?:å³|å\^3|a\^3|(?:cubic|c[úu]bicos)\s+[åáa]ngstr[öo]ms?|"
                                                    r"[åáa]ngstr[öo]ms?\s+c[úu]bicos)(?:\s*\(\s*å³\s*\))?|\(\s*å³\s*\)"):
        report.args["unit"] = "Å³"
    r.take(r"\(?\b(?:not|no)\s+(?:in\s+)?(?:nm³|nm\^3|nm)\)?")


def read_analysis_atoms(r: Reading, report: Report) -> None:
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
