"""What one workflow request has said so far: the request with what has been read blanked out,
the stages filled in, and what the readings noted or found wrong. Shared by the readers of
:mod:`.read_reports`, :mod:`.read_prepare_build` and :mod:`.read_system_run`."""

from __future__ import annotations

import re

from ..reader import Blanked
from .plan import Build, Minimise, Prepare, Simulate, System

IGNORECASE = re.I
N = r"(\d+(?:[.,]\d+)?)"  # a number (a decimal comma is read as a point)
INT = r"(\d{1,3}(?:,\d{3})+|\d+)"  # 5000 or 5,000


def number(text: str) -> float:
    return float(text.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", text) else text.replace(",", "."))


def length_nm(value: str, unit: str) -> float:
    return number(value) / 10.0 if unit.lower().startswith(("å", "a")) else number(value)  # nm, nanometer(s)


LENGTH = r"(nm|nanomet\w*|nan[óo]metros?|Å|angstroms?|[áa]ngstr[öo]m\w*|A(?=\W|$))"


class Reading:
    """The readings of one request, filling a workflow's stages."""

    def __init__(self, request: str, files: list[str]):
        self.request = request
        self.files = files
        self.text = Blanked(request)
        self.notes: list[str] = []
        self.problems: list[str] = []
        self.prepare: Prepare | None = None
        self.build: Build | None = None
        self.system: System | None = None
        self.minimise: Minimise | None = None
        self.simulate: Simulate | None = None
        self.platform = "auto"
        self.energy_unit = "kJ/mol"
        self.forcefield: list[str] = []
        self.vacuum = False  # "in vacuum", "amber14-all.xml alone"

    def take(self, pattern: str) -> list[re.Match]:
        return self.text.take(re.compile(pattern, IGNORECASE))

    def any(self, pattern: str) -> bool:
        return bool(self.take(pattern))

    # -- stages, created on first need
    def p(self) -> Prepare:
        self.prepare = self.prepare or Prepare()
        return self.prepare

    def b(self) -> Build:
        self.build = self.build or Build()
        return self.build

    def s(self) -> System:
        self.system = self.system or System()
        return self.system

    def m(self) -> Simulate:
        self.simulate = self.simulate or Simulate()
        return self.simulate
