"""Count and cut text in the embedding model's own tokens (its fast tokenizer only,
no torch), so every embedded passage fits the model's 256-token window."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

MODEL_MAX_TOKENS = 256  # all-MiniLM-L6-v2 truncates longer passages
SPECIAL_TOKENS = 2  # [CLS] and [SEP]


@lru_cache(maxsize=2)
def _tokenizer(model_dir: str):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


class TokenCounter:
    def __init__(self, model_dir: str | Path):
        self._tok = _tokenizer(str(model_dir))

    def count(self, text: str) -> int:
        """Tokens without the special ones."""
        return len(self._tok.encode(text, add_special_tokens=False).ids)

    def cut(self, text: str, max_tokens: int) -> str:
        """The longest prefix of ``text`` that fits in ``max_tokens`` tokens."""
        encoding = self._tok.encode(text, add_special_tokens=False)
        if len(encoding.ids) <= max_tokens:
            return text
        end = encoding.offsets[max_tokens - 1][1]
        return text[:end]
