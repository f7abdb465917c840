"""Benchmarks behind ``molsys-ai bench …`` (JSON results)."""
