"""The assistant: cited, symbol-verified answers from the MolSysSuite docs."""

from .answer import Answer, Assistant, Source, validate_question

__all__ = ["Answer", "Assistant", "Source", "validate_question"]
