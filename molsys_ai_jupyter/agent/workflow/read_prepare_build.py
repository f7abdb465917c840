"""The readings of a workflow request's files, layout, PDBFixer steps and Modeller steps."""

from __future__ import annotations

import re
from pathlib import Path

from .plan import BOX_SHAPES, NEGATIVE_IONS, POSITIVE_IONS
from .reading import IGNORECASE, LENGTH, N, Reading, length_nm, number


def read_files_and_tools(r: Reading) -> None:
    for name in sorted(r.files, key=len, reverse=True):
        r.take(re.escape(name))
    for name in r.files:
        r.take(rf"\b{re.escape(Path(name).stem)}\b(?:\s+(?:pdb|file|structure))?")
    r.take(r"\bff\b(?=\s+(?:amber|charmm|[\w/-]+\.xml))")  # "ff amber14-all.xml": the force field
    for m in r.take(r"(?<![\w/.-])((?:[\w-]+/)?[\w-]+\.xml)\b(\s+(?:alone|only|solo|s[óo]lo)\b)?|"
                    r"(?<![\w/.-])((?:amber\d+|charmm\d+|implicit)/[\w-]+)\b"):
        r.forcefield.append(m.group(1) or m.group(3) + ".xml")
        r.vacuum = r.vacuum or bool(m.group(2))
    r.take(r"\b(?:pdb\s*fixer|openmm(?:'s)?|modell?er|pdbfile|app\.pdbfile|amberprmtopfile|amberinpcrdfile|python|de openmm|el modeller|"
           r"con openmm)\b")
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


def read_phrasing(r: Reading) -> None:
    """How requests are laid out and what they say about the files: nothing to do."""
    # a number said in words with its digits beside it ("pH four (4.0)"): the digits are read, the word is the same
    for m in re.finditer(r"\b([a-z]+)\s*\(\s*(\d+(?:\.\d+)?)\s*\)", r.text.text, IGNORECASE):
        if _NUMBER_WORDS.get(m.group(1).lower()) == float(m.group(2)):
            r.text.blank(m.start(1), m.start(2))  # the word and "("
            r.text.blank(m.end(2), m.end())  # ")"
    r.take(r"(?m)^\s*(?:step\s+)?\d{1,2}[.)](?=\s)")  # a numbered protocol's markers
    r.take(r"\b(?:question|pregunta)\s*:|\bfilename\s*=|\bff\b(?=\s+(?:amber|charmm|\w+\.xml))|\(\s*context\s*,|"
           r"\b(?:(?:and|with)\s+)?(?:all\s+)?other\s+(?:args|arguments|options|settings)\s+(?:at\s+)?(?:their\s+)?defaults?\b|"
           r"\bafter\s+(?:the\s+)?solvation\b|\bfrom the start\b|\bdesde el inicio\b")
    r.take(r"\bmodel\s+1\b(?=\s*[,)])|\b(?:h|hydrogens)\s+already\s+(?:there|present|in place)\b|"
           r"\bwith\s+its\s+(?:own\s+)?hydrogens\b(?:\s+included)?|\bhydrogens\s+included\b|"
           r"\bya\s+tiene\s+hidr[óo]genos,?\s*(?:no\s+a[ñn]adas\s+m[áa]s)?|,?\s*\bno\s+a[ñn]adas\s+m[áa]s\b|"
           r"(?<=hydrogens)\s*,?\s*(?:do not|don'?t)\s+add\s+(?:any(?:\s+more)?|more)\b")
    r.take(r"\(\s*all\s+chains\s*\)|\b(?:all|every|both)\s+chains\s+together\b|\b(?:summed|in total)\s+over\s+(?:all\s+)?(?:the\s+)?chains\b|"
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
    if re.search(r"degrees of freedom|\bdofs?\b|grados de libertad", r.request, IGNORECASE):  # what the DOF are for, said
        r.take(r"\b(?:will|does|would)\s+(?:the\s+)?statedatareporter\s+use\s+(?:when|to)\s+(?:it\s+)?comput\w+\s+(?:the\s+)?temperature\b|"
               r"\(?(?:with\s+)?(?:the\s+)?default\s+cmmotionremover(?:\s+kept)?\)?|\bcmmotionremover\s+kept\b")
    r.take(r"\b(?:at\s+)?body temperature\b(?=\s*[:,;(])")  # said, and then given in K


# a chain of verbs before what they act on: "find and add", "busca y añade", "look for / rebuild"
_VERBS = (r"(?:\b(?:find|search(?: for)?|look for|identify|detect|check for|locate|add|model|build|rebuild|fill in|replace|"
          r"fix|complete|busca\w*|encuentra\w*|identifica\w*|a[ñn]ade\w*|agrega\w*|reconstruy\w*|modela\w*|completa\w*|"
          r"reemplaza\w*|sustituy\w*)\s*(?:(?:and|/|y|then|luego)\s*)?)*")


def read_prepare(r: Reading) -> None:
    # what is not to be done, first ("no hydrogens", "do NOT want the missing residues modelled")
    if r.any(r"\b(?:do not|don'?t)\s+add\s+(?:any\s+)?(?:missing\s+)?(?:residues|atoms|hydrogens)(?:\s*(?:,|or|and|nor)\s*"
             r"(?:missing\s+)?(?:residues|atoms|hydrogens))+\b"):
        r.notes.append("nothing added")
    if r.any(r"\b(?:do not|don'?t|not)\b[^.;]{0,40}missing residues[^.;]{0,12}(?:modell?ed|built|added)|"
             r"(?:and )?(?:then )?empty(?:ing)? (?:the )?(?:fixer\.)?missingresidues(?: dict\w*)?|"
             r"without (?:modell?ing|building|adding) (?:the )?missing residues|missingresidues\s*=\s*\{\s*\}|"
             r"(?:sin|no) (?:modelar|construir|a[ñn]adir|modeles|construyas|a[ñn]adas|reconstruyas) (?:el |los )?residuos? "
             r"(?:faltantes?|que faltan?)(?:\s*\([^)]{0,60}\))?(?:\s+ni nada m[áa]s)?|"
             r"\b(?:do not|don'?t)\s+(?:model|build|add|rebuild)\s+(?:the\s+)?missing residues?(?:\s*\([^)]{0,60}\))?"):
        r.p().missing_residues = "ignore"
    for _m in r.take(r"\bno (?:a[ñn]adas|agregues|a[ñn]adir) ((?:residuos|[áa]tomos|hidr[óo]genos)(?:,? (?:ni |y )?"
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
    if re.search(r"missing residues", r.request, IGNORECASE):
        r.take(r"\b(?:and\s+)?keep\s+(?:everything|all(?: of it)?)\s+(?:it|that it|pdbfixer)\s+finds\b")
    r.take(r"\(\s*(?:the\s+)?(?:one|two|three|four|\d+)\s+(?:c|n)-terminal\s+ones?\s*\)|\(\s*(?:tambi[ée]n|also)\s+(?:a\s+)?(?:las|the)\s+(?:aguas|waters)\s*\)")
    if r.any(rf"{_VERBS}(?:any |all |the |los |cualquier )?missing residues?(?:\s*(?:/|\+|and|y)\s*(?:heavy\s+)?atoms)?\b|findmissingresidues|"
             rf"{_VERBS}(?:los |cualquier )?residuos? (?:faltantes?|que faltan|ausentes?)"):
        if r.p().missing_residues == "skip":
            r.p().missing_residues = "model"
        if re.search(r"missing residues\s*(?:/|\+|and)\s*(?:heavy\s+)?atoms|residuos y [áa]tomos (?:faltantes|que faltan)", r.request, IGNORECASE):
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
            r"\bwaters? (?:are |is )?kept\b", IGNORECASE)
        drop_pattern = re.compile(
            r"\b(?:including|incl\.|and|as well as|plus|also|too|y|incluid[ao]s?|tambi[ée]n|con)\s+(?:the\s+|el\s+|las?\s+)?"
            r"(?:crystal(?:lographic)?\s+)?(?:water(?: molecule)?s?|(?:mol[ée]culas de )?aguas?)(?:\s+too|\s+as well)?\b|"
            r"\((?:tambi[ée]n|also|incl\w*) (?:el |the |las )?(?:aguas?|waters?)\)|keepwater\s*=\s*false|"
            r"(?:water(?:s)? included|waters? too)", IGNORECASE)
        keep = list(keep_pattern.finditer(window))
        # "keeping the crystal water (remove the heterogens with keepWater=True)": said before them
        before = re.search(r"\b(?:conservando|manteniendo|keeping|preserving|retaining)\s+(?:the\s+|el\s+|las?\s+)?"
                           r"(?:crystal\w*\s+)?(?:water(?: molecule)?s?|aguas?)(?:\s+cristalogr[áa]fic[ao]s?)?\b",
                           r.text.text[:het[0].start()], IGNORECASE)
        if before:
            r.text.blank(before.start(), before.end())
            keep.append(before)
        drop = list(drop_pattern.finditer(window))
        named = re.match(r"\s*(?:with\s+)?[-–—:(]?\s*((?:(?:the|el|la|los|las)\s+)?[\w+-]+(?:\s*(?:,|\band\b|\by\b)\s*(?:(?:the|el|la|los|las)\s+)?"
                         r"(?:crystal(?:lographic)?\s+)?[\w+-]+(?:\s+(?:ions?|molecules?|ligands?|groups?))?){1,6})(?:\s+too)?\)?",
                         window[het[0].end() - het[0].start():], IGNORECASE)
        if named and re.search(r"water|agua", named.group(1), IGNORECASE) and not keep:  # "- the benzene, … and the crystal waters too"
            drop.append(re.compile(re.escape(named.group(0))).search(window))
        elif named and named.group(0).lstrip().startswith("(") and not re.search(r"water|agua", named.group(1), IGNORECASE):
            r.text.blank(het[0].end(), het[0].end() + len(named.group(0)))  # "(the benzene, HED and the chloride ions)": which they are
        if drop:  # "incluidas las aguas, el benceno, el HED y los cloruros": what else goes, named
            tail = re.match(r"(?:\s*(?:,|\by\b|\band\b)\s*(?:the\s+|el\s+|la\s+|los\s+|las\s+)?[\w+-]+){1,6}",
                            window[drop[-1].end():], IGNORECASE)
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
    if len({number(m.group(1)) for m in ph}) > 1:
        r.problems.append("two pH values")
    if hydrogens:
        r.p().hydrogens_ph = number(ph[0].group(1)) if ph else 7.0
        if not ph:
            r.notes.append("pH 7.0 (PDBFixer's default)")
    elif ph:
        r.problems.append(f"{ph[0].group(0).strip()} without hydrogens to add")
    if re.search(r"hydrogen[^.;]{0,60}(?:do not|don'?t)\s+add\s+any", r.request, IGNORECASE) and r.any(
            r"\b(?:do not|don'?t)\s+add\s+any(?:\s+more)?(?=\s*[.;)]|\s*$)") and hydrogens:
        r.problems.append("hydrogens are both added and not")


_IONS = {ion.lower(): ion for ion in POSITIVE_IONS + NEGATIVE_IONS}  # "k+" → "K+", as the plan writes them

def read_build(r: Reading) -> None:
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
    for m in r.take(rf"{N}\s*{LENGTH}\s*(?:of\s+|de\s+)?(?:water\s+)?(?:padd?i?ng|margen|margin|clearance)(?:\s*\(padding\))?|"
                    rf"(?:padd?i?ng|margen|margin|clearance)\s*(?:of|=|de|:)?\s*{N}\s*{LENGTH}|"
                    rf"{N}\s*{LENGTH}\s+(?:from the (?:protein|solute|peptide) to the (?:box )?edges?|(?:of )?(?:water|solvent) around)"):
        g = [x for x in m.groups() if x]
        b.padding_nm = length_nm(g[0], g[1])
    for m in r.take(rf"\bboxsize\s*=\s*(?:openmm\.)?vec3\(\s*{N}\s*,\s*{N}\s*,\s*{N}\s*\)\s*\*\s*(?:unit\.)?(nanometers?|angstroms?)"):
        b.box_nm = [length_nm(m.group(i), m.group(4)) for i in (1, 2, 3)]
    for m in r.take(rf"{N}\s*{LENGTH}?\s*[x×]\s*{N}\s*{LENGTH}?\s*[x×]\s*{N}\s*{LENGTH}"):
        g = m.groups()
        unit = g[5]
        b.box_nm = [length_nm(g[0], g[1] or unit), length_nm(g[2], g[3] or unit), length_nm(g[4], unit)]
    for m in r.take(rf"(?:cubic\s+)?(?:box|caja)\s*(?:c[úu]bica\s*)?(?:of|with|de)?\s*(?:a\s+)?(?:an?\s+)?(?:exactly\s+|exactamente\s+)?{N}\s*{LENGTH}\s*(?:edge|side|de lado|de arista)?|"
                    rf"{N}\s*{LENGTH}\s*(?:edge|side|cubic box|box)|boxsize\s*(?:=|of)?\s*{N}\s*{LENGTH}?"):
        g = [x for x in m.groups() if x]
        edge = length_nm(g[0], g[1] if len(g) > 1 else "nm")
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
    for m in r.take(r"\bneutrali[sz]\w*\s+(?:with|con)\s+(na\+|k\+|cl-|sodium|potassium|chloride|sodio|potasio|cloruro)(?!\w)"
                    r"(?:\s+(?:as|como)\s+(?:the\s+|el\s+)?(?:positive ion|cation|cati[óo]n|ion positivo))?"):
        ion = m.group(1).lower()
        if ion in ("na+", "sodium", "sodio"):
            b.positive_ion = "Na+"
        elif ion in ("k+", "potassium", "potasio"):
            b.positive_ion = "K+"
    r.take(r"\bneutrali[sz]\w*|\bneutral\b")
    r.take(r"\b(?:bring|take)\s+it\s+(?=to\b)|\b(?:up\s+)?to\s+(?:an?\s+)?(?=\d)|\bhasta\s+(?=\d)|\bhasta\s+(?:una\s+)?(?=fuerza i[óo]nica)")
    r.take(r"\(?\b(?:cl-|cl−)\s+(?:as|como)\s+(?:the\s+|el\s+)?(?:anion|ani[óo]n|negative ion|(?:ion\s+)?negativo)\)?")
    r.take(r"\b(?:add(?:ing)?|a[ñn]ad\w*|agreg\w*)\s+(?=\d[\d.,]*\s*(?:mm|m|mol/l|molar|millimolar|milimolar)\b)")
    salts = r.take(rf"{N}\s*(mm|m|mol/l|molar|millimolar|milimolar)\b(?:\s+(?:of\s+)?(?:nacl|kcl|salt|sal|na\+/cl-|ionic strength|de fuerza i[óo]nica))?")
    for m in salts:
        b.ionic_strength_molar = number(m.group(1)) / (1000.0 if m.group(2).lower() in ("mm", "millimolar", "milimolar") else 1.0)
    if len(salts) > 1:
        r.problems.append("two salt concentrations")
    for m in r.take(r"\b(?:with\s+|con\s+)?(k\+|na\+|li\+|cs\+|rb\+)\s+(?:as|como)\s+(?:the\s+|el\s+)?(?:positive ion|cation|cati[óo]n|ion positivo)"
                    r"(?:\s+instead of\s+na\+)?"):
        b.positive_ion = _IONS[m.group(1).lower()]
    for m in r.take(r"\b(?:negative(?:\s+ion)?|anion|ani[óo]n|(?:ion\s+)?negativo|negativeion\s*=)\s*['\"]?(br-|f-|i-|cl-)['\"]?|"
                    r"\b(?:positive\s+ion|cation|cati[óo]n|(?:ion\s+)?positivo|positiveion\s*=)\s*['\"]?(na\+|k\+|li\+|cs\+|rb\+)['\"]?"):
        if m.group(1):
            b.negative_ion = _IONS[m.group(1).lower()]
        else:
            b.positive_ion = _IONS[m.group(2).lower()]
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
