"""Text typed on the command line or read from stdin must be UTF-8.

Python turns command-line bytes that are not UTF-8 into lone surrogates (PEP 383,
``surrogateescape``); such a string only fails later and far away (the tokenizer, the
printer) with a long traceback. The commands refuse it first, in one line.
"""

from __future__ import annotations

import sys

from ..errors import InvalidQuery

UTF8_HINT = "give it as UTF-8 text (check the terminal's or the file's encoding, e.g. LANG=C.UTF-8)"


def require_utf8(text: str, what: str = "text") -> str:
    """``text`` unchanged when it is valid Unicode; else :class:`InvalidQuery` naming the
    first byte that is not UTF-8. ``what`` names the text in the message ("query", "task")."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        found = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"character U+{code:04X}"
        raise InvalidQuery(f"the {what} is not valid UTF-8 ({found} at character {exc.start + 1})",
                           UTF8_HINT) from None
    return text


def tolerant_stdin() -> None:
    """Decode stdin with ``surrogateescape``: a line with bytes that are not UTF-8 then
    reaches :func:`require_utf8` (one error line) instead of failing inside ``input()``
    with a UnicodeDecodeError, which also loses the good lines read in the same chunk."""
    reconfigure = getattr(sys.stdin, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="surrogateescape")


def read_line(prompt: str) -> str:
    """``input(prompt)``, refusing a line that is not UTF-8 (for interactive commands)."""
    return require_utf8(input(prompt), "input line")
