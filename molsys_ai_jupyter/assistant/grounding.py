"""What of the model's draft the passages support, and an answer built from the passages
themselves when the draft has too little that they support.

A prose sentence is supported when most of its content words (stemmed, as the BM25 leg
reads them) occur in one retrieved passage, and every name it writes as code is one the
passages write or the API registry knows; it keeps, or gets, that passage's ``[n]``. A
Python block is kept only when it parses, the MolSysSuite API it calls is API the sources
show, every name it uses exists (the verifier) or is defined in the block, and every module
it imports is one the docs or this environment know; a shell block only as the docs write it. The execution
policy is not applied here: the Run button checks it and asks for consent. Sentences and blocks that fail are dropped and counted.

After what survives come the best passages' own words (:func:`evidence`): their
sentences that share most words with the question, each cited, and the retrieved code
closest to the question. When no sentence of the draft survives, they are the answer.

>>> from types import SimpleNamespace as Hit
>>> hits = [Hit(content="Use molsysmt.remove to remove the water molecules. It returns a new system.",
...             code="", title="Remove", headings="Remove", path="remove.ipynb", project="molsysmt")]
>>> kept = ground("You can remove the water molecules with molsysmt.remove. Bananas are yellow fruit.", hits)
>>> kept.text
'You can remove the water molecules with molsysmt.remove [1].'
>>> kept.dropped_sentences
1
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from .citations import markers
from .code_checks import calls_a_library, code_is_sound, known_module, undefined_names

SUPPORT = 0.6  # share of a sentence's content words found in one passage
MIN_SUPPORTED = 1  # fewer supported sentences than this: the answer comes from the passages
KEY_SENTENCES = 3  # per page, when the answer is built from the passages
PAGES = 3
MAX_SENTENCE_CHARS = 400
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([\w+-]*)[^\n]*\n.*?^[ \t]*\1[ \t]*$", re.S | re.M)  # ``` or ~~~
_FENCE_LINE = re.compile(r"^[ \t]*(`{3,}|~{3,})", re.M)
MAX_KEPT_SENTENCES = 40
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
# a sentence starts with a capital, code, a bracket or emphasis; not with a "[1]" that cites the one
# before it, nor with the "* item" of the list a "You need:" introduces
_SENTENCE = re.compile(r"(?<=[.!?:])\s+(?=[A-Z`(]|\[(?!\d{1,2}\])|\*(?!\s))")
_MARKER = re.compile(r"\s*\[\d{1,2}\]")
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_MARKUP = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^<>]*>|\]\([^()\s]*\)", re.S | re.I)
_DOTTED_NAME = re.compile(r"\b[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.M)


@dataclass
class Grounded:
    text: str
    supported_sentences: int = 0
    dropped_sentences: int = 0
    dropped_blocks: int = 0
    cited: list[int] = field(default_factory=list)


def _words(text: str) -> set[str]:
    from ..knowledge.bm25 import tokenize

    return set(tokenize(_MARKER.sub(" ", text)))


def question_words(question: str) -> set[str]:
    """The question's words, with the English ones of its Spanish terms (as retrieval reads it)."""
    from ..knowledge.glossary import expand_query

    return _words(expand_query(question))


def _claim_words(sentence: str) -> set[str]:
    """The words a sentence claims something with: inline code is left to the verifier
    (which has already fixed or removed the names that do not exist), and markup (HTML tags,
    scripts, link targets) to the renderer, which shows it as text and never runs it."""
    return _words(_MARKUP.sub(" ", _INLINE_CODE.sub(" ", sentence)))


def _share(claims: set[str], passage: set[str]) -> float:
    return len(claims & passage) / len(claims)


def _support(claims: set[str], passages: list[set[str]]) -> tuple[int, float]:
    """(1-based number of the passage that supports the claim words best, their share there)."""
    if not claims:
        return 0, 1.0  # nothing to support ("Here is how:")
    scores = [_share(claims, passage) for passage in passages]
    best = max(range(len(scores)), key=scores.__getitem__, default=-1)
    return best + 1, scores[best] if scores else 0.0


def _passage_text(hit) -> str:
    return " ".join(str(part or "") for part in (hit.title, hit.headings, hit.content, getattr(hit, "code", "")))


def _numbers_in(sentence: str, passage: str) -> bool:
    """Every number the sentence states in words is in the passage: a copied sentence with
    999 where the docs say 165 is not supported. (Numbers in inline code and markup are the
    verifier's and the renderer's.)"""
    claim = _MARKER.sub(" ", _MARKUP.sub(" ", _INLINE_CODE.sub(" ", sentence)))
    numbers = set(_NUMBER.findall(passage))
    return all(number in numbers for number in _NUMBER.findall(claim))


def _echoes_a_source(sentence: str, hits) -> bool:
    """The sentence only repeats how the prompt labelled a source ("[4] molsysmt: Select >
    Selecting atoms"): with the labels taken out, fewer than three words claim anything."""
    rest = sentence
    for hit in hits:
        for label in (f"{hit.project}: {hit.headings or hit.title}", hit.headings, hit.title):
            if label:
                rest = rest.replace(label, " ")
    return len(_claim_words(rest)) < 3 and len(_claim_words(sentence)) >= 3


_DIRECTIVE = re.compile(r"^[ \t]*:::[^\n]*$", re.M)  # MyST fences (":::{grid-item-card}") are page markup


def _is_prose(sentence: str) -> bool:
    """Words, not a printed value or a table row: ``['protein', 'water', …]`` is output."""
    tokens = _INLINE_CODE.sub("code", sentence).split()  # `has_unit(q, 'nm')` counts as one word
    words = [t for t in tokens if re.fullmatch(r"[A-Za-z][a-z'’-]*[.,;:!?)]?", t)]
    return len(words) >= 4 and len(words) >= 0.6 * len(tokens) and sentence[:1] not in "[{(|"


def _used_api(hits, registry) -> set[str]:
    """What the sources' code calls."""
    from ..knowledge.verifier import verify_code

    used = set()
    for hit in hits:
        if getattr(hit, "code", ""):
            used |= set(verify_code(hit.code, registry).symbols_used)
    return used


def _names_shown(sentence: str, shown: set[str], used: set[str], registry) -> bool:
    """Every MolSysSuite name the sentence writes as code (a function, a class or a
    module: ``molsysmt.native``) is one the sources show, or a module whose functions the
    sources' code calls (``used``; an API card retrieved for its name does not vouch for
    its module)."""
    from ..knowledge.verifier import DEFAULT_ALIASES

    modules = {name.rsplit(".", k)[0] for name in used for k in range(1, name.count(".") + 1)}
    for span in _INLINE_CODE.findall(sentence):
        for name in _DOTTED_NAME.findall(span):
            head, _, rest = name.partition(".")
            full = registry.canonical_path(f"{DEFAULT_ALIASES.get(head, head)}.{rest}")
            if not registry.is_project_name(full):
                continue
            symbol = registry.resolve(full)
            if (symbol.name if symbol else full) not in shown and full not in modules:
                return False
    return True


_CODE_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


def _identifiers(texts: list[str]) -> set[str]:
    """Every identifier the passages write (prose and code), lower-cased."""
    return {word.lower() for text in texts for word in re.findall(r"[A-Za-z_]\w*", text)}


def _code_names_real(sentence: str, identifiers: set[str], registry) -> bool:
    """Every code-like name the sentence writes as code (``molsys.select_in_elements``,
    ``n_waters``, ``get_contacts``) is one the sources write (passages or retrieved API
    cards), unless it belongs to a module this environment has (``numpy.mean``: the
    verifier's). That some function elsewhere has the name is not enough: the model would
    send the reader to it on the strength of a sentence about another. Dotted MolSysSuite
    names are :func:`_names_shown`'s."""
    from ..knowledge.verifier import DEFAULT_ALIASES

    for span in _INLINE_CODE.findall(sentence):
        for name in _CODE_NAME.findall(span.strip("`")):
            head, _, rest = name.partition(".")
            if not rest and "_" not in name:
                continue  # a plain word ("select", "True")
            if head in DEFAULT_ALIASES or (registry is not None and registry.is_project_name(name)):
                continue
            if rest and known_module(head, registry):
                continue
            if name.rsplit(".", 1)[-1].lower() not in identifiers:
                return False  # written nowhere in the sources, even if some function has that name
    return True


_LITERAL_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9'\- ]* [A-Za-z0-9'\- ]*[A-Za-z0-9]")


def _literal_text_quoted(sentence: str, texts: list[str]) -> bool:
    """``texts``: the passages, lower-cased, white space folded. Words the sentence sets as code (`Conversion to Angular Radian`: printed output, a
    label, a value) are a quotation, so a passage must write them. Identifiers and calls
    are the name checks'; the words around the code are the support check's, which does
    not see inside it."""
    spans = [span.strip("`").strip() for span in _INLINE_CODE.findall(sentence)]
    literal = [" ".join(span.lower().split()) for span in spans if _LITERAL_TEXT.fullmatch(span)]
    return all(any(words in text for text in texts) for words in literal)


def _calls_only_shown_api(code: str, shown: set[str], used: set[str], registry) -> bool:
    """The MolSysSuite API the block calls is API the sources show (other libraries, such
    as MDTraj, are the verifier's and the import check's)."""
    from ..knowledge.verifier import verify_code

    names = set(verify_code(code, registry).symbols_used)
    return _names_shown(f"`{' '.join(names)}`", shown, used, registry)


def ground(draft: str, hits, registry=None, prose_checked: bool = True, cards=()) -> Grounded:
    """The draft with only the sentences the passages support (each cited) and the code
    blocks that are sound. A sentence's words must be in one passage, and the MolSysSuite
    names it writes as code must be ones the sources show (their code, or the retrieved
    API ``cards``). With ``prose_checked`` false (an answer about the user's own cell and
    error, which no passage covers) every sentence stays; code is still checked."""
    texts = [_passage_text(hit) for hit in hits]  # each passage's text, read once
    passages = [_words(text) for text in texts]
    folded = [" ".join(text.lower().split()) for text in texts]
    identifiers = _identifiers(texts) | {part.lower() for card in cards or () for part in card.symbol.split(".")}
    seen: set[str] = set()
    used = _used_api(hits, registry) if registry is not None else set()
    shown = used | {card.symbol for card in cards or ()}
    out, result = [], Grounded("")
    position = 0
    draft = _DIRECTIVE.sub("", draft)
    for block in list(_FENCE.finditer(draft)) + [None]:
        prose = draft[position: block.start() if block else len(draft)]
        paragraphs = re.split(r"\n\s*\n", prose)
        last_paragraph = max((n for n, p in enumerate(paragraphs) if p.strip()), default=-1)
        lead_in = False  # the prose ends with a kept sentence that introduces the block after it
        for index, paragraph in enumerate(paragraphs):
            kept = []
            ends_kept = False  # the paragraph's last sentence was kept
            for sentence in _SENTENCE.split(paragraph.strip()):
                if not sentence.strip():
                    continue
                ends_kept = False
                claims = _claim_words(sentence)
                number, share = _support(claims, passages)
                key = " ".join(_MARKER.sub(" ", sentence).split()).lower()
                if key in seen or result.supported_sentences >= MAX_KEPT_SENTENCES or _FENCE_LINE.search(sentence):
                    result.dropped_sentences += 1  # said already, too long an answer, or a fence inside prose
                    continue
                if prose_checked and (share < SUPPORT or _echoes_a_source(sentence, hits)
                                      or (number and not _numbers_in(sentence, texts[number - 1]))
                                      or not _code_names_real(sentence, identifiers, registry)
                                      or not _literal_text_quoted(sentence, folded) or (
                        registry is not None and not _names_shown(sentence, shown, used, registry))):
                    result.dropped_sentences += 1
                    continue
                seen.add(key)
                result.supported_sentences += bool(claims)
                cited = [n for n in markers(sentence) if 1 <= n <= len(hits)]
                if prose_checked and cited and number and claims and all(
                        _share(claims, passages[n - 1]) < SUPPORT for n in cited):
                    sentence, cited = _MARKER.sub("", sentence), []  # the model's [n] names a passage that does not say it
                if 0 < number <= len(hits) and not cited and claims:
                    sentence = _cite(sentence, number)
                    cited = [number]
                result.cited += [n for n in cited if n not in result.cited]
                kept.append(sentence.strip())
                ends_kept = True
            if kept and _introduces(kept[-1]):
                if ends_kept and index == last_paragraph and block is not None:
                    lead_in = True  # it stays while the block it introduces does
                else:  # "This will output:" before what was dropped introduces nothing
                    result.supported_sentences -= bool(_claim_words(kept.pop()))
                    result.dropped_sentences += 1
            if kept:
                out.append(" ".join(kept))
        if block is not None:
            fence = block.group(0)
            language = block.group(2).lower()
            code = "\n".join(fence.strip("\n").split("\n")[1:-1])
            if language in ("", "python", "py", "ipython"):
                # a block about the user's own cell may use the names their notebook defines
                sound = code_is_sound(code, registry) and (not prose_checked or (
                    calls_a_library(code) and not undefined_names(code)
                    and (registry is None or _calls_only_shown_api(code, shown, used, registry))))
            else:
                sound = _verbatim(code, hits) and safe_commands(code)  # as the docs write it, and harmless
            if sound:
                out.append(block.group(0).strip())
            else:
                result.dropped_blocks += 1
                if lead_in:  # the paragraph that introduced the dropped block goes with it
                    out.pop()
                    result.dropped_sentences += 1
                    result.supported_sentences -= 1
            position = block.end()
    result.text = "\n\n".join(out)
    shown_markers = set(markers(result.text))
    result.cited = [n for n in result.cited if n in shown_markers]  # a dropped lead-in's citation goes with it
    return result


def _introduces(sentence: str) -> bool:
    """A sentence that ends with ":" (a citation after it aside): it introduces what follows."""
    return _MARKER.sub("", sentence).rstrip().endswith(":")


def _verbatim(code: str, hits) -> bool:
    lines = [line.strip() for line in code.splitlines() if line.strip()]
    text = "\n".join(f"{hit.content or ''}\n{getattr(hit, 'code', '') or ''}" for hit in hits)
    return bool(lines) and all(line in text for line in lines)


def _cite(sentence: str, number: int) -> str:
    stripped = sentence.rstrip()
    end = stripped[-1] if stripped and stripped[-1] in ".!?:" else ""
    return f"{stripped[:len(stripped) - len(end)]} [{number}]{end}"


def evidence(question: str, hits, code_hits: dict, registry=None, with_code: bool = True,
             page_chunks: dict | None = None) -> Grounded:
    """The best pages' own words on the question: from each of the first ``PAGES`` (all
    of its retrieved chunks, ``page_chunks``), the sentences that share most words with
    the question (in the order they were retrieved), cited; then (unless the answer has
    code already) the retrieved code closest to the question."""
    asked = question_words(question)
    parts, result = [], Grounded("")
    pages, seen = [], set()
    for hit in hits[:PAGES]:
        sentences = [s for chunk in chunks_of(hit, page_chunks) for s in passage_sentences(_text(chunk.content))]
        pages.append([s for s in dict.fromkeys(sentences) if not (s in seen or seen.add(s))])  # once in the answer
    for number, sentences in enumerate(pages, 1):
        ranked = sorted(sentences, key=lambda s: -len(_words(s) & asked))[:KEY_SENTENCES]
        chosen = [s for s in sentences if s in ranked and _words(s) & asked]
        if chosen:
            parts.append(" ".join(chosen) + f" [{number}]")
            result.cited.append(number)
            result.supported_sentences += len(chosen)
    number, code, language = (best_code(question, hits, code_hits, registry, page_chunks=page_chunks)
                              if with_code else (0, "", ""))
    if code:
        parts.append(f"From [{number}]:\n\n{fenced(code, language)}")
        if number not in result.cited:
            result.cited.append(number)
    result.text = "\n\n".join(parts)
    return result


def fenced(code: str, language: str = "") -> str:
    """``code`` in a fence longer than any run of backticks in it, so that the code cannot
    close it and turn its own text into the answer's Markdown.

    >>> print(fenced("print('```')", "python"))
    ````python
    print('```')
    ````
    """
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{code}\n{fence}"


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def chunks_of(hit, page_chunks: dict | None) -> list:
    """The retrieved chunks of ``hit``'s page (``page_chunks``), or the hit alone; anything
    that is not a chunk of that page is left out."""
    chunks = (page_chunks or {}).get(getattr(hit, "path", None)) or [hit]
    return [c for c in chunks if hasattr(c, "content") and getattr(c, "path", None) == getattr(hit, "path", None)] or [hit]


_ROLE = re.compile(r"\{(?:func|class|meth|mod|attr|obj|ref|doc|py:\w+)\}(`[^`\n]+`)")
_HTML_BREAK = re.compile(r"<br\s*/?>", re.I)


def passage_sentences(content: str) -> list[str]:
    """A passage's sentences that can stand in an answer: prose (not printed output or a
    table row), without its code, Sphinx roles read as the code they mark
    (``{func}`molsysmt.info``` → ```molsysmt.info```), and none that only introduces what
    follows (a sentence ending in ``:`` whose list or code is not part of it).

    >>> passage_sentences("Run this to install it:\\n\\n```bash\\nconda install x\\n```\\n\\nUse {func}`molsysmt.info` to print a summary.")
    ['Use `molsysmt.info` to print a summary.']
    """
    text = _HTML_BREAK.sub(" ", _ROLE.sub(r"\1", _FENCE.sub("\n\n", content or "")))
    out = []
    for sentence in _SENTENCE.split(" ".join(text.split())):
        sentence = sentence.strip()
        if (20 <= len(sentence) <= MAX_SENTENCE_CHARS and not sentence.endswith(":") and "```" not in sentence
                and ":::" not in sentence and _is_prose(sentence)):
            out.append(sentence)
    return out


def best_code(question: str, hits, code_hits: dict, registry=None, max_lines: int = 14,
              page_chunks: dict | None = None) -> tuple[int, str, str]:
    """(source number, code, language) of the retrieved code that shares most words with
    the question (in the code and its headings), the better-ranked page on a tie: Python
    that is sound, or a shell command as the docs write it. (0, "", "") when none is."""
    asked = question_words(question)
    candidates = []
    for number, page in enumerate(hits, 1):
        chunks = [*chunks_of(page, page_chunks), code_hits.get(page.path) or page]
        for order, hit in enumerate({id(chunk): chunk for chunk in chunks}.values()):
            for full in _code_blocks(hit):
                code = excerpt(full, asked, max_lines)
                if code != full and undefined_names(code) - undefined_names(full):
                    code = "\n".join(full.splitlines()[:max_lines])  # the cut lost a definition the shown lines need
                if not code:
                    continue
                language = "bash" if _is_shell(code) else "python"
                if language == "bash" and not safe_commands(code):
                    continue
                if language == "python" and (hit.project == "molsyssuite" or not (
                        code_is_sound(code, registry) and _does_something(code))):
                    continue  # the suite's pages sketch Python across its libraries; their commands are real
                shared = len(asked & _words(f"{_text(hit.headings)} {code}"))  # not the prose: a long page is not closer
                candidates.append((-shared, number, order, code, language))
    if not candidates:
        return 0, "", ""
    _, number, _, code, language = min(candidates)
    return number, code, language


def _does_something(code: str) -> bool:
    """The code calls something: a cell of bare names (``box`` ``box_angles``) shows values
    the page printed, not how to get them."""
    try:
        return any(isinstance(node, ast.Call) for node in ast.walk(ast.parse(code)))
    except SyntaxError:
        return False


def excerpt(code: str, asked: set[str], max_lines: int = 14) -> str:
    """At most ``max_lines`` of the code: the first ones, unless the line closest to the
    question (most words shared) comes later; then the lines up to a little past it, after
    the earlier lines it needs (imports, and assignments of names it uses) and a ``# …``
    where lines were left out.

    >>> code = "import a\\nv = a.View()\\nx = 1\\ny = 2\\nz = 3\\nw = 4\\nu = 5\\nv.show(sphere)"
    >>> print(excerpt(code, {"sphere"}, max_lines=6))
    import a
    v = a.View()
    # …
    w = 4
    u = 5
    v.show(sphere)
    """
    lines = code.splitlines()
    max_lines = max(max_lines, 4)
    if len(lines) <= max_lines:
        return code
    shared = [len(_words(line) & asked) for line in lines]
    best = max(range(len(lines)), key=lambda i: (shared[i], -i))
    if best < max_lines - 2:
        return "\n".join(lines[:max_lines])
    room = max_lines // 3  # for the earlier lines it needs
    keep = max_lines - room - 1
    start = max(0, min(best - keep + 3, len(lines) - keep))
    window = lines[start:start + keep]
    used = set(re.findall(r"[A-Za-z_]\w*", "\n".join(window)))
    needed = [i for i in range(start) if _IMPORT.match(lines[i]) or (
        (assigned := re.match(r"\s*([A-Za-z_]\w*)\s*=[^=]", lines[i])) and assigned.group(1) in used)][-room:]
    keep = max_lines - len(needed) - 1  # what the needed lines leave goes to the window, before the line
    start = max(0, min(best - keep + 3, len(lines) - keep))
    needed = [lines[i] for i in needed if i < start]
    if not needed and start == 0:
        return "\n".join(lines[:max_lines])
    return "\n".join([*needed, "# …", *lines[start:start + keep]])


_SHELL = re.compile(r"^\s*(?:\$\s*)?(?:conda|mamba|micromamba|pip|pip3|git|cd|make|npm|jupyter|python3? (?:-m|setup\.py))\b", re.M)
# what a shell line of an answer may not do, even when the docs write it: remove or uninstall, reach
# for a package index or an address over plain http, pipe, redirect or chain to another command
_UNSAFE_SHELL = re.compile(r"\b(?:remove|uninstall|clean|rm|rmdir|sudo|chmod|chown|curl|wget)\b|--all\b|--force\b"
                           r"|index-url|http://|[|;><`]|\$\(", re.I)


def safe_commands(code: str) -> bool:
    """Every line is a command of the tools the docs install with (conda, pip, git, npm,
    …) and does nothing an answer should not hand over for copying.

    >>> safe_commands("conda install -c uibcdf molsysmt")
    True
    >>> safe_commands("conda install -c uibcdf molsysmt\\nconda remove --all -n base -y")
    False
    """
    lines = [line for line in code.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return bool(lines) and all(_SHELL.match(line) and not _UNSAFE_SHELL.search(line) for line in lines)


def _code_blocks(hit) -> list[str]:
    """A chunk's code: its cells together when they are Python (a notebook's cells use each
    other's names); otherwise each command block its text shows, one by one (an install
    and an uninstall of one section are two candidates, not one).

    >>> from types import SimpleNamespace as Hit
    >>> _code_blocks(Hit(content="```bash\\nconda install x\\n```\\nOr:\\n```bash\\npip uninstall x\\n```",
    ...                  code="conda install x\\n\\npip uninstall x"))
    ['conda install x', 'pip uninstall x']
    """
    joined = _text(getattr(hit, "code", "")).strip()
    blocks = [m.group(0).strip("\n").split("\n", 1)[-1].rsplit("\n", 1)[0].strip()
              for m in _FENCE.finditer(_text(getattr(hit, "content", "")))]
    try:
        ast.parse(joined)
        python = [joined] if joined else []
    except SyntaxError:
        python = []
    commands = [block for block in blocks if _is_shell(block)]  # a notebook's markdown may show the install line
    return list(dict.fromkeys(python + commands)) or ([joined] if joined else [])


def _is_shell(code: str) -> bool:
    """A command line of the docs (``conda install -c uibcdf molsysmt``), not Python."""
    try:
        ast.parse(code)
        return False
    except SyntaxError:
        return bool(_SHELL.match(code))
