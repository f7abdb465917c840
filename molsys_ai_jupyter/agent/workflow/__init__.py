"""Simulation workflows as typed plans: prepare a structure (PDBFixer), build a system
(OpenMM's Modeller), create it from a force field, minimise, simulate and analyse what
was produced. :mod:`.plan` is the plan; :mod:`.reader` reads a request into one, with the
readings of :mod:`.read_reports` (what is reported), :mod:`.read_prepare_build` (files,
PDBFixer, Modeller) and :mod:`.read_system_run` (force field, minimisation, run, platform)
over a shared :class:`.reading.Reading`; :mod:`.render` writes its code and its one-sentence
restatement, and :mod:`.render_molsysmt` its molsysmt preparation where molsysmt is there."""
