"""Read a request into phrases, build the plan they ask for, and check that every
constraint-bearing phrase is accounted for by an element of that plan.

The request is read in two passes. :func:`.slots.read_task` reads what it talks about
(selections, frames, cutoffs, units, chains, residues, removals). The lexicon below
reads what to do with it: the quantity, how to reduce over frames or entities, the
level (atoms, residues, molecules, chains), the sequence separation, saving, showing —
in English and Spanish. Every word left over that is not a filler ("what", "the",
"please", "calcula"…) is a word the agent did not understand.

:func:`understand` never raises. When a phrase or a word is left unaccounted for, or
the plan cannot be built, the result carries no runnable plan — only the closest plan,
if any, and the words it did not understand — so no number is produced from a guess.

>>> u = understand("How many water molecules are in 1tcd.pdb?", files=["1tcd.pdb"], residues={"HOH", "ALA"})
>>> u.ok, u.plan.quantity
(True, 'count')
>>> understand("How many frobnications in 1tcd.pdb?", files=["1tcd.pdb"]).unaccounted
['frobnications']
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, replace

from .observe import TRAJECTORY_ONLY
from .plan import ORDER, QUANTITIES, RANGE_PICKS, Plan, PlanError, Step, check_shape, unit_factor, validate
from .slots import ION_RESIDUES, ONE_BASED_WORDS, TaskFacts, bracket, group_mentions, ligand_residues, read_task

# ---- the lexicon: (role, value, pattern) ----------------------------------------------------------
# roles: quantity, count (a counting question), level, frames (a reduction over frames),
# entity (a reduction over residues/atoms), method, separation, keep, save, show, unit, time, names
_NUM = r"(\d+(?:\.\d+)?)"
# an atom named with its residue right after: "OH of Tyr1", "NZ of LRT296)", "(OD1/OD2) of Asp39"
_OF_RESIDUE = r"(?:\s*/\s*[A-Z][A-Z0-9]{0,3})*\)?\s*(?:of|de|del|in|en)\s+(?:the\s+|la\s+|el\s+)?(?:residue\s+)?[A-Za-z]{3}\s*-?\d+"
# what a system is called: read, then checked against the files' names and PDB titles (task_plan.nickname_problem)
NICKNAMES = {  # name → words of which one must appear in a file name or the structure file's TITLE/COMPND
    "villin": ("villin", "1vii"), "lysozyme": ("lysozyme", "181l"), "rhodopsin": ("rhodopsin", "1u19"),
    "enkephalin": ("enkephalin",), "pentalanine": ("pentalanine",), "triosephosphate isomerase": ("triosephosphate",),
    "trp-cage": ("trp-cage", "tc5b", "1l2y"), "barnase": ("barnase",), "barstar": ("barstar",),
}
_NICKNAME_PATTERNS = {"villin": r"villin(?: headpiece)?(?: hp-?35)?|headpiece|villina|hp-?35",
                      "lysozyme": r"(?:t4 )?lysozyme(?: l99a)?|l99a|lisozima",
                      "rhodopsin": r"rhodopsin|rodopsina", "enkephalin": r"met-enkephalin|enkephalin|encefalina",
                      "pentalanine": r"pentalanine|pentalanina",
                      "triosephosphate isomerase": r"tctim|triosephosphate isomerase|triosa ?fosfato isomerasa",
                      "trp-cage": r"trp[- ]cage"}
def _share_of_frames(english: str, spanish: str) -> str:
    """"in what fraction of the frames", "la fracción de los frames": a share of the frames."""
    frames, fotogramas = r"(?:frames|models|snapshots|structures|conformations)", r"(?:frames|fotogramas|modelos)"
    return (rf"\b(?:in |for )?what {english} of (?:the |all )?\s*{frames}|\b(?:the )?{english} of (?:the |all )?\s*{frames}|"
            rf"\ben qu[ée] {spanish} de (?:los )?\s*{fotogramas}|\b(?:la |el )?{spanish} de (?:los )?\s*{fotogramas}")


LEXICON: list[tuple[str, object, str]] = [
    ("entity_report", "number", r"(?:answer|respond|reply|give it|report it)\s+(?:with|as|by)\s+(?:its|the|their)\s+"
                                r"residue numbers?(?: only)?|(?:give|report|list) (?:just |only )?(?:its|the|their) "
                                r"residue numbers?|responde con (?:su|el) n[úu]mero de residuo|\bresidue numbers\b|"
                                r"\bn[úu]meros de residuo\b"),
    # read before the selections: methods and phrases that would otherwise read as atoms
    ("which_frame", "frame", r"\b(?:answer|give it|report it|respond|responde)\s+(?:in|as|en|como)\s+(?:a\s+|un\s+)?"
                             r"(?:frames?|fotogramas?)(?:\s+(?:index|number|[íi]ndice))?\b"),
    ("method", "probe", r"(?:with |using )?(?:a )?(?:probe(?: radius)?|sonda)(?: of| de)? (?:0\.14 ?nm|1\.4 ?(?:Å|A|angstroms?))|"
                        r"(?:with |using |con )?(?:a |una )?(?:0\.14[- ]?nm|1\.4[- ]?(?:Å|A|angstroms?))[- ](?:probe|sonda)(?: radius)?"),
    ("method", "no_mass", r"\(?unweighted mean (?:position|of the (?:atomic )?positions|of the coordinates)\)?|"
                          r"\(?non[- ]mass[- ]weighted\)?|equal[- ]weight(?:ed|s)?|geometric(?=\s+\(?(?:rg|radius))|\(?not mass[- ]weighted\)?|(?:with )?no mass[- ]weighting|without mass[- ]weighting|unweighted|not mass[- ]weighted|"
                          r"sin pesar por (?:la )?masa|sin ponderar(?: por (?:la )?masa)?"),
    ("method", "mass_weighted", r"mass[- ]weighted|weighted by (?:the )?(?:atomic )?mass(?:es)?|"
                                r"ponderad[oa] por (?:la |las )?masas?(?: at[óo]micas)?"),
    ("filler", None, r"\(?(?:use |using )?(?:the )?(?:deposited )?coordinates (?:as deposited|as they are|as given|as in "
                     r"the file)\)?|\(?(?:use |using )?the deposited coordinates(?: as they are)?\)?|\bas deposited\b|"
                     r"\(?deposited coordinates(?: only)?\)?"),
    ("method", "no_pbc", r"\b(?:pbc|periodic(?: images| boundary conditions)?) (?:off|disabled|not applied)\b|"
                         r"\(?(?:no|without|don['’]t|do not) (?:re)?wrap(?:ping)?(?: (?:the )?(?:molecules|coordinates|atoms))?"
                         r"(?:,? raw coordinates)?\)?|"
                         r"\(?(?:don['’]t|do not|without|not|no|never) (?:apply|applying|use|using|take|taking|account for|"
                         r"accounting for|consider|considering|wrap|wrapping) (?:the |any )?(?:pbc|periodic(?: images| boundary "
                         r"conditions| boundaries)?|minimum[- ]image(?: convention)?)(?: into account)?\)?|"
                         r"\(?no (?:crystal|symmetry)(?:/| or |, )periodic images\)?|\(?no (?:crystal|symmetry) (?:mates|images)"
                         r"(?:(?:,| or) (?:periodic )?images)?\)?|"
                         r"\(?(?:no|without|ignoring|ignore|not using|don['’]t use|do not use|sin|no uses) "
                         r"(?:the )?(?:pbc|periodic(?: images| boundary conditions| boundaries)?|minimum[- ]image(?: convention)?|"
                         r"(?:im[áa]genes|condiciones(?: de contorno)?) peri[óo]dicas|(?:la )?imagen m[íi]nima)\)?|"
                         r"\(?(?:plain|direct|straight)(?:[- ]line)? (?:cartesian )?distances?(?:,? (?:no|without) (?:the )?"
                         r"(?:minimum[- ]image(?: convention)?|pbc|periodic images))?\)?|periodic\s*=\s*false"),
    ("method", "pbc", r"\b(?:pbc|periodic(?: images| boundary conditions)?) (?:on|enabled|applied)\b|(?:taking|take|accounting for|account for|considering|consider|applying|apply) (?:the )?(?:pbc|"
                      r"periodic(?: images| boundary conditions| boundaries))(?: into account)?|"
                      r"(?:with|using|under|con|usa(?:ndo)?) (?:the )?(?:pbc|periodic(?: images| boundary conditions| "
                      r"boundaries)|condiciones peri[óo]dicas)|periodic\s*=\s*true|\(?(?:the )?minimum[- ]image"
                      r"(?: convention| pbc)?\)?|\(?imagen m[íi]nima\)?"),
    ("method", "baker_hubbard", r"md\.baker_hubbard(?:\(\))?"),
    ("method", "wernet_nilsson", r"md\.wernet_nilsson(?:\(\))?"),
    ("method", "simplified", r"(?:md\.compute_dssp(?:\(\))?\s*)?(?:with |using )?simplified\s*=\s*true|"
                             r"\(?md\.compute_dssp(?:\(\))?\)?"),
    ("method", "shrake_rupley", r"md\.shrake_rupley(?:\(\))?"),
    ("filler", None, r"according to(?: mdtraj'?s?)?(?: the)?|(?:as )?(?:reported |computed |counted )?by mdtraj|"
                     r"(?:with |using )?mdtraj'?s? defaults?|(?:with |using )?(?:the )?default (?:parameters|settings|options)|"
                     r"\bdefaults?\b|par[áa]metros por defecto|por defecto|seg[úu]n mdtraj|\bmdtraj'?s?\b|"
                     r"\[\s*x\s*,\s*y\s*,\s*z\s*\]|"
                     r"(?:every |each )?unique pairs?|each pair once|every pair once|i ?< ?j|\(?(?:trp-cage|nmr|x-ray|crystal structure)\)?|"
                     r"\bcrystal(?:lographic)?(?= waters?\b)|\b(?:solvated|solvatad[oa]|md system|md simulation|md trajectory|nmr ensemble|ensemble|simulation(?! box)|"
                     r"(?:en )?(?:la )?simulaci[óo]n(?: de)?(?! de la caja)|"
                     r"plain|(?:the )?whole file)\b|\((?:N|CA|C|O|CB|CG|CD|OG1?|SG)(?:\s*[-–]\s*(?:N|CA|C|O|CB|CG|CD|"
                     r"OG1?|SG|CG1|CD1|NE|CZ))+\)|\b(?:top|topology|topolog[íi]a)\b\s*=?|\bi\.e\.|\bes decir\b|"
                     r"\be\.g\.|\bpor ejemplo\b|(?:en|as|como) (?:una )?(?:lista|list)(?= \[)|"
                     r"\b(?:answer|respond[ae]?|responde|give it|reply)(?: in| en| with| con)?\b|"
                     r"\(?\bN,\s*CA,\s*C(?:,?\s*(?:and\s+)?O)?(?: atoms)?\)?|\((?:Cl|Na|K|Mg|Ca|Zn)\s*[-+−]?\)|"
                     r"\b(?:other|remaining) (?:params|parameters|settings) (?:at )?defaults?\b|"
                     r"\((?:groups|bonded fragments)\)|\bbonded fragments\b|\bseparate(?= molecules)|"
                     r"\b(?:make|makes) up\b|\bforman\b|\babarca\b|\bcomprise[sd]?\b|\bconstitute[sd]?\b|"
                     r"\bbelong(?:s|ing)? to\b|\bone per chain\b|\(?\buno por cadena\b\)?|"
                     r"\b(?:its |the |their )?(?:x, y, z|\(x, y, z\)|x/y/z)\b|\bcoordinates\b|\bcoordenadas\b|"
                     r"(?<![.\w-])(?<!new )(?:the )?\.?(?:h5|xtc|dcd|trr|gro|mol2|inpcrd|prmtop|pdb)"
                     r"(?: file| traj(?:ectory)?)?\b(?!\.)|"
                     r"\(?(?:i\.e\.|es decir),?\s+(?:que\s+)?no\s+son\s+hidr[óo]genos?\)?|"
                     r"\(?population std(?:,? ddof\s*=\s*0)?\)?|\bany atom of\b|\balg[úu]n [áa]tomo (?:de|del)\b|"
                     r"\bper[- ]atom\b(?= rmsf)|\bpor [áa]tomo\b|\bfirst[- ]shell\b(?= waters?)|"
                     r"\b(?:resname|residue name)\b(?=\s+[A-Z0-9]{2,4}\b)|\bname\b(?=\s+[A-Z][A-Z0-9]{0,3}\b)"),
    ("filler", None, r"\(?\b(?:absolute|absolut[ao])(?= (?:sasa|area|[áa]rea|solvent|surface|per[- ]residue))|"
                     r"\b(?:residue|atom) mode\b|mode\s*=\s*['‘’\"](?:residue|atom)['‘’\"]|\bin absolute terms\b"),
    ("format", None, r"(?:(?:give |as |in )?(?:a |the )?(?:python )?list like|(?:->|→|responde|respond|answer|reply|return|"
                     r"give|as|como|en))?\s*:?\s*\[[^\]\[]{1,80}\]"),
    # "Answer like GLY11", "e.g. ALA57", "responde como TYR1": the shape of a residue label, not a residue
    ("filler", None, r"\(?(?:(?:answer|respond|reply|give it|responde|respuesta|format(?:ted)?)\s+)?(?:like|as|in the form|"
                     r"como|e\.g\.|eg|for example|por ejemplo)[:,]?\s+(?:e\.g\.\s+)?['‘’\"]?(?:[A-Z]{3}\d+|XXX\d+)['‘’\"]?\)?|"
                     r"\b(?:RESNAME|NAME)\s*\+\s*(?:number|resSeq|resid|n[úu]mero)\b"),
    ("together", None, r"\b(?:together|in total|combined|altogether|en total|juntos|juntas|sumados|sumadas)\b"),
    # RMSF is a fluctuation about the mean positions by definition: saying so names the quantity
    ("quantity", "rmsf", r"(?:respecto (?:a|de)|alrededor de) (?:la |su |sus )?posici[óo]n(?:es)? (?:medias?|promedio)|"
                         r"\(?(?:(?:the )?(?:rmsf|fluctuations?|fluctuates?|fluctuaci[óo]n(?:es)?)\s+)?(?:around|about|"
                         r"respecto (?:a|de)|alrededor de) (?:the |its |their |la |las |su |sus )?(?:mean|average|"
                         r"media|medias|promedio)(?: ca| cα)? (?:structure|conformation|positions?|coordinates|"
                         r"posici[óo]n(?:es)?|estructura)(?: medias?| promedio)?\)?"),
    # a range of frames: "the last 1000 frames", "models 2–38", "frames with time > 40000 ps"
    ("exclude_frame", None, r"\(?(?:leav(?:e|ing)|excluding|exclude|without|except|sin contar|excepto) (?:the )?"
                            r"(model|frame|modelo|fotograma) (\d+)(?: itself| mismo)?(?: out)?\)?"),
    ("filler", None, r"\beach of(?= (?:the )?(?:models|frames|modelos|fotogramas) \d)|\bcada uno de(?= los)|\ball[- ]atom\b"),
    ("filler", None, r"\b(?:ligand|inhibitor|inhibidor|cofactor|substrate|sustrato|drug|f[áa]rmaco)\b(?=\s*\(\s*[A-Z0-9]{2,4}\s*\))|"
                     r"\b(?:the |el |la )?(?:ligand|inhibitor|inhibidor|cofactor|substrate|ligando)(?=\s+(?-i:[A-Z0-9]{2,4})\b)"),
    ("filler", None, r"\(?(?:(?:has|holds|with) )?(?:both (?:proteins|parts|molecules)|everything|all) in (?:one|a single|"
                     r"the same) chain(?: [A-Z]\b)?\)?|\b(?:of |in )?(?:the |a )?(?:single|one) chain\b|"
                     r"\(?(?:each|both) numbered from 1\)?"),
    # "H-bonds that connect X and Y", "cross the interface": between two groups (read by hydrogen bonds only)
    ("hbond_between", None, r"\b(?:connect(?:s|ing)?|bridg(?:e|es|ing)|que conectan|conectan)\b(?=.{0,80}"
                            r"\b(?:and|y|with|con)\b)|\b(?:cross(?:es|ing)?|across) the interface\b|\(?donor in one "
                            r"(?:protein|group|part), acceptor in the other\)?"),
    ("hbond_within", None, r"\bintra[- ]?(?:protein|molecular|chain)\w*\b|\bintraprotei\w*|\bwithin the (?:protein|peptide|chain)\b"),
    ("filler", None, r"\(?(?:in the range|range|between|entre) -180 (?:to|and|y|a) \+?180(?: degrees| grados)?\)?|"
                     r"\(?sum over all (?:the )?atoms(?: present)?(?:,? (?:H|hydrogens?) included)?\)?|"
                     r"\bend[- ]to[- ]end(?= distance\s*\()|\bany atoms?\b(?=\s*[,)])|\bquick one\b|"
                     r"\(?(?:the )?middle (?:alanine|residue|ala)(?= \((?:Ala|residue |residuo )?\d+\))|"
                     r"\(?(?:(?:ACE/NME|ACE and NME) )?caps included\)?|\(?incl(?:\.|uding)? (?:the )?(?:ACE/NME )?caps\)?|"
                     r"\(?comparing\b"),
    # what a mass density is: said in passing, it names nothing else to compute
    ("filler", None, r"\(?(?:the )?total mass of all (?:the )?atoms divided by the (?:box|cell) volume\)?|"
                     r"(?:use|using) (?:the )?(?:standard )?(?:atomic |element )?masses(?: of the elements)?"
                     r"(?: and the box(?: volume)?(?: stored)?(?: in the file)?)?|"
                     r"usa(?:ndo)? las masas de los elementos(?:\s+de(?:\s+mdtraj)?)?\s*(?:y el volumen de la caja)?|"
                     r"(?<=heavy )\(non-hydrogen\)"),
    # what the box is, said in passing: its volume is computed from the box vectors, whatever their shape
    ("filler", None, r"\(?(?:careful,? )?(?:it'?s |it is |the (?:box|cell) is |which is |has |es (?:una? )?)?(?:a |an )?"
                     r"(?:monoclinic|hexagonal|triclinic|orthorhombic|cubic(?= (?:cell|box|unit cell|lattice))|tetragonal|rhombohedral|"
                     r"truncated[- ]octahedr(?:on|al)|rhombic[- ]dodecahedr(?:on|al)|octaedro truncado|monocl[íi]nic[oa])"
                     r"(?: (?:cell|box|unit cell|lattice|celda|caja))?(?:,? (?:triclinic representation|in its CRYST1 "
                     r"record))?\)?|\(?(?:alpha|beta|gamma)\s*(?:=|!=|≠)\s*\d+(?:\.\d+)?(?:\s*(?:deg|degrees|°))?\)?|"
                     r"\bin its CRYST1 record\b|\bfrom (?:its|the) CRYST1 record\b"),
    # MDTraj's defaults, spelt out: they change nothing
    ("filler", None, r"\(?(?:with |using )?(?:the )?(?:default )?(?:n_sphere_points\s*=\s*960|960 (?:sphere )?points(?: per atom)?)"
                     r"(?:,? (?:and )?(?:the )?(?:default|mdtraj'?s?) (?:atomic )?radii)?\)?|\(?(?:default|mdtraj'?s?) "
                     r"(?:atomic |vdw |van der waals )?radii\)?|\(?(?:mdtraj'?s? )?simplified (?:H/E/C |3-state )?code\)?|"
                     r"\bcode\b(?=\s*['‘’\"]?[HEC]\b)|\(?(?:from|in) (?:its|the) bond (?:block|table|records?)\)?|"
                     r"\(?as modell?ed in (?:the|its) ATOM records\)?|\(?(?:the )?matching(?=\s*(?:\.?(?:h5|pdb|gro|prmtop)\b|\)|,|$))|"
                     r"(?<=heavy )\(non-H\)|(?<=heavy )\(non-hydrogen\)|\(?(?:en )?c[óo]digo simplificado\)?|\b(?:come|comes) out as\b|\bsalen como\b|"
                     r"\(?(?:(?:pdb|file|author|the file's) numbering)(?:,? inclusive)?\)?|\(inclusive\)"),
    # chemistry said beside an explicit atom name: "the hydroxyl oxygen OH", "the amide H", "Schiff-base nitrogen NZ"
    # ("backbone" and "side chain" are selections of their own: "Backbone RMSD" is the backbone's RMSD)
    ("filler", None, r"\b(?:amide|carbonyl|hydroxyl|carboxyl(?:ate)?|methyl|amino|guanidinium|"
                     r"imidazole|indole|phenol(?:ic)?|schiff[- ]base|terminal|n-terminal|c-terminal)"
                     r"(?=\s+(?:(?:oxygen|nitrogen|carbon|sulfur|hydrogen)s?\s+)?\(?(?-i:(?!RMS[DF]|SASA|DSSP|PBC|NMR|MD\b)"
                     r"[A-Z][A-Z0-9]{0,3})\b" + _OF_RESIDUE + r")|"
                     r"\b(?:oxygen(?=s?\s+\(?(?-i:O[A-Z0-9]{0,2})\b" + _OF_RESIDUE + r")|nitrogen(?=s?\s+\(?(?-i:N[A-Z0-9]{0,2})\b"
                     + _OF_RESIDUE + r")|carbon(?=s?\s+\(?(?-i:C[A-Z0-9]{0,2})\b" + _OF_RESIDUE + r")|sulfur(?=s?\s+\(?"
                     r"(?-i:S[A-Z0-9]{0,2})\b" + _OF_RESIDUE + r")|hydrogen(?=s?\s+\(?(?-i:H[A-Z0-9]{0,2})\b" + _OF_RESIDUE +
                     r"))s?"),
    # what a distance between two named atoms is called: the atoms themselves must still be named ("needs 2 atoms")
    ("filler", None, r"\bend[- ]to[- ]end(?= distance)|(?<=distancia )(?:media )?extremo[- ]a[- ]extremo\b"),
    ("filler", None, r"\b(?:default |standard |atomic |vdw |van der waals )+radii\b|\bmicrocrystal(?: structure)?\b|"
                     r"\b(?:lies?|sits?|is located|are located|is found|are found)(?= within\b)|"
                     r"(?<=atom )\((?:either|any) chain(?=[,)])|(?<=atoms )\((?:either|any) chain(?=[,)])|"

                     r"(?:(?:using |on |with |over )?(?:the|those|these) same (?:atoms|selection|(?:ca|cα|backbone|heavy) atoms))|"
                     r"(?:sobre |con |usando )?(?:ese|esos|esas|esa) mism[oa]s?|"
                     r"(?:answer |give it |reply |list them )?as resname\s*\+\s*(?:number|resseq|resid)(?:,? e\.g\.,? "
                     r"['‘’\"]?[A-Z]{3}\d+['‘’\"]?\)?)?|"
                     r"\(?(?:standard |the )?atomic masses of [A-Z](?:(?:,| and) [A-Z])+(?:,? (?:the )?box volume "
                     r"from the file)?\)?|(?:just )?sum(?:ming)? (?:up )?(?=(?:the |all )?(?:standard )?(?:atomic |element )?masses)|"
                     r"\b(?:of )?(?:all )?(?:its )?explicit(?= atoms)|\bthe (?:molecule|compound) (?=in\b)"),
    ("hydrogens_included", None, r"\(?(?:(?:with )?(?:the )?(?:H|hydrogens?|hidr[óo]genos)(?: atoms)? (?:included|incluidos)|"
                                 r"including (?:the )?hydrogens|incluyendo (?:los )?hidr[óo]genos)\)?"),
    *[("nickname", name, rf"\b(?:{pattern})\b") for name, pattern in _NICKNAME_PATTERNS.items()],
    ("frame_range", "last", r"\b(?:the |los |las )?(?:last|final|[úu]ltim[oa]s) (\d+) (?:frames|models|snapshots|"
                            r"fotogramas|modelos)\b"),
    ("frame_range", "first", r"\b(?:the |los |las )?(?:first|initial|primer[oa]s) (\d+) (?:frames|models|snapshots|"
                             r"fotogramas|modelos)\b"),
    # "between model 1 and model 38" is a pair of frames, not a range: "and" joins a range only after a plural
    ("frame_range", "span", r"\b(?:from |de |desde )?(?:the )?(?:los |las )?(frames?|models?|fotogramas?|"
                            r"modelos?) (\d+)\s*(?:-|–|—|to|through|until|a|al|hasta)\s*(?:(?:frame|model|"
                            r"fotograma|modelo) )?(\d+)\b(?:\s*\(?inclusive\)?)?|"
                            r"\b(?:between|entre) (?:the |los |las )?(frames|models|fotogramas|modelos) (\d+) (?:and|y) "
                            r"(\d+)\b(?:\s*\(?inclusive\)?)?"),
    ("frame_range", "after", r"\(?(?:i\.e\.,? |es decir,? )?(?:(?:the |los )?(?:frames?|fotogramas?|snapshots?) "
                             r"(?:with|con|where|whose|de|at) )?(?:simulation )?(?:time|tiempo|t)\s*(>=|≥|>)\s*"
                             r"(\d+(?:\.\d+)?)\s*(ps|ns)\b\)?"),
    ("unsupported", None, r"\bhetero[- ]?atoms?\b|\bhetero[áa]tomos\b|\bhetatms?\b|"  # HETATM records or non-C/H atoms?
                          r"\b(?:average|mean|median) (?:structure|conformation|coordinates|positions?)\b|"
                          r"estructura (?:promedio|media)|\bfrom (?:frame|model) \d+ (?:to|until|through)\b|"
                          r"\b(?:last|first|final|initial) \d+ (?:ns|ps)\b|"
                          r"\bevery \d+(?:st|nd|rd|th)? (?:frames?|models?|snapshots?)\b|\bcada \d+ (?:fotogramas|frames)\b|"
                          r"\b(?:how many|number of|cu[áa]nt[oa]s) (?:\w+ ){0,2}(?:helices|h[ée]lices|strands|sheets|hebras|"
                          r"l[áa]minas|segments|segmentos)\b|\bboth\b|\bambos\b|\bambas\b|\bmedian\b|\bmediana\b|"
                          r"\b(?:\d+\s*)?(?:ns|ps|nanosecond|picosecond)s? (?:run|simulation|trajectory|md)\b|"
                          r"\bincluding (?:the )?(?:reference|residue \d+|itself|ligand)\b"),
    ("which_frame", "model", r"\b(?:which|what|qu[ée]|cu[áa]l)\s+(?:nmr\s+)?(?:model|modelo|conformer|conf[óo]rmero|"
                             r"structure|estructura)"
                             r"(?:\s+number|\s+n[úu]mero)?\b"),
    ("which_frame", "frame", r"\b(?:which|what|qu[ée]|cu[áa]l|en qu[ée])\s+(?:frame|snapshot|fotograma|conformation|"
                             r"conformaci[óo]n)(?:\s+index|"
                             r"\s+number|\s+n[úu]mero)?\b"),
    ("which_frame", "time", r"\b(?:at\s+)?(?:what|which)\s+(?:simulation\s+)?time\b|\bwhen\s+(?:does|is|do)\b|"
                            r"\ben\s+qu[ée]\s+(?:tiempo|momento|instante)\b|\bcu[áa]ndo\b"),
    ("which_entity", None, r"\b(?:which|what|qu[ée]|cu[áa]l)\s+(?:residue|atom|amino acid|residuo|[áa]tomo|"
                           r"amino[áa]cido)s?\b"),
    ("context", "isolated", r"\b(?:alone|isolated|in isolation|by itself|on (?:its|their) own|as (?:a )?separate "
                            r"(?:molecules?|systems?)|aislad[oa]s?|por s[íi] (?:sol[oa]|mism[oa]))\b"),
    ("context", "in_place", r"\b(?:in place|in context|in (?:the )?context of (?:the )?(?:whole |full )?(?:protein|"
                            r"system|complex|structure)|within the (?:whole |full )?(?:protein|complex|structure)|"
                            r"as part of the (?:protein|complex|system)|en (?:su )?contexto|dentro de la prote[íi]na)\b"),
    ("exclude_self", None, r"\(?(?:not counting|excluding|other than|apart from|besides|sin contar|aparte de) (?:the |el )?"
                           r"(?:ligand|ligando|reference|it|itself)(?: itself| mismo)?\)?|\(?(?:the )?(?:ligand|reference) "
                           r"itself (?:excluded|not counted)\)?"),
    ("one_atom", None, r"(?:have|has|with|having) (?:at least one|any|an?) atom\b|(?:con|tienen?) (?:al menos un|alg[úu]n) "
                       r"[áa]tomo\b(?! pesado)|(?:have|has|with|having|tienen?|con) (?:at least one|any|an?|al menos un|"
                       r"alg[úu]n)(?= (?:heavy|non-hydrogen) atoms?\b| [áa]tomos? pesados?)|"
                       r"any of (?:their|its) atoms"),
    ("separation", 0, r"including (?:sequence )?(?:neighbou?rs|adjacent residues)|incluyendo (?:los )?vecinos"),
    ("separation", None, r"(?:separaci[óo]n|separation) (?:en|in) (?:la )?secuencia (?:de )?(?:>=|≥|al menos|de al menos)\s*(\d+)|"
                         r"(?:con )?(?:al menos|por lo menos) (\d+) residuos de separaci[óo]n(?: en (?:la )?secuencia)?|"
                         r"(?:at least|>=|≥|more than|m[íi]nimo|al menos|por lo menos) (\d+) residues? apart(?: in sequence)?|"
                         r"\|i ?- ?j\| ?(?:>=|≥|>) ?(\d+)|sequence separation (?:of )?(?:at least |>= ?|≥ ?)?(\d+)|"
                         r"separated by (?:at least )?(\d+) (?:or more )?residues(?: in sequence)?|"
                         r"separad[oa]s (?:por|en) (?:al menos )?(\d+) (?:o m[áa]s )?residuos(?: en (?:la )?secuencia)?|"
                         r"(?:at least|al menos) (\d+) residues? (?:away|distant)(?: in sequence)?"),
    ("reference", None, r"relative to(?: the)?|with respect to(?: the)?|respect to|against|\bvs\.?|\bversus\b|"
                        r"compared (?:to|with)|(?:as )?(?:the )?reference(?: frame| structure)?|respecto (?:al|a|de)(?: la| el)?|"
                        r"con respecto (?:al|a)|referencia"),
    ("scope", None, r"\b(?:all|todos los) (?:the )?\s*(?:frames|models|snapshots|fotogramas|modelos)\b"),
    ("span", None, r"\(?first to last(?: frame)?\)?|from (?:the )?first (?:frame |model )?to (?:the )?last(?: frame| model)?|"
                   r"del primer(?:o)? (?:fotograma |frame )?al [úu]ltimo(?: fotograma| frame)?"),
    # quantities, longest phrases first
    ("quantity", "max_distance", r"(?:largest|maximum|greatest|longest|max(?:imal)?) (?:interatomic |pairwise )?"
                                 r"distance between any two\b|distancia m[áa]xima entre (?:dos|cualquier par de)\b"),
    ("quantity", "com_distance", r"distance between (?:the )?(?:(?:mass[- ]weighted|mass[- ]weighed) )?(?:cent(?:er|re)s? of mass|coms?)|"
                                 r"(?:cent(?:er|re)[- ]of[- ]mass|com)[- ]to[- ](?:cent(?:er|re)[- ]of[- ]mass|com) "
                                 r"distance|distancia entre (?:los )?centros de masa"),
    ("quantity", "min_distance", r"(?:minimum|min\.?|closest|shortest|smallest|nearest)(?: heavy[- ]atom| atom)? "
                                 r"(?:distance|separation|approach)|distancia m[íi]nima|m[íi]nima distancia"),
    ("quantity", "rg", r"radius of gyration|gyration radius|radio de giro|\br_?g\b"),
    ("quantity", "sasa_residue", r"(?:sasa|solvent[- ]accessible (?:surface )?area) (?:per|of each|for each|by) residue|"
                                 r"per[- ]residue (?:sasa|solvent[- ]accessible (?:surface )?area)|"
                                 r"sasa por residuo"),
    ("quantity", "sasa", r"solvent[- ]accessible surface(?: area)?|solvent[- ]accessible area|accessible surface area|"
                         r"solvent[- ]exposed (?:surface )?area|solvent[- ]exposed surface|surface area|\bsasa\b|"
                         r"superficie accesible(?: al solvente)?|[áa]rea (?:superficial )?accesible(?: al solvente)?|"
                         r"[áa]rea superficial"),
    ("quantity", "rmsd", r"\brmsds?\b|root[- ]mean[- ]squared? deviation|desviaci[óo]n cuadr[áa]tica media"),
    ("quantity", "rmsf", r"\brmsf\b|root[- ]mean[- ]squared? fluctuations?|fluctuaci[óo]n(?:es)?"),
    ("quantity", "dihedral", r"dihedral(?: angle)?|torsion(?: angle)?|[áa]ngulo diedro|diedro|torsi[óo]n"),
    ("quantity", "angle", r"\bangle\b|[áa]ngulo de enlace|[áa]ngulo\b|bond angle"),
    ("quantity", "distance", r"\bdistance\b|\bdistancia\b|how far apart|how far|separation between"),
    ("quantity", "hbonds", r"hydrogen[- ]bonds?|h[- ]?bonds?|puentes? de hidr[óo]geno|enlaces? de hidr[óo]geno"),
    ("quantity", "n_bonds", r"\b(?:covalent |chemical )?bonds\b|\benlaces(?: covalentes)?\b"),
    ("quantity", "dssp", r"secondary structure|estructura secundaria|\bdssp\b"),
    ("quantity", "contacts", r"\bcontacts?\b|\bcontactos?\b|\bpairs?\b|\bpares\b"),
    ("quantity", "center", r"cent(?:er|re) of mass|\bcom\b|centro de masas?|"
                           r"cent(?:er|re) of geometry|geometric cent(?:er|re)|centroid|centro geom[ée]trico"),
    ("quantity", "box_volume", r"how big is the (?:periodic |simulation |unit )?(?:box|cell)(?:[?.]? (?:its )?volume)?|(?:box|unit[- ]cell|periodic box|cell) volume|volume of the (?:periodic |simulation )?"
                               r"(?:box|unit[- ]cell|cell)|volumen de la caja|volumen de la celda|"
                               r"volumen (?:que )?tiene la (?:celda|caja)(?: de simulaci[óo]n)?|volumen (?:de )?la (?:celda|caja) de "
                               r"simulaci[óo]n"),
    ("quantity", "box_lengths", r"(?:box|unit[- ]cell|cell) (?:dimensions|lengths|edge lengths|edges|size|vectors)|"
                                r"dimensiones de la caja|lados de la caja|dimensions of the (?:box|unit cell)"),
    ("quantity", "density", r"(?:mass )?density of the (?:(?:spc|spc/e|tip3p|water|simulation|periodic|solvent|"
                            r"simulated) )*(?:box|system)|densidad(?: tiene)? (?:de )?la caja(?: de agua)?|(?:mass )?density|densidad"),
    ("quantity", "mass", r"summed (?:atomic )?masse?s?|\(?sum of (?:the |all )?(?:standard )?(?:atomic |element )?masses(?: mdtraj assigns)?(?: of all (?:the )?atoms(?: in the file)?)?\)?|(?:the |all )?(?:standard )?(?:atomic|element) masses of all (?:its |the )?(?:explicit )?atoms|"
                         r"suma de (?:las )?masas at[óo]micas|(?:a partir|desde) de los elementos de sus [áa]tomos|"
                         r"masa molecular|from the (?:atoms'? )?elements|"
                         r"molecular (?:weight|mass)|total mass|\bmass\b|\bweight\b|peso molecular|masa(?: total)?"),
    # "the time of the last frame": the frame is read as any other frame
    ("quantity", "time", r"\b(?:simulation |simulated )?time (?:of|at)(?= (?:the )?(?:last|final|first|initial|\d+(?:st|nd|rd|th))"
                         r" (?:saved )?(?:frame|snapshot)| (?:frame|snapshot) \d)|\btiempo del?(?= (?:[úu]ltimo|primer) "
                         r"(?:frame|fotograma))"),
    ("quantity", "temperature", r"\b(?:instantaneous |stored |saved |recorded )?temperatures?(?: values)?\b|\btemperaturas?\b"),
    ("quantity", "time_info", r"time ?step (?:\(?ps\)?\s*)?and (?:the )?total (?:simulated |simulation )?time"),
    ("quantity", "timestep", r"time ?step|time between (?:saved |consecutive )?frames|saving interval|"
                             r"(?:time )?interval between (?:saved |consecutive )?frames|(?:time )?spacing between (?:saved )?frames|paso de tiempo|tiempo entre (?:fotogramas|frames)"),
    ("quantity", "total_time", r"how much (?:simulated )?time does|how long does (?:the trajectory|it) (?:span|last)|"
                               r"cu[áa]nto tiempo (?:abarca|cubre|dura)|total (?:simulated |simulation )?time|time spanned|simulated time|"
                               r"length of the (?:simulation|trajectory) in (?:time|ps|ns)|duration|"
                               r"tiempo total(?: simulado)?|duraci[óo]n"),
    ("quantity", "sequence", r"(?:one|single)[- ]letter(?: (?:amino[- ]acid )?(?:sequence|codes?))?|amino[- ]acid sequence|"
                             r"\bsequence\b|\bsecuencia\b|c[óo]digo de una letra"),
    # methods
    ("method", "baker_hubbard", r"(?:the )?baker[-_ ]hubbard(?: criterion| method| algorithm)?"),
    ("method", "wernet_nilsson", r"(?:the )?wernet[-_ ]nilsson(?: criterion| method| algorithm)?"),
    ("method", "shrake_rupley", r"(?:the )?shrake[-_ ]rupley(?: algorithm| method)?"),
    ("method", "simplified", r"(?:the )?simplified(?: dssp)?(?: assignment| classes| codes| version)?|simplificad[oa]"),
    ("method", "superposition", r"(?:after |with )?(?:an? )?(?:optimal |least[- ]squares? )?(?:superposition|superposing|"
                                r"superimpos\w+|superpose[ds]?|fit(?:ting|ted)?|alignment|aligning|aligned|align)|"
                                r"tras superponer|despu[ée]s de superponer|superp[oó]n\w*|superposici[óo]n|alineamiento|alinea\w*|"
                                r"(?:con |tras (?:el )?)?ajuste(?: por m[íi]nimos cuadrados)?"),
    # reductions over frames
    # the share of the frames where a condition holds: "in what fraction of frames is psi positive"
    ("fraction", "fraction", _share_of_frames("(?:fraction|proportion|share)", "(?:fracci[óo]n|proporci[óo]n)")),
    ("fraction", "percent", _share_of_frames("(?:percentage|percent)", "porcentaje")),
    *[("condition", sign, rf"\b(?:is |are |be |es |sea |est[áa] )?(?:{sign}|{sign[:-1]}[oa])\b")
      for sign in ("positive", "negative")],
    ("condition", ">", r"\b(?:is |are |be )?(?:(?:greater|larger|more|higher|longer|bigger) than|above|over|exceeds?|"
                       r"exceeding)\s*\+?(-?\d+(?:\.\d+)?)\s*"
                       r"(°|degrees?|deg|Å|angstroms?|nm)?|(?<![<\w])>\s*\+?(-?\d+(?:\.\d+)?)\s*(°|degrees?|deg|Å|angstroms?|"
                       r"nm)?(?![\w<])|\bmayor (?:que|de)\s*\+?(-?\d+(?:\.\d+)?)\s*(°|grados?|Å|nm)?"),
    ("condition", "<", r"\b(?:is |are |be )?(?:smaller|lower|less) than\s*\+?(-?\d+(?:\.\d+)?)\s*(°|degrees?|deg)|"
                       r"(?<![\w>])<\s*\+?(-?\d+(?:\.\d+)?)\s*(°|degrees?|deg)(?![\w<])|\bmenor (?:que|de)\s*\+?"
                       r"(-?\d+(?:\.\d+)?)\s*(°|grados?)"),
    # "the change in Rg between the first and the last frame (last minus first)": values[-1] - values[0]
    ("frames", "change", r"\(?\b(?:last|final|[úu]ltimo) (?:frame |model |fotograma )?(?:minus|menos|−|-) (?:the |el )?"
                         r"(?:first|initial|primer[oa]?)(?: frame| model| fotograma)?\)?|"
                         r"\b(?:change|difference|cambio|diferencia)\b(?= (?:in|of|en|del?)\b|\s\s)"),  # (a phrase read before: blank)
    ("frames", "mean", r"\baverage[ds]?\b|\bmean\b|\bon average\b|\bpromedi\w*|\bmedi[ao]\b|time[- ]averaged"),
    ("frames", "std", r"standard deviation|\bstd(?:\.|\s+dev\.?)?(?!\w)|desviaci[óo]n (?:est[áa]ndar|t[íi]pica)"),
    ("frames", "max", r"\bmaxim(?:um|al)\b|\bmax\b|\blargest\b|\bhighest\b|\bpeak\b|\bm[áa]xim[oa]\b|\bmayor\b"),
    ("frames", "min", r"\bminim(?:um|al)\b|\bmin\b|\bsmallest\b|\blowest\b|\bm[íi]nim[oa]\b|\bmenor\b"),
    ("frames", "each", r"(?:in |for |at )?(?:each|every) (?:frame|model|snapshot)|per[- ]frame|frame[- ]by[- ]frame|"
                       r"(?:en|de|para) cada (?:fotograma|frame|modelo)|por (?:fotograma|frame)"),
    ("scope", None, r"(?:over|across|throughout|along|during|for|in) (?:all )?(?:the )?(?:\s*(?:frames|models|"
                    r"snapshots)|trajectory|simulation|ensemble|run|time)|(?:en|a lo largo de|sobre|durante) (?:todos )?"
                    r"(?:la |el |los )?(?:trayectoria|simulaci[óo]n|fotogramas|frames|modelos|conjunto)"),
    # reductions over entities
    ("entity", "argmax", r"most (?:solvent[- ])?(?:exposed|accessible)|m[áa]s expuest[oa]|m[áa]s accesible|"
                         r"(?:residue|residuo) with the (?:largest|highest|most)|(?:the )?most flexible|fluctuates the most|"
                         r"moves the most|m[áa]s flexible|fluct[úu]a m[áa]s"),
    ("entity", "argmin", r"least (?:solvent[- ])?(?:exposed|accessible)|menos expuest[oa]|(?:the )?least flexible"),
    ("entity", "per_residue", r"(?:per|each|every|by)[- ]residue|por residuo|de cada residuo"),
    ("per_frame", None, r"\bper[- ](?:model|frame|snapshot)\b|\bpor (?:modelo|fotograma)\b"),
    # ---- read after the selections
    ("quantity", "n_frames", r"\b(?:frames|models|snapshots|conformers|conformations|fotogramas|modelos|marcos|"
                             r"configuraciones)\b"),
    # DSSP classes (read with dssp)
    ("filler", None, r"\(?(?:simplified,? )?(?:3|three)[- ]state(?: dssp)?(?: \(?H\s*/\s*E\s*/\s*C\)?)?\)?|"
                     r"\(?(?:H\s*/\s*E\s*/\s*C|H,\s*E(?:,)?\s*(?:and|or|y|o)?\s*C)\)?|\bde (?:3|tres) estados\b"),
    ("dssp", "H", r"(?:\(?(?:dssp )?(?:code|class|c[óo]digo|clase|letter|letra) )['‘’\"]?H\b['‘’\"]?\)?|"
                  r"\(?['‘’\"]H['‘’\"]\)?|\(H\)|\bhelic\w*|\bhelix\b|\bhelices\b|alpha[- ]helical|\bh[ée]lices?\b|\bhelicoidal(?:es)?\b"),
    ("dssp", "E", r"(?:\(?(?:dssp )?(?:code|class|c[óo]digo|clase|letter|letra) )['‘’\"]?E\b['‘’\"]?\)?|"
                  r"\(?['‘’\"]E['‘’\"]\)?|\(E\)|\bstrands?\b|\bsheets?\b|\bbeta\b|\bextended\b|\bhebras?\b|\bl[áa]minas?\b"),
    ("dssp", "C", r"\(?['‘’\"]C['‘’\"]\)?|\(C\)|\bcoil\b|\bloops?\b|\bbucles?\b|\bovillo\b"),
    # dihedral names
    ("angle_name", "phi", r"\bphi\b|φ"), ("angle_name", "psi", r"\bpsi\b|ψ"),
    ("angle_name", "omega", r"\bomega\b|ω"), ("angle_name", "chi1", r"\bchi\s?1\b|\bchi\b|χ1?"),
    # levels and counting
    ("count", None, r"how many|number of|count(?:ing)?(?: the)?|cu[áa]nt[oa]s|n[úu]mero de|cuenta(?: los| las)?|"
                    r"total number of|cuent[ao]"),
    ("level", "molecules", r"\bmolecules?\b|\bmol[ée]culas?\b"),
    ("level", "residues", r"\bresidues?\b|\bamino[- ]acids?\b|\bresiduos?\b|\bamino[áa]cidos?\b|\bions?\b|\biones?\b"),
    ("level", "chains", r"\bchains?\b|\bcadenas?\b|\bsubunits?\b|\bsubunidades\b"),
    ("level", "atoms", r"\batoms?\b|\b[áa]tomos?\b"),
    ("sorted", None, r"\(?(?:sorted|ordered)(?: alphabetically| list| ascending| in ascending order)?\)?|"
                     r"\bin ascending order\b|\bascending\b|\borden ascendente\b|\balphabetical(?:ly)?\b|"
                     r"(?:en )?orden alfab[ée]tico|ordenad[oa]s?(?: alfab[ée]ticamente)?"),
    ("names", None, r"\b(?:labels?|identifiers?|ids?|letters?)\b(?= occur| are| present| in|\?|$)|\blist\b|\bnames?\b|\blista\w*|\bnombres?\b|\benumera\w*|\bunique\b|\bdistinct\b|"
                    r"\bdistint[oa]s\b|\bdiferentes\b"),
    ("filler", None, r"\bfirst(?=[,;]?\s+(?:and\s+)?then\b)|\band then\b|\bthen\b|\bafterwards?\b|\bafter that\b|"
                     r"\bluego\b|\bdespu[ée]s\b|\bprimero\b|\by luego\b"),
    ("which", None, r"\bwhich\b|\bwhat\b|\bqu[ée]\b|\bcu[áa]l(?:es)?\b"),
    ("remove", None, r"\b(?:sin contar|not counting|without counting|other than|apart from|aside from|salvo|take out|taking out|get rid of|throw away|"
                     r"leave out|no|neither|nor|ni|not|non|ignoring|ignore|disregarding|disregard|remove|removing|removed|without|strip|stripping|stripped|delete|deleting|drop|dropping|"
                     r"discard|discarding|exclude|excluding|get rid of|quit[ao]\w*|elimin[ao]\w*|sin|remuev\w*|"
                     r"remov\w*|borr[ao]\w*|excluy\w*|excluir|descart\w*)\b"),
    ("newfile", None, r"\b[\w-]+\.(?:pdb|h5|gro|xtc|dcd|mol2|cif|nc)\b|\ba new (?:pdb |h5 )?file\b|"
                      r"\bnew (?:pdb |h5 )?file\b|\bun (?:nuevo )?archivo(?: nuevo| pdb)?\b"),
    ("ligand", None, r"\bligands?\b|\bligandos?\b"),
    # hetero groups (the PDB's HETATM residues): ligands, ions and waters alike, not only ligands
    ("hetero", None, r"\bhetero[- ]?(?:groups?|residues?|molecules?|compounds?)\b|\bgrupos? hetero\w*\b"),
    ("keep", None, r"\bkeep(?:ing)? only\b|\bonly\b|\bextract\w*\b|\bisolat\w+\b|\bsolo\b|\bs[óo]lo\b|"
                   r"\bqued[áa]ndo(?:te|me|nos)? (?:solo )?con\b|\bextra[eé]\w*"),
    # the verbs, not their participles: "la caja guardada en el archivo" is the box stored there
    ("save", None, r"\bsav(?:e|ing)\b|\bwrit(?:e|ing)\b|\bexport(?:ing)?\b|\bgu[áa]rd(?:a|ar|e|ando|[áa]ndol[oa]|al[oa])\b|"
                   r"\bescrib(?:e|ir|iendo|[íi]el[oa])\b|\bexporta(?:r|ndo|l[oa])?\b"),
    ("reload", None, r"\breload\w*|\b(?:load|read|open) (?:it|the (?:new|saved|written) file|that file)(?: back| again| in)?|\bvuelve a cargar\w*|\brecarg\w+"),
    ("show", None, r"\bshow\b|\bdisplay\b|\bvisuali[sz]e\b|\bview\b|\bmuestra\b|\bmostrar\b|\bvisualiza\w*"),
    ("remain", None, r"\bremain(?:ing|s)?\b|\bleft\b|\bquedan\b|\brestantes?\b"),
]
_COMPILED = [(role, value, re.compile(rf"(?<![\w-])(?:{pattern})", re.I)) for role, value, pattern in LEXICON]
_SPLIT = next(n for n, (role, value, _) in enumerate(LEXICON) if (role, value) == ("quantity", "n_frames"))
_BEFORE, _AFTER = _COMPILED[:_SPLIT], _COMPILED[_SPLIT:]
SOFT_ROLES = {"which", "reference", "span", "keep", "remain", "per_frame", "format", "together", "nickname"}  # see coverage.SOFT
# "no periodic images": every distance the plans compute is plain Cartesian, so it is accounted for
# by any plan except hydrogen bonds (MDTraj's finders use periodic images unless told), handled there  # words whose meaning the plan carries anyway

# words that carry no constraint (question words, politeness, verbs of asking) — English and Spanish
FILLERS = set("""
a about across after all also am an and any anything are as at be been being between  but by can
calculate calculated calculating compute computed computing could determine did do does doing
estimate evaluate exactly find for from get give given go have having hello help here hey hi how i i'd
i'm if in including into is it it's its just kindly know let look looking me measure much my need
needed number obtain of on onto among or our out over please print quick quickly rapid report return say see
should show so some something tell than thank thanks that the their them then there these they this
those through to total up us using use value values was we what what's whats   which will
with within would you your yourself entire whole overall together present file files structure
structures system pdb trajectory topology model contain contains contained containing there's got
inside result answer approximately saved spanned covered stored stores store storing elapsed  take load open loaded
included including incluidos incluidas incluyendo    assigned assigns found finds belong belongs
belonging run check present reported reports there're together roughly quantity is are has have please, reported simply just
express expressed as units unit exact precise precisely give, own actual actually currently find,
al algo calcula calcular calculame calcúlame cuál cual cuáles cuales de del dame dime el ella en entre
es esta este esto está están favor hay la las lo los me mi mis necesito para pero podrías por puedes
que qué quiero se sería si sobre su sus tiene tienen todo todos total tu un una uno unos unas usando
valor y o e archivo fichero estructura sistema contiene obtener obtén obten determina determinar guardado guardada guardados guardadas almacenado almacenada
reporta reportar indica indicar dar da mide medir hay, cuánto cuanto cuánta cuanta aproximadamente
con como cómo algún alguna algunos según vale valen tengo resultado trayectoria cada reach reaches reached alcanza alcanzan
""".split())
STEM_WORDS = {"protein", "water", "waters", "ligand", "ligands", "peptide", "complex", "system", "structure", "model",
              "solvent", "ions", "membrane", "dimer", "monomer", "receptor", "protein_ligand", "trajectory", "traj"}
_CONTRACTIONS = re.compile(r"(?<=\w)['’](?:s|re|ll|ve|d|m)\b", re.I)  # "what's" is "what"; "don't" stays
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+(?:\.\d+)?", re.UNICODE)
_REMOVAL_WORDS = re.compile(r"^(?:remove|removing|removed|without|strip|stripping|stripped|delete|deleting|drop|"
                            r"dropping|except|excluding|exclude|minus|no|discard|discarding|ignoring|ignore|"
                            r"disregarding|disregard|quit[ao]\w*|elimin[ao]\w*|"
                            r"sin|remuev\w*|remov\w*|borr[ao]\w*|excluy\w*|excluir|descart\w*|excepto|first|"
                            r"primero|before|antes)$", re.I)
_TIME = re.compile(rf"\b(?:(?:on |in |for )?the (?:frame|snapshot|structure) (?:saved )?)?(?:at|en|a los|al)\s+(?:t\s*=\s*|time\s+|tiempo\s+)?{_NUM}\s*(ps|ns)\b"
                   rf"(?!\s*(?:run|simulation|trajectory|md|long)\b)", re.I)
_DSSP_LETTER = re.compile(r"(?<![\w'’])\(?([HEC])\)?(?![\w'’])")
_FRAME_BASE = re.compile(r"\(?\b(0|1)[- ]based\b\)?|\(?counting from (0|1|zero|one)\)?|"
                         r"\(?(?:models? |frames? )?numbered from (0|1)(?: as in the (?:pdb )?file)?\)?|\(?contando desde (0|1)\)?|"
                         r"\(?(?:[íi]ndice|numerad[oa]s?|empezando|contados?) desde (?:el )?(0|1)\)?",
                         re.I)
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\s+(?:frame|model|snapshot)\b", re.I)
_UNITS = [  # (pattern, unit): "in Å", "(nm)", "en Å^2"
    (r"Å\^?2|Å²|A\^?2|A²|square angstroms?|angstroms?\^?2|[áa]ngstr[öo]m(?:s|es)? cuadrados", "Å²"),
    (r"nm\^?2|nm²|square nanomet\w+|nan[óo]metros cuadrados", "nm²"),
    (r"Å\^?3|Å³|A\^?3|A³|cubic angstroms?", "Å³"), (r"nm\^?3|nm³|cubic nanomet\w+", "nm³"),
    (r"Å|Å|angstroms?|ångströms?|[áa]ngstr[öo]m(?:s|es)?|(?-i:A)", "Å"), (r"nm|nanomet(?:er|re)s?|nan[óo]metros?", "nm"),
    (r"degrees?|deg|grados?|°", "degrees"), (r"radians?|rad|radianes", "radians"),
    (r"ps|picoseconds?|picosegundos?", "ps"), (r"ns|nanoseconds?|nanosegundos?", "ns"),
    (r"daltons?|(?-i:Da)|g/mol|dalton(?:es)?", "Da"), (r"(?-i:kDa)|kilodaltons?|kg/mol", "kDa"), (r"kelvins?|(?-i:K)", "K"),
    (r"g\s*/\s*cm(?:\^?3|³)|g\s*cm(?:\^?-3|⁻³)|gramos? por cent[íi]metro c[úu]bico", "g/cm³"),
    (r"kg\s*/\s*m(?:\^?3|³)|kg\s*m(?:\^?-3|⁻³)", "kg/m³"),
]
_UNIT = re.compile(r"(?:\bin\s+(?:units\s+of\s+)?|\ben\s+|\(\s*|\bas\s+|,\s*|\bunits?:\s*)?(?<![\w^])(" +
                   "|".join(f"(?:{p})" for p, _ in _UNITS) + r")(?![\w²³^])\s*\)?", re.I)

IONS = ION_RESIDUES
COUNTS = {"dssp", "hbonds", "contacts", "neighbors"}
FRAME_QUANTITIES = {"temperature", "time", "density", "max_distance", "rg", "sasa", "sasa_residue", "rmsd", "distance", "min_distance", "com_distance", "angle",
                    "dihedral", "dssp", "hbonds", "contacts", "neighbors", "center", "box_volume", "box_lengths"}


@dataclass
class Phrase:
    role: str
    value: object
    text: str
    start: int
    used: bool = False


@dataclass
class Understanding:
    """What the agent made of a request: a plan it can run (``ok``), or the closest
    plan it could build and the words it did not understand."""

    request: str
    plan: Plan | None = None
    restatement: str = ""
    unaccounted: list[str] = field(default_factory=list)  # phrases and words not accounted for
    problem: str = ""  # why there is no runnable plan, in words
    phrases: list[Phrase] = field(default_factory=list)
    corrections: dict[str, str] = field(default_factory=dict)  # misspelt word → the word it was read as
    facts: TaskFacts | None = None  # the selections, frames, cutoff… the request states
    unknown: list[str] = field(default_factory=list)  # words no reading knows (a model cannot plan them either)

    @property
    def ok(self) -> bool:
        return self.plan is not None and not self.unaccounted and not self.problem

    def message(self) -> str:
        """"I did not understand …", for a request without a runnable plan."""
        parts = []
        if self.unaccounted:
            parts.append("I did not understand " + ", ".join(f"“{w}”" for w in self.unaccounted))
        if self.problem:
            parts.append(("I did not understand the request: " if not parts else "") + self.problem)
        text = "; ".join(parts) + "."
        if self.plan is not None and self.restatement:
            text += f" The closest plan I can run: {self.restatement} Edit it or rephrase the request."
        elif self.unaccounted:
            text += " Rephrase the request with the quantity, the atoms and the frames you want."
        return text

    def to_dict(self) -> dict:
        return {"ok": self.ok, "plan": self.plan.to_dict() if self.plan else None, "restatement": self.restatement,
                "unaccounted": self.unaccounted, "problem": self.problem, "corrections": self.corrections}


class Blanked:
    """The request with read spans blanked out (same length), so a phrase is read once."""

    def __init__(self, text: str):
        self.text = text

    def blank(self, start: int, end: int) -> None:
        """Mark ``text[start:end]`` as read."""
        self.text = self.text[:start] + " " * (end - start) + self.text[end:]

    def take(self, pattern: re.Pattern) -> list[re.Match]:
        found = list(pattern.finditer(self.text))
        for m in found:
            self.text = self.text[: m.start()] + " " * (m.end() - m.start()) + self.text[m.end():]
        return found


def _take_lexicon(text: Blanked, entries) -> list[Phrase]:
    phrases = []
    for role, value, pattern in entries:
        for match in text.take(pattern):
            if role == "separation" and value is None:
                value_here = int(next(g for g in match.groups() if g))
            elif role in ("frame_range", "exclude_frame", "condition"):
                value_here = (value, tuple(g for g in match.groups() if g))
            else:
                value_here = value
            phrases.append(Phrase(role, value_here, match.group(0), match.start()))
    return phrases


_COUNT_STATED = re.compile(r"(?<![\w.-])(\d+)(?=\s+(?:(?:total|stored|saved|nmr|pdb|md|deposited)\s+)?"
                           r"(frames|models|snapshots|structures|conformers|fotogramas|modelos|estructuras|"
                           r"atoms|[áa]tomos|residues|residuos|chains|cadenas)\b)", re.I)
_COUNT_KIND = {"frames": "frames", "models": "frames", "snapshots": "frames", "structures": "frames",
               "conformers": "frames", "fotogramas": "frames", "modelos": "frames", "estructuras": "frames",
               "atoms": "atoms", "átomos": "atoms", "atomos": "atoms", "residues": "residues", "residuos": "residues",
               "chains": "chains", "cadenas": "chains"}


def read_phrases(request: str, files: list[str], residues: set[str],
                 atom_names: set[str] | None = None, counts: dict[str, int] | None = None
                 ) -> tuple[TaskFacts, list[Phrase], list[str]]:
    """The request's phrases: the lexicon's first part, then :mod:`.slots` (selections,
    frames, cutoffs…), then the rest of the lexicon; and the words nobody read.

    ``counts`` are the file's true numbers of frames, atoms, residues and chains: a number
    the request states in passing ("all 38 models") is read when it is the true one, and
    left unread (so the request is not understood) when it is not."""
    text = Blanked(request)
    for match in list(_COUNT_STATED.finditer(text.text)):
        kind = _COUNT_KIND.get(match.group(2).lower())
        if counts and counts.get(kind) == int(match.group(1)):
            text.text = text.text[: match.start(1)] + " " * len(match.group(1)) + text.text[match.end(1):]
    for name in files:  # file names (or their stems: "load 1tcd") are not words of the request
        text.take(re.compile(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", re.I))
    for name in files:
        stem = name.rsplit(".", 1)[0]
        if re.fullmatch(r"[A-Za-z]{3}\d+", stem) or stem.lower() in STEM_WORDS:
            continue  # "ala3" is also residue Ala3; "protein.pdb" does not make "protein" a file name
        text.take(re.compile(rf"(?<![\w.-]){re.escape(stem)}(?![\w-]|\.\w)", re.I))
    text.take(_CONTRACTIONS)
    # the lexicon does not read inside a selection written between backticks (`resSeq 3 and name CA`)
    masked = Blanked(re.sub(r"`[^`]*`", lambda m: "`" + "\x01" * (len(m.group(0)) - 2) + "`", text.text))
    before = masked.text
    phrases = _take_lexicon(masked, _BEFORE)
    text.text = "".join(" " if b != " " and a == " " else c for a, b, c in zip(masked.text, before, text.text, strict=False))
    facts = read_task(text.text, [], residues, atom_names)
    text = Blanked(facts.leftover or text.text)
    for match in text.take(_TIME):
        phrases.append(Phrase("time", float(match.group(1)) * (1000.0 if match.group(2).lower() == "ns" else 1.0),
                              match.group(0), match.start()))
    for match in text.take(_FRAME_BASE):
        base = next(g for g in match.groups() if g)
        phrases.append(Phrase("frame_base", 0 if base in ("0", "zero") else 1, match.group(0), match.start()))
    for match in text.take(_ORDINAL):
        phrases.append(Phrase("ordinal", int(match.group(1)), match.group(0), match.start()))
    for match in text.take(_UNIT):
        unit = next(u for p, u in _UNITS if re.fullmatch(p, match.group(1), re.I))
        phrases.append(Phrase("unit", unit, match.group(0), match.start()))
    phrases += _take_lexicon(text, _AFTER)
    if any(p.role == "quantity" and p.value == "dssp" for p in phrases):  # "assigned H", "(H in simplified DSSP)"
        for match in text.take(_DSSP_LETTER):
            phrases.append(Phrase("dssp", match.group(1), match.group(0), match.start()))
    words = _WORD.findall(text.text)
    # a single capital ("O", "A") is an element, chain or atom name, never a filler word
    unknown = [w for w in words if (w.lower() not in FILLERS or (len(w) == 1 and w.isupper() and w != "I"))
               and not re.fullmatch(r"\d+(?:\.\d+)?", w)]
    numbers = [w for w in words if re.fullmatch(r"\d+(?:\.\d+)?", w)]
    phrases = [p for p in phrases if p.role != "filler"]
    phrases.sort(key=lambda p: p.start)
    return facts, phrases, unknown + [f"the number {n}" for n in numbers]


def understand(request: str, files: list[str] = (), residues: set[str] | None = None, topology=None,
               n_frames: int | None = None) -> Understanding:
    """The plan for ``request`` over ``files`` (the task's files, as in the folder), with
    ``topology`` (MDTraj) and ``n_frames`` of the main file to check it against. Never raises.

    A word nobody read that is one or two letters away from a word of the lexicon
    ("distnace") is read as that word, and the correction is kept with the result."""
    try:
        if topology is not None and residues is None:
            residues = {r.name for r in topology.residues}
        from .parts import define_parts
        from .residue_names import name_residues

        parts = define_parts(request, topology)  # "barnase = the first 110 residues": a selection by position
        if parts.problem:
            result = Understanding(request)
            result.problem = parts.problem
            return result
        text = parts.request.replace("Cα", "CA").replace("Cβ", "CB")  # the atom names, as files write them
        named = name_residues(text, topology)  # "the third alanine" → ALA4, "the C of ACE" → the C of ACE1
        if named.problem:
            result = Understanding(request)
            result.problem = named.problem
            return result
        result = _understand_parts(named.request, files, residues, topology, n_frames)
        result.request = request
        if result.restatement:
            note = parts.note() + named.note()
            result.restatement = result.restatement[:-1] + note + "." if result.restatement.endswith(".") \
                else result.restatement + note
        return result
    except Exception as exc:  # noqa: BLE001 - the reader never raises: a failure is an answer in words
        result = Understanding(request)
        result.problem = f"the request could not be read ({type(exc).__name__}: {exc})"
        return result


def _understand_parts(request: str, files, residues, topology, n_frames) -> Understanding:
    """The plan for the request (with any parts already written as selections), a
    two-question request split, a misspelt word corrected."""
    result = _understand(request, list(files), residues or set(), topology, n_frames)
    parts = split_compound(request) if not result.ok else []
    if not parts and not result.ok and result.facts is not None and not result.facts.selections:
        parts = split_quantities(request, result.phrases)  # only of the whole system: "mass and Rg of X" is not split
    if parts:
        asked = re.search(r"\[([^\]\[]{1,80})\]", request)
        if asked and len([i for i in asked.group(1).split(",") if i.strip()]) != len(parts):
            return result  # "[a, b, c]" asked, two questions found: not the same request
        parts = [re.sub(r"\[[^\]\[]{1,80}\]", " ", p) for p in parts]  # each part gives one of the values
        answers = [_understand(p, list(files), residues or set(), topology, n_frames) for p in parts]
        if all(a.ok for a in answers):
            from .restate import restate

            result = Understanding(request, plan=Plan(parts=[a.plan for a in answers]))
            result.restatement = restate(result.plan)
            return result
    if result.unaccounted:
        corrected, corrections = correct_spelling(request, result.unaccounted)
        if corrections:
            second = _understand(corrected, list(files), residues or set(), topology, n_frames)
            second.request, second.corrections = request, corrections
            if len(second.unaccounted) < len(result.unaccounted):
                result = second
                if result.restatement:
                    result.restatement += " (Read " + ", ".join(f"“{w}” as “{c}”" for w, c in corrections.items()) + ".)"
    return result


# "…? How many atoms and how many residues remain?": a second question word after "and"
_PRONOUN = re.compile(r"\b(?:their|its|them|those|these|it|they|sus?|ellos|ellas|estos|estas|esos|esas)\b", re.I)
_SECOND_QUESTION = re.compile(r"\s*,?\s+(?:and|y)\s+(?=(?:how many|how much|what|which|the number of|cu[áa]nt[oa]s|"
                              r"cu[áa]l(?:es)?|qu[ée])\b)", re.I)
_SENTENCE = re.compile(r"(?<=[.?!])\s+(?=[¿A-Z])")


def split_compound(request: str) -> list[str]:
    """Two questions in one sentence, each with the request's other sentences as its
    context; [] when the request is not one sentence asking two things."""
    sentences = _SENTENCE.split(request.strip())
    for number, sentence in enumerate(sentences):
        pieces = _SECOND_QUESTION.split(sentence)
        if len(pieces) != 2:
            continue
        first, second = pieces
        if _PRONOUN.search(second):
            return []  # "… and what is their mass?": "their" needs the first question's answer
        if _CONSTRAINT.search(second) and not _CONSTRAINT.search(first):
            return []  # "how many waters and how many ions are within 5 Å …": the cutoff may be for both
        # what comes before the first question ("After removing the waters, how many …") is said of both
        asked = _QUESTION.search(first)
        prefix = first[: asked.start()] if asked else ""
        context = [s for n, s in enumerate(sentences) if n != number]
        return [" ".join(context[:number] + [first.rstrip(" ,") + "?"] + context[number:]),
                " ".join(context[:number] + [prefix + second] + context[number:])]
    return []


def split_quantities(request: str, phrases: list[Phrase]) -> list[str]:
    """"number of frames and total simulated time": two quantities joined by "and", each
    with what comes before the first (the file, "In X:"); [] when they are not so joined."""
    quantities = [p for p in phrases if p.role == "quantity"]
    if len(quantities) > 2:  # "the time step between frames and …": frames qualify, they are not asked
        quantities = [p for p in quantities if p.value != "n_frames"]
    asks = [p for p in phrases if p.role in ("quantity", "count", "which")]
    if len(quantities) != 2 or not asks:
        return []
    first, second = sorted(quantities, key=lambda p: p.start)
    joins = list(re.finditer(r"\s*,?\s+(?:and|y)\s+", request[first.start + len(first.text): second.start]))
    if len(joins) != 1:
        return []
    cut = first.start + len(first.text) + joins[0].start()
    start = min(p.start for p in asks)
    opener = re.search(r"(?:¿\s*)?\b(?:what(?:'s| is| are)?|which|give me|tell me|dame|dime)\s+(?:the\s+)?$", request[:start], re.I)
    prefix = request[: opener.start() if opener else start]
    return [request[:cut].rstrip(" ,") + "?", prefix + request[cut + len(joins[0].group(0)):]]


_QUESTION = re.compile(r"(?:¿\s*)?\b(?:how many|how much|what|which|the number of|cu[áa]nt[oa]s|cu[áa]l(?:es)?|qu[ée])\b",
                       re.I)
_CONSTRAINT = re.compile(r"\b(?:within|closer|less than|below|under|a menos de|dentro de|frame|model|fotograma|modelo|"
                         r"after|without|sin|except|excluding|but)\b", re.I)


def _understand(request, files, residues, topology, n_frames) -> Understanding:
    result = Understanding(request)
    atom_names = {atom.name for atom in topology.atoms} if topology is not None else None
    counts = {"frames": n_frames or 1}
    if topology is not None:
        counts.update(atoms=topology.n_atoms, residues=topology.n_residues, chains=topology.n_chains)
    facts, result.phrases, unknown = read_phrases(request, files, residues, atom_names, counts)
    result.facts, result.unknown = facts, list(unknown)
    builder = _Builder(request, files, facts, result.phrases, residues, topology, n_frames)
    plan = builder.build()
    result.plan = plan
    result.problem = builder.problem
    if getattr(builder, "_two_words", False):  # "the two chloride ions": "two" was read, and checked
        unknown = [w for w in unknown if w.lower() not in ("two", "dos", "both", "ambos", "ambas")]
    result.unaccounted = unknown + [p.text.strip() for p in result.phrases
                                    if not p.used and p.role not in SOFT_ROLES] + \
        [m.text.strip() for m in facts.selections if id(m) not in builder.used_mentions]
    if plan is not None:
        from .restate import restate

        result.restatement = restate(plan)
    return result


# words of the lexicon a misspelling is matched against (English and Spanish)
VOCABULARY = sorted(set("""
distance distances hydrogen hydrogens bond bonds radius gyration residue residues molecule molecules atom atoms
chain chains frame frames model models water waters protein average mean maximum minimum surface accessible
solvent secondary structure helix helical helices strand strands sequence angle dihedral contact contacts
number count remove without within between center centre mass volume trajectory angstrom angstroms nanometers
nanometres degrees backbone heavy sodium chloride sulfate sulphate ligand ligands first last calculate compute
oxygen oxygens carbon carbons nitrogen alpha average averaged deviation fluctuation superposition periodic
distancia residuos átomos moléculas agua aguas proteína promedio radio giro cadena cadenas enlaces hidrógeno
superficie accesible máximo mínimo primer último fotograma fotogramas secuencia ángulo diedro masa centro
weight molecular gyration hydrogen
""".split()))


def correct_spelling(request: str, unknown: list[str], vocabulary=None) -> tuple[str, dict[str, str]]:
    """``request`` with the ``unknown`` words that are misspellings of a word of ``vocabulary``
    (default: this reader's) replaced, and what was replaced by what."""
    import difflib

    vocabulary = VOCABULARY if vocabulary is None else vocabulary
    corrections = {}
    for word in unknown:
        if len(word) < 5 or not word.isalpha():
            continue
        close = difflib.get_close_matches(word.lower(), vocabulary, n=1, cutoff=0.8)
        if not close or close[0] == word.lower():
            continue
        # letters swapped ("distnace"), or one letter off in a long word; not another word ("median", "bends")
        if close[0] in word.lower():  # "inaccessible" is not "accessible"
            continue
        swapped = sorted(close[0]) == sorted(word.lower())
        if swapped or difflib.SequenceMatcher(None, word.lower(), close[0]).ratio() >= 0.9:
            corrections[word] = close[0]
    for word, fixed in corrections.items():
        request = re.sub(rf"\b{re.escape(word)}\b", fixed, request)
    return request, corrections


_FRAMES_SPAN = re.compile(r"\b(?:spann?(?:ed|s)?|covere?d?|covers|abarca\w*|cubre\w*)\b|first to (?:the )?last|"
                          r"del primer\w* (?:fotograma |frame )?al [úu]ltimo", re.I)
SIMULATION_FORMATS = {".h5", ".xtc", ".dcd", ".trr", ".nc", ".gro", ".inpcrd", ".netcdf"}
LEVEL_WORDS = [("atoms", r"\b(?:atoms?|[áa]tomos?)\b"), ("molecules", r"\b(?:molecules?|mol[ée]culas?)\b"),
               ("residues", r"\b(?:residues?|residuos?|ions?|iones?)\b")]


def answer_size(plan: Plan) -> int:
    """How many values a plan's answer has, where fixed (0: one value, or a list of any length)."""
    if plan.parts:
        return len(plan.parts)
    return {"center": 3, "box_lengths": 3, "time_info": 2}.get(plan.quantity, 0) \
        if plan.arg("reduce_frames", "how") != "each" else 0


def asked_shape(phrases) -> int:
    """How many values an answer format like "[n_atoms, n_residues]" asks for (0: none)."""
    formats = [p.text for p in phrases if p.role == "format"]
    if not formats:
        return 0
    inside = formats[0][formats[0].index("[") + 1: formats[0].rindex("]")]
    items = [item.strip() for item in inside.split(",") if item.strip()]
    if any(item in ("...", "…") for item in items):
        return 0  # "['ALA99', 'LEU84', ...]": a list of any length
    return len(items)


def _one_part_each(plan: Plan, op: str, name: str, values: list) -> Plan:
    """The plan once for each value of its ``op`` step's argument ``name``, as the parts of one answer."""
    parts = []
    for value in values:
        part = copy.deepcopy(plan)
        part.step(op).args[name] = value
        parts.append(part)
    return Plan(parts=parts)


def _narrowed(groups: list) -> list:
    """"protein residues … any heavy atom": a class of atoms (heavy atoms, an element) named
    beside a group narrows it: one group, the atoms of that class in it."""
    if len(groups) == 2:
        classes = [g for g in groups if g.kind == "atoms" and re.fullmatch(r"(?:not )?element \w+", g.selection)]
        if len(classes) == 1:
            other = next(g for g in groups if g is not classes[0])
            return [replace(other, selection=f"{bracket(other.selection)} and {bracket(classes[0].selection)}",
                            kind="atoms")]
    return groups


def _level_in(text: str) -> str | None:
    """The level a mention's own words name ("sulfate atoms", "water molecules")."""
    for level, pattern in LEVEL_WORDS:
        if re.search(pattern, text, re.I):
            return level
    return None


_NUMBERED_FRAME = re.compile(r"\b(frame|fotograma|snapshot|marco|model|modelo|conformer|conf[óo]rmero|structure|"
                             r"estructura)\s+(?:number\s+|n[úu]mero\s+|#\s*)?(\d+)\b", re.I)


class _Builder:
    """Phrases → plan. Marks each phrase and selection it uses; leaves ``problem`` set
    when the phrases do not make one plan."""

    def __init__(self, request, files, facts: TaskFacts, phrases: list[Phrase], residues: set[str], topology,
                 n_frames):
        self.request, self.files, self.facts, self.phrases = request, files, facts, phrases
        self.residues, self.topology, self.n_frames = residues, topology, n_frames
        self.problem = ""
        self.used_mentions: set[int] = set()
        self._quantity: str | None = None
        self.chain_used = False

    # -- helpers
    def take(self, role: str, value=None) -> list[Phrase]:
        found = [p for p in self.phrases if p.role == role and (value is None or p.value == value)]
        for p in found:
            p.used = True
        return found

    def has(self, role: str, value=None) -> bool:
        return any(p.role == role and (value is None or p.value == value) for p in self.phrases)

    def values(self, role: str) -> list:
        return [p.value for p in self.phrases if p.role == role]

    def use(self, mention) -> str:
        self.used_mentions.add(id(mention))
        return mention.selection

    def fail(self, why: str) -> None:
        if not self.problem:
            self.problem = why

    # -- the plan
    def build(self) -> Plan | None:
        if not self.files:
            self.fail("no molecular file of the working folder is named in the request")
            return None
        steps = [self._load()]
        self.facts.frames = list(dict.fromkeys(self.facts.frames))  # "onto model 1 … the RMSD to model 1": one frame
        mentions = [m for m in self.facts.selections]
        removed = [m for m in mentions if m.removed]
        if removed:
            self.take("remain")
            self.take("remove")
            steps.append(Step("strip", {"selection": " or ".join(bracket(self.use(m)) if len(removed) > 1
                                                                  else self.use(m) for m in removed)}))
        kept = [m for m in mentions if not m.removed]
        quantities = list(dict.fromkeys(self.values("quantity")))
        quantity = self._choose_quantity(quantities, kept)
        self._quantity = quantity
        if self.facts.problem:
            self.fail(self.facts.problem)
        if len(set(self.facts.chain_ids)) > 1 and not self._two_sided_chains(quantity):
            self.fail("the request names more than one chain (" + ", ".join(dict.fromkeys(self.facts.chain_ids)) +
                      "); ask about one")
        if self.facts.cutoff_angstrom is not None and not 0 < self.facts.cutoff_angstrom < 1e4:
            self.fail("that cutoff is out of range")
        if quantity == "rmsf" and len(self.facts.frames) == 1:  # "fitting to frame 0": the reference
            self._reference_frame = self.facts.frames[0]
            self.facts.frames = []
        if quantity == "rmsd" and (self.has("reference") or self.has("which_frame")) and len(self.facts.frames) == 1:
            self._reference_frame = self.facts.frames[0]  # "relative to the first frame": the reference
            self.facts.frames = []
        if self.has("keep") and kept and quantity is None and not self.has("count"):
            self.take("keep")
            steps.append(Step("keep", {"selection": self.use(kept[0])}))
            kept = kept[1:]
        frames = self._frames()
        if frames:
            steps.append(frames)
        if quantity is None:
            steps += self._entities(kept, removed)
        else:
            compute = self._compute(quantity, kept)
            if compute is None:
                return None
            steps.append(compute)
            steps += self._reductions(quantity, frames)
        unit = self._unit(steps)
        if unit:
            steps.append(unit)
        if self.has("save"):
            self.take("save")
            self.take("reload")
            self.take("newfile")
            steps.append(Step("save", {"path": self.facts.save_as or "edited.pdb"}))
        if self.has("show"):
            self.take("show")
            steps.append(Step("show", {}))
        steps.sort(key=lambda s: ORDER.index(s.op))
        if self.facts.cutoff_angstrom is not None and quantity not in ("contacts", "neighbors") and \
                not self.has("fraction"):  # "in what fraction of frames is it below 3.5 Å": the condition
            self.fail(f"a distance cutoff ({self.facts.cutoff_angstrom:g} Å) is named, but "
                      f"{quantity or 'counting'} does not use one here")
        if self.facts.chain_id and not self.chain_used:
            self.fail(f"chain {self.facts.chain_id} is named, but {quantity or 'this count'} is not computed per chain "
                      "here")
        if self.take("hydrogens_included") and any(
                "element H" in str(step.args.get(name, "")) for step in steps
                for name in ("selection", "selection_2", "around") if step.op != "strip") | any(
                "element H" in str(step.args.get("selection", "")) for step in steps if step.op == "strip"):
            self.fail("hydrogens are to be included, and this plan leaves them out")
        plan = Plan(steps)
        # "count the sulfates and the waters, as [a, b]"; "phi and psi of Ala2, as [phi, psi]": one part each
        for op, name, values in (("select", "selection", getattr(self, "_each", [])),
                                 ("compute", "angle", getattr(self, "_angles", [])),
                                 ("frames", "pick", getattr(self, "_frame_picks", []))):
            if len(values) > 1 and plan.step(op):
                plan = _one_part_each(plan, op, name, values)
        shape = self._asked_shape()
        if shape and shape != answer_size(plan):
            self.fail(f"the answer is asked as a list of {shape} values; this plan gives "
                      f"{answer_size(plan) or 'one'}")
        try:
            check_shape(plan)
            if self.topology is not None:
                validate(plan, self.topology, self.n_frames)
        except PlanError as exc:
            self.fail(str(exc))
        return plan

    def _load(self) -> Step:
        from pathlib import Path

        coordinates = [f for f in self.files if Path(f).suffix.lower() in TRAJECTORY_ONLY]
        structures = [f for f in self.files if f not in coordinates]
        if coordinates and structures:
            return Step("load", {"file": coordinates[0], "topology": structures[0]})
        if coordinates and not structures:
            self.fail(f"{coordinates[0]} holds coordinates only: name its topology file too")
        if len(self.files) > 1:
            self.fail(f"the request names {len(self.files)} files; say which one to use")
        if Path(self.files[0]).suffix.lower() in (".prmtop", ".parm7", ".psf", ".top"):
            self.fail(f"{self.files[0]} holds a topology without coordinates: name its coordinates file too")
        return Step("load", {"file": self.files[0]})

    def _choose_quantity(self, quantities: list[str], kept) -> str | None:
        """The one quantity the phrases ask for; None for counting or listing entities."""
        q = list(dict.fromkeys(quantities))
        # "minimum distance" is read as one phrase; a plain "distance" next to a specific one is the same ask
        if "distance" in q and ({"min_distance", "com_distance"} & set(q)):
            q.remove("distance")
        if "n_frames" in q and len(q) > 1:  # "RMSD of the last frame": frames qualify, not the quantity
            q.remove("n_frames")
        if "angle" in q and "dihedral" in q:
            q.remove("angle")
        if "angle" in q and self.has("angle_name"):
            q[q.index("angle")] = "dihedral"
        if "contacts" in q and len(q) > 1:  # "pairs" in "hydrogen-bond pairs": the other one decides
            q.remove("contacts")
        if "timestep" in q and "total_time" in q:
            q = [x for x in q if x not in ("timestep", "total_time")] + ["time_info"]
        exposure = [p for p in self.phrases if p.role == "entity" and p.value in ("argmax", "argmin")]
        extremes = [p for p in self.phrases if p.role == "frames" and p.value in ("max", "min") and not p.used]
        if self.has("which_entity") and not exposure and extremes and {"sasa", "sasa_residue", "rmsf"} & set(q):
            # "which residue has the largest SASA": the extreme is over residues, not over frames
            extremes[0].role, extremes[0].value = "entity", "arg" + extremes[0].value
            exposure = [extremes[0]]
            q = list(dict.fromkeys("sasa_residue" if x == "sasa" else x for x in q))
        if exposure and (self.n_frames or 1) <= 1:  # "the most exposed, i.e. the largest SASA": one extreme
            for p in extremes:
                if not p.role == "entity" and "arg" + p.value == exposure[0].value:
                    p.role, p.value = "entity", exposure[0].value
        if exposure and not q:  # "the most exposed residue": SASA; "the most flexible": RMSF
            q = ["rmsf"] if "flexib" in exposure[0].text.lower() else ["sasa_residue"]
        if self.has("dssp") and not q:
            q = ["dssp"]
        if self.has("angle_name") and not q:
            q = ["dihedral"]
        if self.facts.cutoff_angstrom is not None and not q:
            q = ["contacts"] if (self.has("separation") or self.has("quantity", "contacts")) else ["neighbors"]
        if "center" in q and "distance" in q:
            q = ["com_distance"]
        if len(q) > 1:
            self.fail("the request asks for " + " and ".join(q) + "; ask for one quantity at a time")
            return None
        if not q:
            return None
        name = q[0]
        self.take("quantity")
        if name in ("n_frames", "n_bonds") and not self.has("count"):
            self.fail(f"say what to compute about the {name[2:]}")
        if name in ("n_frames", "n_bonds"):
            self.take("count")
        return name

    def _frames(self) -> Step | None:
        frames = list(self.facts.frames)
        ranges = self.take("frame_range")
        times = self.take("time")
        ordinal = self.take("ordinal")
        base = self.take("frame_base")
        if ranges:
            if len(ranges) > 1 or times or ordinal or (frames and self._quantity not in ("rmsd", "rmsf")):
                self.fail("more than one frame or range of frames is named; ask about one")
                return None
            step = self._frame_range(*ranges[0].value, base[0].value if base else None)
            for excluded in self.take("exclude_frame") if step else ():  # "leave model 1 itself out"
                word, number = excluded.value[1]
                index = int(number) - (1 if word.lower().rstrip("s") in ONE_BASED_WORDS else 0)
                start, stop = step.args.get("start", 0), step.args.get("stop")
                if step.args["pick"] != "range" or start < 0 or start <= index < (stop or index + 1):
                    self.fail(f"{word} {number} is to be left out, and the range holds it")
            return step
        if len(times) > 1 or (times and frames):
            self.fail("more than one frame or time is named; ask about one")
            return None
        if times:
            if not 0 <= times[0].value < 1e12:
                self.fail("that time is out of range")
                return None
            return Step("frames", {"pick": "time", "time_ps": times[0].value})
        if ordinal:  # "the 10th frame": counting from 1 ("the 0th": from 0)
            number = ordinal[0].value
            return Step("frames", {"pick": "index", "index": number - 1 if number > 0 else 0})
        if self._quantity == "rmsd" and len(frames) == 2:  # "RMSD of model 2 relative to model 1"
            frames = frames[:1]
        if "change" in self.values("frames"):
            if sorted(frames) != [-1, 0]:
                self.fail("a change over frames: say between the first and the last frame")
            return None  # every frame; the reduction takes the last minus the first
        if not frames:
            return None
        if sorted(frames) == [-1, 0] and self._asked_shape() == 2 and self._numbered() is None:
            self._frame_picks = ["first" if f == 0 else "last" for f in frames]  # "… -> [first, last]": one part each
            return Step("frames", {"pick": self._frame_picks[0]})
        if len(frames) > 1:
            self.fail("more than one frame is named (" + ", ".join(map(str, frames)) + "); say how to combine them")
            return None
        frame = frames[0]
        if frame == 0 and not self._numbered():
            return Step("frames", {"pick": "first"})
        if frame == -1:
            return Step("frames", {"pick": "last"})
        numbered = self._numbered()
        if numbered is None:
            return Step("frames", {"pick": "first" if frame == 0 else "index", "index": frame})
        word, number = numbered
        # PDB models and NMR conformers count from 1, MDTraj's frames from 0, unless the request says
        one_based = base[0].value == 1 if base else word.lower() in ONE_BASED_WORDS
        if one_based and word.lower() in ONE_BASED_WORDS and not self._ensemble():
            self.fail(f"{self.files[0]} is a trajectory: it has frames, not {word.lower()}s; ask for frame N "
                      "(counting from 0)")
            return None
        if one_based and number == 0:
            self.fail(f"there is no {word.lower()} 0: {word.lower()}s are numbered from 1")
            return None
        return Step("frames", {"pick": "index", "index": number - 1 if one_based else number})

    def _frame_range(self, kind: str, numbers: tuple, base: int | None) -> Step | None:
        """The frames of "the last 1000 frames", "models 2–38", "time > 40000 ps" (a slice, from 0)."""
        n = self.n_frames
        if kind == "after":
            op, value, unit = numbers
            return Step("frames", {"pick": "after_time", "time_ps": float(value) * (1000.0 if unit == "ns" else 1.0),
                                   "inclusive": op != ">"})
        if kind in ("first", "last"):
            count = int(numbers[0])
            if count < 1 or (n is not None and count > n):
                self.fail(f"{self.files[0]} has {n} frames, not {count}")
                return None
            start = (n - count if n is not None else -count) if kind == "last" else 0
            return Step("frames", {"pick": "range", "start": start, "stop": (n if kind == "last" else count)
                                   if n is not None or kind == "first" else None})
        word, first, last = numbers[0].lower().rstrip("s"), int(numbers[1]), int(numbers[2])
        one_based = base == 1 if base is not None else word in ONE_BASED_WORDS
        if word in ONE_BASED_WORDS and not self._ensemble():
            self.fail(f"{self.files[0]} is a trajectory: it has frames, not {word}s; ask for frames (counting from 0)")
            return None
        start, stop = (first - 1, last) if one_based else (first, last + 1)
        if start < 0 or stop <= start or (n is not None and stop > n):
            self.fail(f"{word}s {first} to {last} are not in {self.files[0]} ({n} frames, numbered from "
                      f"{1 if one_based else 0})")
            return None
        return Step("frames", {"pick": "range", "start": start, "stop": stop})

    def _ensemble(self) -> bool:
        """Is the main file a set of models (an NMR ensemble in a PDB or mmCIF file), not a trajectory?"""
        from pathlib import Path

        return Path(self.files[0]).suffix.lower() in (".pdb", ".cif", ".ent")

    def _numbered(self):
        """The first "frame N" / "model N" of the request, as (word, N)."""
        match = _NUMBERED_FRAME.search(self.request)
        return (match.group(1), int(match.group(2))) if match else None

    def _part_of_something(self, selection: str) -> bool:
        """Does the selection leave out atoms other than water and ions (after what is removed)?"""
        if selection in ("all", "protein") or self.topology is None:
            return False
        try:
            chosen = set(self.topology.select(selection))
            rest = set(self.topology.select("not water and not (" + " or ".join(
                f"resname {name}" for name in sorted(IONS)) + ")"))
        except Exception:  # noqa: BLE001 - validate reports selections MDTraj cannot parse
            return False
        removed = [m.selection for m in self.facts.selections if m.removed]
        if removed:
            try:
                rest -= set(self.topology.select(" or ".join(f"({r})" for r in removed)))
            except Exception:  # noqa: BLE001
                pass
        return bool(rest - chosen)

    def _overlap(self, selection: str, around: str) -> bool:
        """Do the atoms counted include some of the reference atoms?"""
        if self.topology is None:
            return selection == "all"
        try:
            return bool(set(self.topology.select(selection)) & set(self.topology.select(around)))
        except Exception:  # noqa: BLE001 - a selection MDTraj cannot parse is reported by validate
            return False

    def _asked_shape(self) -> int:
        return asked_shape(self.phrases)

    def _periodic(self) -> bool:
        """What the request says; without a word, plain distances for a crystal's unit cell
        or a file without a box, and a question for a simulation's box (the two differ a lot
        for a solvated system)."""
        if self.take("method", "pbc"):
            return True
        if self.take("method", "no_pbc"):
            return False
        from pathlib import Path

        if Path(self.files[0]).suffix.lower() in SIMULATION_FORMATS:
            self.fail("the file has a simulation box: say whether distances use periodic images (minimum image) "
                      "or not")
        return False

    def _selection_atoms(self, kept) -> str:
        """The atoms the quantity is of: the kept mentions as one selection, with a chain."""
        groups = [g for g in self.facts.groups if not g.removed]
        if not groups:
            selection = "all"
        else:
            if len(groups) > 1:
                self.fail("the request names several groups of atoms (" +
                          ", ".join(g.text.strip() for g in groups) + "); say which the quantity is of")
            for m in kept:
                self.use(m)
            selection = groups[0].selection
        self.take("level", "atoms")
        self.take("keep")
        return self._with_chain(selection)

    def _the_two(self, mention) -> list | None:
        """"the two chloride ions", "los dos cloruros": the two one-atom residues a mention
        picks, as two mentions, when the request says "two" and the file has exactly two."""
        if self.topology is None or not re.search(r"\b(?:the|both|los|las)?\s*(?:two|dos|both|ambos|ambas)\s+$",
                                                   self.request[max(0, mention.start - 20): mention.start], re.I):
            return None
        try:
            picked = self.topology.select(mention.selection)
        except Exception:  # noqa: BLE001 - an unparsable selection is reported by the plan's checks
            return None
        residues = {self.topology.atom(int(i)).residue.index for i in picked}
        if len(picked) != 2 or len(residues) != 2:
            self.fail(f"“{mention.text.strip()}” picks {len(picked)} atoms in {len(residues)} residues, not two atoms")
            return None
        self.use(mention)
        self._two_words = True
        return [replace(mention, selection=f"index {int(i)}") for i in picked]

    def _two_sided_chains(self, quantity: str | None) -> bool:
        """"residues of chain A within 4 Å of chain B": two chains, one on each side of the cutoff."""
        facts = self.facts
        return quantity == "neighbors" and len(set(facts.chain_ids)) == 2 and len(facts.chain_ids) == 2 and \
            facts.cutoff_at >= 0 and facts.chain_at[0] < facts.cutoff_at < facts.chain_at[1]

    def _chain_selection(self, chain: str) -> str | None:
        indices = [c.index for c in self.topology.chains if (getattr(c, "chain_id", None) or str(c.index)) == chain] \
            if self.topology is not None else []
        if not indices:
            self.fail(f"there is no chain {chain} in {self.files[0]}")
            return None
        return " or ".join(f"chainid {i}" for i in indices)

    def _holds_more_than_protein(self, selection: str) -> bool:
        """Does the selection, after what the request removes, pick residues other than protein?"""
        if self.topology is None:
            return False
        removed = " or ".join(bracket(m.selection) for m in self.facts.selections if m.removed)
        try:
            picked = self.topology.select(f"({selection}) and not ({removed})" if removed else selection)
        except Exception:  # noqa: BLE001 - an unparsable selection is reported by the plan's checks
            return False
        return any(not self.topology.atom(int(i)).residue.is_protein for i in picked)

    def _with_chain(self, selection: str) -> str:
        chain = self.facts.chain_id
        if not chain:
            return selection
        self.chain_used = True
        if self.topology is not None:
            chain_sel = self._chain_selection(chain)
            if chain_sel is None:
                return selection
        else:
            chain_sel = f"chainid {ord(chain.upper()) - ord('A')}" if chain.isalpha() else f"chainid {chain}"
        return chain_sel if selection == "all" else f"({selection}) and ({chain_sel})"

    def _compute(self, quantity: str, kept) -> Step | None:
        args: dict = {"quantity": quantity}
        facts = self.facts
        self.take("method", "mdtraj")
        self.take("method", "defaults")
        if quantity != "hbonds":
            self.take("method", "no_pbc")
        if quantity == "rg":
            args["selection"] = self._selection_atoms(kept)
            if self.take("method", "mass_weighted"):
                args["weights"] = "mass"
            else:
                self.take("method", "no_mass")
                args["weights"] = "none"
        elif quantity in ("sasa", "sasa_residue"):
            self.take("method", "shrake_rupley")
            self.take("method", "probe")
            if self.has("entity", "per_residue") or self.has("entity", "argmax") or self.has("entity", "argmin") \
                    or (facts.residue_numbers and len(kept) == 1 and "resSeq" in kept[0].selection):
                args["quantity"] = quantity = "sasa_residue"
                self.take("entity", "per_residue")
                if facts.residue_numbers and not (self.has("entity", "argmax") or self.has("entity", "argmin")):
                    for m in kept:
                        self.use(m)
                    args["selection"] = self._with_chain("all")
                    self._entity_value = facts.residue_numbers[0]
                    return Step("compute", args)
            args["selection"] = self._selection_atoms(kept)
            if facts.frames and len(facts.frames) > 1 and "change" not in self.values("frames"):
                self.fail("SASA of more than one frame: say how to combine them")
            context = self.take("context")
            if context:
                args["context"] = context[0].value
            elif self._part_of_something(args["selection"]):
                self.fail("the SASA of part of the system: say whether it is measured in place (with the rest "
                          "around it) or alone")
                return None
        elif quantity == "rmsd":
            self.take("method", "superposition")
            args["selection"] = self._selection_atoms(kept)
            frames = facts.frames
            if len(frames) >= 2:
                args["reference_frame"] = frames[1]
                self._rmsd_frame = frames[0]
            else:
                args["reference_frame"] = getattr(self, "_reference_frame", 0)
            self.take("reference")
        elif quantity == "rmsf":
            self.take("method", "superposition")
            self.take("reference")
            args["selection"] = self._selection_atoms(kept)
            args["reference_frame"] = getattr(self, "_reference_frame", 0)
        elif quantity in ("distance", "min_distance", "com_distance", "angle"):
            need = 3 if quantity == "angle" else 2
            groups = [g for g in facts.groups if not g.removed]
            if quantity != "angle" and len(groups) == 2:
                mentions = groups
            else:
                mentions = [m for m in kept]
            if quantity == "distance" and len(mentions) == 1 and (pair := self._the_two(mentions[0])):
                mentions = pair  # "the distance between the two chloride ions": the file has exactly two
            if len(mentions) != need:
                self.fail(f"{quantity.replace('_', ' ')} needs {need} atoms or groups; the request names "
                          f"{len(mentions)}")
                return None
            for m in kept:
                self.use(m)
            names = ["selection", "selection_2", "selection_3"]
            for name, m in zip(names, mentions, strict=False):
                args[name] = self._with_chain(m.selection)
            if quantity in ("distance", "min_distance"):
                args["periodic"] = self._periodic()
            if quantity == "distance" and self.topology is not None:
                sizes = [len(self.topology.select(args[n])) for n in names[:need]]
                empty = [args[n] for n, size in zip(names, sizes, strict=False) if size == 0]
                if empty:
                    self.fail(f"{empty[0]!r} picks no atom in {self.files[0]}")
                    return None
                if any(s != 1 for s in sizes):
                    self.fail("a distance between groups of atoms: say the minimum distance or the distance "
                              "between centres of mass")
                    return None
        elif quantity == "dihedral":
            names = self.take("angle_name")
            if not names:
                self.fail("which dihedral: phi, psi, omega or chi1?")
                return None
            args["angle"] = names[0].value
            self._angles = list(dict.fromkeys(n.value for n in names))  # "phi and psi": one answer for each
            residues = facts.residue_numbers
            if len(residues) != 1:
                self.fail("a dihedral of one residue: name it by number")
                return None
            for m in kept:
                self.use(m)
            args["residue"] = residues[0]
            if facts.chain_id:
                args["chain"] = facts.chain_id
                self.chain_used = True
        elif quantity == "dssp":
            codes = self.take("dssp")
            self.take("method", "simplified")
            if len({c.value for c in codes}) != 1:
                self.fail("which secondary-structure class: helix (H), strand (E) or coil (C)?")
                return None
            self.take("level", "residues")
            self.take("count")
            args["code"] = codes[0].value
            groups = _narrowed(group_mentions(list(kept), self.request))
            if len(groups) > 1:
                self.fail("DSSP of several groups: say of which one")
            elif groups or facts.chain_id:  # "residues of chain A", "of the protein": counted there
                for m in kept:
                    self.use(m)
                args["selection"] = self._with_chain(groups[0].selection if groups else "all")
        elif quantity == "hbonds":
            self.take("count")
            if self.take("method", "no_pbc"):
                args["periodic"] = False
            self.take("method", "pbc")
            if self.take("method", "wernet_nilsson"):
                args["method"] = "wernet_nilsson"
            else:
                self.take("method", "baker_hubbard")
                args["method"] = "baker_hubbard"
            groups = _narrowed(group_mentions(list(kept), self.request))
            between = self.has("hbond_between") or re.search(r"\b(?:between|entre)\b", self.request, re.I)
            if len(groups) == 1 and groups[0].joined_by and len(kept) >= 2 and between:
                groups = _narrowed(list(kept))  # "between X and Y": two groups, not their union
            if len(groups) == 2 and between:  # "between barnase and barstar", "connect X and Y"
                self.take("hbond_between")
                for m in kept:
                    self.use(m)
                args["selection"], args["selection_2"] = groups[0].selection, groups[1].selection
            elif len(groups) == 1 and self.take("hbond_within"):  # "intra-protein", "within the protein"
                for m in kept:
                    self.use(m)
                args["selection"] = groups[0].selection
            elif kept:
                self.fail("hydrogen bonds of part of the system: say between which two groups, or within which one")
        elif quantity == "contacts":
            self.take("count")
            if facts.cutoff_angstrom is None:
                self.fail("contacts need a cutoff distance (closer than … Å)")
                return None
            args["cutoff_nm"] = facts.cutoff_angstrom / 10.0
            args["selection"] = self._selection_atoms(kept)
            separation = self.take("separation")
            if separation:
                args["min_separation"] = separation[0].value
            args["periodic"] = self._periodic()
            levels = self.take("level")
            if any(p.value == "residues" for p in levels):
                args["level"] = "residues"
            elif any(p.value not in ("atoms",) for p in levels):
                self.fail("contacts are counted as atom pairs or residue pairs")
        elif quantity == "neighbors":
            self.take("count")
            if facts.cutoff_angstrom is None:
                self.fail("say the cutoff distance")
                return None
            args["cutoff_nm"] = facts.cutoff_angstrom / 10.0
            self.take("exclude_self")
            self.take("one_atom")
            # each side of the cutoff on its own: "protein … within 4 Å of protein chain B" names two groups
            mentions = [m for m in facts.selections if not m.removed]
            after = _narrowed(group_mentions([m for m in mentions if m.start > facts.cutoff_at], self.request))
            before = _narrowed(group_mentions([m for m in mentions if m.start < facts.cutoff_at], self.request))
            two_chains = self._two_sided_chains(quantity)
            if (len(after) != 1 and not two_chains) or len(after) > 1 or len(before) > 1:
                self.fail("within a cutoff of what? name one group after the distance")
                return None
            for m in kept:
                self.use(m)
            if two_chains:
                chains = [self._chain_selection(c) for c in facts.chain_ids[:2]]
                if None in chains:
                    return None
                sides = [bracket(m.selection) + " and " if m else "" for m in (before[:1] or [None], after[:1] or [None])
                         for m in m]
                args["selection"], args["around"] = (f"{sides[0]}({chains[0]})", f"{sides[1]}({chains[1]})")
                self.chain_used = True
                for side, chain in zip((args["selection"], args["around"]), facts.chain_ids, strict=False):
                    if self._holds_more_than_protein(side):
                        self.fail(f"chain {chain} of {self.files[0]} holds waters or other groups besides the protein: "
                                  f"say 'protein chain {chain}' or remove them first")
                        return None
            elif facts.chain_id and before:
                self.fail("a chain with two groups: say which group the chain is of")
                return None
            else:
                args["around"] = self._with_chain(after[0].selection)
                args["selection"] = before[0].selection if before else "all"
            if not self.has("exclude_self") and self._overlap(args["selection"], args["around"]):
                self.fail(f"say whether {after[0].text.strip()} itself counts (e.g. 'not counting it')")
                return None
            if self.has("unsupported"):
                return None
            levels = list(dict.fromkeys(p.value for p in self.take("level")))
            named = _level_in(before[0].text) if before else None  # "protein atoms", "water molecules"
            if len(levels) > 1:
                self.fail("count what: " + " or ".join(levels) + "?")
                return None
            if levels:
                level = levels[0]
            elif named:
                level = named
            elif before and before[0].kind == "molecules" and "element" not in before[0].selection:
                level = "residues"
            else:
                level = "atoms"
            args["level"] = level
            args["periodic"] = self._periodic()
            if level == "residues" and not self.has("count") and \
                    (self.has("names") or self.has("which_entity") or self.has("entity_report") or self.has("which")):
                # "which protein residues are within 4 Å of X", "list the residue numbers …": the residues themselves
                if (self.n_frames or 1) > 1 and not self.facts.frames:
                    self.fail(f"{self.files[0]} has {self.n_frames} frames: say in which frame to list the residues")
                    return None
                del args["level"]
                args["quantity"] = "neighbor_residues"
                args["report"] = "numbers" if self.take("entity_report", "number") else "labels"
                self.take("names")
                self.take("which_entity")
                self.take("which")
                self.take("sorted")
        elif quantity == "center":
            args["selection"] = self._selection_atoms(kept)
            text = " ".join(p.text.lower() for p in self.phrases if p.role == "quantity")
            unweighted = bool(self.take("method", "no_mass"))  # "(not mass-weighted)" is read either way
            geometric = bool(re.search(r"geom[ée]tr|centroid", text)) or unweighted
            if self.take("method", "mass_weighted") and geometric:
                self.fail("a geometric centre, mass-weighted: say which")
                return None
            args["weights"] = "none" if geometric else "mass"
        elif quantity == "mass":
            args["selection"] = self._selection_atoms(kept)
        elif quantity == "sequence":
            for m in kept:  # "the protein's sequence"
                if m.selection == "protein":
                    self.use(m)
            others = [m for m in kept if m.selection != "protein"]
            if len(others) == 1 and not facts.chain_id:  # "residues 60 to 70", a part: those residues, in file order
                args["selection"] = self.use(others[0])
            if facts.chain_id:
                args["chain"] = facts.chain_id
                self.chain_used = True
        elif quantity in ("total_time", "time_info"):
            if _FRAMES_SPAN.search(self.request):  # "the time the frames cover": first to last saved frame
                args["span"] = "saved_frames"
        elif quantity == "density":
            args["selection"] = self._selection_atoms(kept)
        elif quantity == "max_distance":
            args["selection"] = self._selection_atoms(kept)
            if self._periodic():
                self.fail("the largest distance between two atoms is computed without periodic images")
                return None
        elif quantity in ("box_volume", "box_lengths", "n_frames", "n_bonds", "timestep", "time", "temperature"):
            pass
        else:
            self.fail(f"{quantity} is not in the catalogue")
            return None
        return Step("compute", args)

    def _reductions(self, quantity: str, frames_step: Step | None) -> list[Step]:
        if self.has("fraction"):
            return self._fraction(quantity, frames_step)
        steps = []
        hows = self.values("frames")
        if quantity in ("min_distance",):
            hows = [h for h in hows if h != "min"] if not self.has("scope") else hows
        if quantity == "rmsd" and len(self.facts.frames) >= 2:
            frame = getattr(self, "_rmsd_frame", -1)
            self.take("frames")
            steps.append(Step("reduce_frames", {"how": "last" if frame == -1 else "first"}))
            return steps
        if quantity == "rmsf":
            if (self.n_frames or 1) < 2:
                self.fail(f"RMSF is a fluctuation over frames, and {self.files[0]} has one frame")
            how = "mean"
            taken = self.take("frames")
            entity = sorted(self.take("entity"), key=lambda p: p.value not in ("argmax", "argmin"))
            if entity and entity[0].value in ("argmax", "argmin"):
                how = entity[0].value
                if not self.has("which_entity") and not self.has("names"):  # "the RMSF of the most flexible atom"
                    how = "max" if how == "argmax" else "min"
                self.take("which_entity")
                self.take("level")
            elif taken:
                how = taken[0].value if taken[0].value in ("mean", "max", "min") else "mean"
            self.take("scope")
            return [Step("reduce_entities", {"level": "atoms", "how": how, **self._entity_report(how)})]
        if quantity == "sasa_residue":
            entity = sorted(self.take("entity"), key=lambda p: p.value not in ("argmax", "argmin"))
            self.take("level", "residues")
            value = getattr(self, "_entity_value", None)
            if value is not None:
                steps.append(Step("reduce_entities", {"level": "residues", "how": "value", "residue": value}))
            elif entity and entity[0].value in ("argmax", "argmin"):
                how = entity[0].value
                if not self.has("which_entity") and not self.has("names") and self.has("quantity"):
                    how = "max" if how == "argmax" else "min"  # "the SASA of the most exposed residue": its value
                self.take("which_entity")
                steps.append(Step("reduce_entities", {"level": "residues", "how": how, **self._entity_report(how)}))
            else:
                self.fail("SASA per residue: say which residue, or ask for the most or least exposed one")
            hows = self.values("frames")
            if hows:
                self.take("frames")
                self.take("scope")
                steps.append(Step("reduce_frames", {"how": hows[0]}))
            elif not frames_step and (self.n_frames or 1) > 1:
                self.fail(f"{self.files[0]} has {self.n_frames} frames: say which frame, or average over them")
            return steps
        if self.has("which_frame"):
            return self._extreme_frame(quantity, frames_step, hows)
        if (self.n_frames or 1) == 1 and not hows:
            self.take("scope")  # "over all frames" of a single-frame file: the one frame
        if quantity not in FRAME_QUANTITIES:
            if hows:
                self.fail(f"{quantity} has one value, not one per frame")
            return steps
        if frames_step is not None and frames_step.args.get("pick") not in RANGE_PICKS:
            if hows:
                self.fail("a single frame was picked, and a reduction over frames was asked for too")
            return steps
        hows = list(dict.fromkeys(hows))
        if len(hows) == 2 and "each" in hows:  # "the per-frame RMSD … its maximum": the series, then its maximum
            hows.remove("each")
        if len(hows) > 1:
            self.fail("several reductions over frames (" + ", ".join(hows) + "); ask for one")
            return steps
        if hows:
            self.take("frames")
            self.take("scope")
            steps.append(Step("reduce_frames", {"how": hows[0]}))
        elif (self.n_frames or 1) > 1 or frames_step is not None:
            if self.has("scope") or frames_step is not None:
                self.fail("over all frames: say how to combine them (mean, max, min, each)")
            else:
                self.fail(f"{self.files[0]} has {self.n_frames} frames: say which frame (first, last, "
                          "frame N) or how to combine them (mean, max, min)")
        return steps

    def _fraction(self, quantity: str, frames_step: Step | None) -> list[Step]:
        """"in what fraction of frames is psi positive / the distance below 2.5 Å": the share
        of the frames whose value passes one test, in the quantity's own unit."""
        share = self.take("fraction")[0].value
        self.take("scope")
        if (self.n_frames or 1) < 2 and not (frames_step and frames_step.args.get("pick") in RANGE_PICKS):
            self.fail(f"{self.files[0]} has one frame: a fraction of frames needs several")
            return []
        if frames_step is not None and frames_step.args.get("pick") not in RANGE_PICKS:
            self.fail("a single frame was picked, and a fraction of frames was asked for too")
            return []
        raw = QUANTITIES[quantity].unit
        tests = []
        for phrase in self.take("condition"):
            kind, groups = phrase.value
            if kind in ("positive", "negative"):
                tests.append(("above" if kind == "positive" else "below", 0.0))
                continue
            number, unit = float(groups[0]), (groups[1] if len(groups) > 1 else "")
            if not unit and raw in ("nm", "nm²", "nm³", "ps"):  # "RMSD above 2": 2 nm or 2 Å?
                self.fail(f"say the unit of {groups[0]} ({quantity} comes in {raw}; Å or nm?)")
                return []
            unit = {"°": "degrees", "deg": "degrees", "grados": "degrees", "grado": "degrees", "degree": "degrees",
                    "angstrom": "Å", "angstroms": "Å"}.get(unit.lower() if unit != "Å" else unit, unit)
            if unit and unit != raw:
                factor = unit_factor(raw, unit)
                if factor is None:
                    self.fail(f"{unit} is not a unit of {quantity} (it comes in {raw})")
                    return []
                number /= factor
            tests.append(("above" if kind == ">" else "below", number))
        if self.facts.cutoff_angstrom is not None and raw == "nm":  # "shorter than 2.5 Å"
            tests.append(("below", self.facts.cutoff_angstrom / 10.0))
        if not tests and quantity == "dssp":  # "in what fraction of models is Asp9 assigned helix"
            tests.append(("above", 0.0))
        if len(tests) != 1:
            self.fail("a fraction of frames with " + ("no condition" if not tests else "several conditions") +
                      ": say one (above or below a value)")
            return []
        args = {"how": "fraction", tests[0][0]: tests[0][1]}
        if share == "percent":
            args["percent"] = True
        return [Step("reduce_frames", args)]

    def _entity_report(self, how: str) -> dict:
        """"answer with its residue number": the number, not the label, of the residue found."""
        if how in ("argmax", "argmin") and self.take("entity_report", "number"):
            return {"report": "number"}
        return {}

    def _extreme_frame(self, quantity: str, frames_step: Step | None, hows: list) -> list[Step]:
        """"Which model has the largest RMSD", "at what time is the Rg smallest": the frame, as
        an index, a model number or a time."""
        reports = list(dict.fromkeys(p.value for p in self.take("which_frame")))
        extremes = [h for h in dict.fromkeys(hows) if h in ("max", "min")]
        if len(reports) > 1:
            self.fail("which frame: say whether you want its number, its model number or its time ("
                      + " and ".join(reports) + " were asked)")
            return []
        if len(extremes) != 1:
            self.fail("which frame: say whether the largest or the smallest value is wanted" if not extremes
                      else "ask for one frame: where the value is largest or smallest")
            return []
        if quantity not in FRAME_QUANTITIES or frames_step is not None:
            self.fail("which frame has the largest or smallest value: one value per frame, over all frames")
            return []
        if reports[0] == "model" and not self._ensemble():
            self.fail(f"{self.files[0]} is a trajectory: it has frames, not models; ask which frame")
            return []
        self.take("frames")
        self.take("scope")
        self.take("per_frame")
        return [Step("reduce_frames", {"how": "argmax" if extremes[0] == "max" else "argmin", "report": reports[0]})]

    def _entities(self, kept, removed) -> list[Step]:
        """Counting or listing: select, then reduce over entities."""
        facts = self.facts
        self.take("method", "no_pbc")
        counting = self.take("count")
        listing = (self.has("names") or self.has("which")) and not counting
        ligand = self.take("ligand")
        hetero = self.take("hetero")
        levels = self.take("level")
        groups = [g for g in facts.groups if not g.removed]
        if hetero and not ligand and not groups:
            selection, level = "not protein", "residues"  # what is removed ("other than water") is stripped first
        elif ligand:
            names = ligand_residues(self.residues)
            if not names:
                self.fail(f"{self.files[0]} has no ligand residues (non-protein, non-water, non-ion)")
                return []
            selection = " or ".join(f"resname {n}" for n in names)
            level = "residues"
        elif groups:
            for m in kept:
                self.use(m)
            if len(groups) > 1:
                self.fail("the request names several groups (" + ", ".join(g.text.strip() for g in groups) +
                          "); say which to count")
            members = [m for m in self.facts.selections if not m.removed and
                       groups[0].start <= m.start < groups[0].start + len(groups[0].text)]
            if groups[0].joined_by == "and" and not self.has("together") and 1 < len(members) == self._asked_shape():
                self._each = [m.selection for m in members]  # "[n_sulfate, n_water]": each counted on its own
            elif groups[0].joined_by == "and" and not self.take("together"):
                self.fail(f"count {groups[0].text.strip()} together (one number) or each (a list)?")
            selection = groups[0].selection
            level = None
        elif removed or self.has("remain") or facts.save_as or self.has("save") or self.has("show"):
            selection, level = "all", "atoms"
        else:
            selection, level = "all", None
        selection = self._with_chain(selection)
        asked = [p.value for p in levels]
        named = [lv for m in groups if (lv := _level_in(m.text))]  # "sulfate atoms", "water molecules"
        if not named and not asked and not groups:  # "how many non-water molecules": what is left, by that level
            named = [lv for m in facts.selections if m.removed and (lv := _level_in(m.text))]
        if named and not asked:
            asked = named[:1]
        elif named and asked and named[0] not in asked and not (named[0] == "residues" and ligand):
            # "residues of the CA atoms" counts residues; "water molecules and chains" asks two things
            joined = any(re.match(r"^\W*(?:and|y|&|,)\W*$", self.request[min(a, b): max(a, b)], re.I)
                         for m in groups for p in levels
                         for a, b in ((m.start + len(m.text), p.start), (p.start + len(p.text), m.start)))
            if joined:
                self.fail(f"count what: {named[0]} or {asked[0]}?")
        if asked:
            if len(set(asked)) > 1:
                # "water molecules … their oxygen atoms" is read by slots; two levels left means two asks
                if set(asked) == {"residues", "molecules"}:
                    asked = ["molecules"]
                else:
                    self.fail("count what: " + " or ".join(dict.fromkeys(asked)) + "?")
            level = asked[0]  # "molecules" are MDTraj's bonded molecules (a water, an ion, a protein chain)
        if level is None:
            if groups and groups[0].kind == "molecules" and "element" not in groups[0].selection:
                level = "residues" if selection not in ("protein",) else "atoms"
                if selection.startswith("protein"):
                    self.fail("count what of the protein: atoms, residues or chains?")
            elif groups:
                level = "atoms"
        if level is None:
            self.fail("count or list what: atoms, residues, molecules or chains?")
            return []
        if not (counting or listing or removed or self.has("remain") or self.has("save") or self.has("show")):
            self.fail("what to do with " + (groups[0].text.strip() if groups else "the selection") +
                      ": count it, list it, or compute a quantity?")
        how = "names" if listing else "count"
        if listing:
            self.take("names")
            self.take("which")
            self.take("sorted")
        self.take("remain")
        self.take("keep")
        return [Step("select", {"selection": selection}), Step("reduce_entities", {"level": level, "how": how})]

    def _unit(self, steps: list[Step]) -> Step | None:
        units = self.take("unit")
        asked = list(dict.fromkeys(p.value for p in units))
        if self.facts.unit and self.facts.unit not in asked:
            asked.append(self.facts.unit)
        if not asked:
            return None
        plan = Plan(sorted(steps, key=lambda s: ORDER.index(s.op)))
        if plan.quantity == "time_info":
            return None  # [ps, ns] by definition
        raw = QUANTITIES[plan.quantity].unit if plan.step("compute") else "count"
        if plan.arg("reduce_frames", "how") in ("argmax", "argmin"):
            raw = plan.unit  # a time (ps) or a frame number
        wanted = [u for u in asked if u != raw] or asked
        if len(wanted) > 1:
            self.fail("more than one unit: " + ", ".join(wanted))
            return None
        if unit_factor(raw, wanted[0]) is None:
            if wanted[0] == "ps" and raw == "ps":
                return None
            self.fail(f"{wanted[0]} is not a unit of {plan.quantity.replace('_', ' ')} (it comes in {raw or 'no unit'})")
            return None
        return Step("convert", {"unit": wanted[0]}) if wanted[0] != raw else None
