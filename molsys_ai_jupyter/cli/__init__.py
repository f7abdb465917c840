"""The ``molsys-ai`` command line."""
