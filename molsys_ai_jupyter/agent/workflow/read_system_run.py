"""The readings of a workflow request's system, minimisation, run and platform."""

from __future__ import annotations

import re
from pathlib import Path

from .plan import Minimise
from .reading import IGNORECASE, INT, LENGTH, N, Reading, length_nm, number

_FORCEFIELDS = {  # names said without a file → OpenMM's files
    r"amber14(?:-all)?|amber ff14sb|ff14sb": "amber14-all.xml", r"(?:amber\s+)?(?:amber99sb-?ildn|ff99sb-?ildn)": "amber99sbildn.xml",
    r"amber99sb": "amber99sb.xml", r"amber03": "amber03.xml", r"amber10": "amber10.xml", r"amber96": "amber96.xml",
    r"charmm36": "charmm36.xml",
}
_IMPLICIT = {"obc2": "OBC2", "obc1": "OBC1", "gbn2": "GBn2", "gbn": "GBn", "hct": "HCT"}


def read_system(r: Reading) -> None:
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
    for m in r.take(rf"\bnonbondedcutoff\s*=\s*{N}\s*\*\s*(?:unit\.)?(nanometers?|angstroms?)"):
        r.s().cutoff_nm = length_nm(m.group(1), m.group(2))
    for m in r.take(rf"{N}\s*{LENGTH}\s*(?:nonbonded\s+|non-bonded\s+)?cut-?off|(?:nonbonded\s*)?(?:cut-?off|corte)\s*(?:of|=|de)?\s*{N}\s*{LENGTH}"):
        g = [x for x in m.groups() if x]
        r.s().cutoff_nm = length_nm(g[0], g[1])
    r.take(r"\bnonbonded\s*method\b|\bnonbonded\b")
    r.take(r"\b(?:the\s+)?default (?:ewald )?error tolerance\b|\bat the (?:inpcrd |file'?s? )?coordinates(?: and box)?\b")
    r.take(r"\(\s*not\s+(?:hbonds|allbonds|hangles|h-bonds|nocutoff|pme|ewald|ljpme|cutoffperiodic|cutoffnonperiodic)\s*\)")
    if r.system is not None and r.system.nonbonded in ("NoCutoff", "CutoffNonPeriodic"):
        r.take(r"\(?\b(?:no|without|sin)\s+(?:a\s+)?periodic\s+box\)?|\(?\bsin\s+caja\s+peri[óo]dica\)?")
    cons = {"hbonds": "HBonds", "h-bonds": "HBonds", "allbonds": "AllBonds", "all bonds": "AllBonds", "hangles": "HAngles"}
    if r.any(r"\b(?:no|without|sin|none)\s+(?:constraints|restricciones)\b|constraints\s*=\s*none|\bunconstrained\b"):
        r.s().constraints = None
    said = set()
    for _m in r.take(r"\b(?:bonds\s+to\s+hydrogens?|hydrogen\s+bonds|bonds\s+(?:with|involving)\s+hydrogens?)\s+constrained\b"):
        said.add("HBonds")
        r.s().constraints = "HBonds"
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
    every = re.search(rf"barost\w*[^.;,?]{{0,40}}?\b((?:every|cada)\s+{INT}\s*(?:md\s+)?(?:steps|pasos))", r.text.text, IGNORECASE)
    if every:
        r.text.blank(every.start(1), every.end(1))
        r.s().barostat_every = int(number(every.group(2)))
    for m in r.take(rf"{N}\s*(bar|atm)\b(?:\s+(?:monte carlo\s+)?barostat)?|(?:monte carlo\s+)?barostat\w*\s*(?:at|of|de)?\s*{N}\s*(bar|atm)"):
        g = [x for x in m.groups() if x]
        r.s().pressure_bar = number(g[0]) * (1.01325 if g[1].lower() == "atm" else 1.0)
    r.take(r"\b(?:with\s+)?(?:the\s+|its\s+)?default\s+createsystem\s+(?:arguments|settings|options|parameters)\b|"
           r"\bcreatesystem'?s?\s+defaults\b")
    if r.system is not None and r.system.pressure_bar is not None:
        r.take(r"\bnpt\b(?:\s+(?:run|simulation|ensemble))?|\bconstant[- ]pressure\b|\bpresi[óo]n constante\b")  # the barostat, named
    r.take(r"\bcreatesystem\b|\b(?:an? )?(?:openmm )?system\b|\bsistema\b")


def read_minimise(r: Reading) -> None:
    if r.any(r"\b(?:without|no|sin|not|before|don'?t|do not)\s+(?:any\s+|ninguna\s+)?(?:energy\s+)?(?:minimi[sz]\w*|minimizar|minimizaci[óo]n)\b|"
             r"\b(?:un|not\s+)minimi[sz]ed\b|\bsin minimizar\b|\bno\s+minim\b\.?"):
        return
    if re.search(r"\bminimi[sz]\w*|\bminimiza\w*", r.text.text, IGNORECASE):  # "relax it … minimise to 10": that minimisation
        r.take(r"\b(?:and\s+)?relax(?:es|ing)?\b(?:\s+(?:the\s+)?(?:structure|system|geometry)\b)?")
    if not r.any(r"\b(?:simulation\.)?minimizeenergy\w*|\bminimi[sz]\w*|\blocalenergyminimizer\w*|\bminimiza\w*|"
                 r"\benergy minimi[sz]ation\b"):
        return
    r.minimise = Minimise()
    r.take(r"\b(?:openmm'?s\s+)?l-?bfgs\b|\buntil\b(?=[^.;?]{0,40}(?:tolerance|forces?|gradient))|"
           r"\b(?:is|are)\s+reached\b|\bstop\s+after\b")
    for m in r.take(rf"\b(?:(?:force\s+)?(?:tolerance|tolerancia|tol)|down to|(?:the\s+)?(?:forces?|gradient)\s+(?:are\s+|is\s+)?"
                    rf"(?:below|under|less than))\s*(?:of|=|de)?\s*{N}(?:\s*(kj\s*/\s*mol\s*/\s*nm|kj mol-1 nm-1|kj/\(mol\s*nm\)|"
                    rf"kcal\s*/\s*mol\s*/\s*(?:å|a|angstrom)|kj\s*/\s*mol\s*/\s*(?:å|a))\b)?"):
        unit = (m.group(2) or "kj/mol/nm").lower().replace(" ", "")
        factor = {"kcal/mol/å": 41.84, "kcal/mol/a": 41.84, "kcal/mol/angstrom": 41.84, "kj/mol/å": 10.0,
                  "kj/mol/a": 10.0}.get(unit, 1.0)
        r.minimise.tolerance = number(m.group(1)) * factor
    if r.any(r"\b(?:no|without|sin)\s+(?:max(?:imum)?\s+)?(?:iteration|iteraci[óo]n)(?:s|es)?\s*(?:limit|l[íi]mite)?\b|"
             r"\b(?:no|without|sin)\s+(?:limit|l[íi]mite)\s+(?:on|of|to|de|en)\s+(?:the\s+|las\s+)?(?:number of\s+)?(?:iterations|iteraciones)\b|"
             r"\bno max iterations\b|\bsin l[íi]mite de iteraciones\b|maxiterations\s*=\s*0|until (?:it )?converge[sd]?|"
             r"\(?\b(?:no|without|sin)\s+(?:iteration|iteraci[óo]n)\s+(?:cap|limit|l[íi]mite)\)?|"
             r"\(?\bno\s+limit\s+on\s+the\s+number\s+of\s+(?:steps|iterations)\)?"):
        r.minimise.max_iterations = 0
    for m in r.take(rf"\b(?:at most|max(?:imum)?(?: of)?|maxiterations\s*(?:=|of)?|up to|hasta|a lo sumo|como m[áa]ximo|"
                    rf"(?:un\s+)?m[áa]ximo(?:\s+de)?|capped at|limited to|a cap of)\s*{INT}\s*(?:iterations|steps|iteraciones|pasos)?|"
                    rf"{INT}\s*(?:minimi[sz]ation\s+)?(?:iterations|iteraciones)"):
        r.minimise.max_iterations = int(number(m.group(1) or m.group(2)))
        if r.minimise.max_iterations == 0:
            r.problems.append("0 iterations (OpenMM reads 0 as no limit); ask for no minimisation or for a number")
    r.take(r"\(?\s*default settings\s*\)?|\bdefault\b")
    r.take(r"\btolerance\b|\btolerancia\b|kj/mol/nm")


_SAVING = r"(?:\b(?:saving|writing|save|write|record\w*|logging|log|guardando|escribiendo|guarda|escribe)\s+(?:a\s+|an\s+|one\s+|the\s+|un\s+|una\s+)?)?"


def read_simulate(r: Reading) -> None:
    # the words that name a run; whether there is one is said by its length (steps or ps) below
    equilibration = [int(number(next(g for g in m.groups() if g))) for m in r.take(
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
            intervals[kind] = int(number(next(g for g in m.groups() if g)))
    ps_intervals = {}
    for kind, words in interval_words.items():
        for m in r.take(rf"{_SAVING}\b(?:{words})(?:\s+(?:reporter|file|frame|data|writing|saving|written|output|de|la|el|a|an?|"
                        rf"en|un|una|in|to|into|dcd|csv))*\s*"
                        rf"(?:every|cada|each)\s*{N}\s*(ps|fs|picoseconds?|picosegundos?)\b"):
            ps_intervals[kind] = number(m.group(1)) / (1000.0 if m.group(2).lower() == "fs" else 1.0)
    if "state" in intervals:
        r.take(r"\b(?:step|time|potential energy|temperature|paso|tiempo|energ[íi]a potencial|temperatura)"
               r"(?:\s*,\s*(?:step|time|potential energy|temperature|paso|tiempo|energ[íi]a potencial|temperatura))*\b")
    r.take(r"\b(?:a\s+)?(?:dcd\s*reporter|dcdreporter|statedatareporter|state\s*data\s*reporter|reporter)s?\b|"
           r"\bto a csv(?: file)?\b|\bcsv\b|\bdcd\b(?:\s+file)?")
    r.take(r"\b(?:sin guardar nada|without saving anything|with nothing saved)\b|\b(?:a\s+|an\s+)?(?:nvt\s+)?production\s+run\b|"
           r"\b(?:haz\s+)?(?:una\s+)?producci[óo]n\b(?=\s+de\s+\d)")
    steps = [int(number(m.group(1))) for m in r.take(rf"\b(?:run|for|during|durante|corre|ejecuta)?\s*{INT}\s*(?:md\s+|more\s+|integration\s+|production\s+)?(?:time\s*)?(?:steps|pasos)\b"
                                                 rf"(?:\s+de\s+(?:din[áa]mica|producci[óo]n))?")]
    dt_ps = [number(m.group(1)) * 1000.0 for m in r.take(rf"\b(?:dt|time\s*step|timestep|step size|integration step|paso de tiempo)\s*(?:=|of|de)?\s*{N}\s*ps\b")]
    dt_ps += [number(m.group(1)) for m in r.take(rf"\bdt\s*(?:=|of|de)?\s*{N}\s*fs\b")]
    length = r.take(rf"\b{N}\s*(ps|ns|picoseconds?|nanoseconds?|picosegundos?|nanosegundos?)\b(?:\s+(?:of\s+)?(?:md|simulation|dynamics|run|long)|"
                    rf"\s+de\s+(?:din[áa]mica|simulaci[óo]n|md))?")
    temps = [(number(m.group(1)), m) for m in r.take(rf"\b{N}\s*(?:k|kelvin)\b")]
    step_fs = [number(m.group(1) or m.group(2)) for m in r.take(
        rf"\b{N}\s*(?:-\s*)?(?:fs|femtoseconds?|femtosegundos?)\b(?:\s+(?:time\s*)?(?:steps?|timestep|paso))?|"
        rf"(?:time\s*step|timestep|paso de tiempo|paso|step)\s*(?:of|=|de)?\s*{N}\s*(?:fs|femtoseconds?|femtosegundos?)\b")]
    step_fs += dt_ps
    friction = [number(m.group(1) or m.group(2)) for m in r.take(
        rf"\b(?:friction|fricci[óo]n|collision rate)\s*(?:coefficient\s*)?(?:of|=|de)?\s*{N}\s*(?:/\s*ps|ps\^?-1|ps⁻¹|1/ps|per ps)|"
        rf"\b{N}\s*(?:/\s*ps|ps\^?-1|ps⁻¹|per ps)\b(?:\s+(?:friction|collision rate))?")]
    r.take(r"\b(?:friction|fricci[óo]n)\b")
    seeds = [(int(m.group(1)), m) for m in r.take(rf"\b(?:random\s+|integrator\s+|with\s+)?(?:seed|semilla)\s*(?:=|of|de)?\s*{INT}")]
    r.take(r"\b(?:the same|la misma)\s+(?:seed|semilla)\b|\bfor both\b|\bpara ambos\b|\bfor everything\b|\bpara todo\b")
    budget = r.take(rf"\b(?:for\s+)?(?:at most|no more than|up to|within|a lo sumo|como m[áa]ximo|durante)\s+{N}\s*"
                    rf"(min(?:ute)?s?|minutos?|h|hours?|horas?)\b(?:\s+(?:of\s+)?(?:wall[- ]?clock|compute|cpu)(?:\s+time)?)?|"
                    rf"\b(?:a\s+)?(?:time\s+)?budget\s+(?:of\s+)?{N}\s*(min(?:ute)?s?|h|hours?)\b")
    r.take(r"\b(?:(?:assign|set|give it|draw|asigna|dale|pon)\w*\s+(?:the\s+|las\s+)?)?(?:initial\s+)?"
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
        value, unit = number(length[0].group(1)), length[0].group(2).lower()
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
        m.budget_minutes = number(g[0]) * (60.0 if g[1].lower().startswith("h") else 1.0)
    m.dcd_every = intervals.get("dcd")
    m.state_every = intervals.get("state")
    m.checkpoint_every = intervals.get("checkpoint")
    r.take(r"\b(?:at|a)\b(?=\s*$)|\(\s*k\s*\)")


def read_platform(r: Reading) -> None:
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
