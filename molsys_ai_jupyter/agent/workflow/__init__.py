"""Simulation workflows as typed plans: prepare a structure (PDBFixer), build a system
(OpenMM's Modeller), create it from a force field, minimise, simulate and analyse what
was produced. :mod:`.plan` is the plan, :mod:`.reader` reads a request into one,
:mod:`.render` writes its code and its one-sentence restatement."""
