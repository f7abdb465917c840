"""Retraining the assistant's model: an instruction dataset from the documentation corpus,
LoRA fine-tuning (peft + transformers), export of the small model to GGUF for the embedded
backend, and before/after evaluation. Heavy libraries (torch, transformers, peft) are
imported inside the functions that need them."""
