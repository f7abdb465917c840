"""``molsys-ai bench md``: how fast the workflows' simulations run on each OpenMM platform,
and whether a platform's energies agree with the CPU's.

The system is T4 lysozyme (``181l.pdb``) prepared as the workflows prepare it (PDBFixer:
missing residues and atoms, heterogens and waters removed, hydrogens at pH 7), solvated in
TIP3P with 1 nm padding in a rhombic dodecahedron with 0.15 M NaCl (about 27,000 atoms),
amber14, PME with a 1 nm cutoff, HBonds constraints, 2 fs steps, LangevinMiddle at 300 K.

- ``ns_per_day``: after a short minimisation and ``warmup`` steps, ``steps`` steps timed
  (20 times as many on a GPU; median of ``repeats`` timings), per platform;
- ``energies``: from the same minimised positions and velocities, each platform runs
  ``check_steps`` steps of velocity Verlet (no random forces, so the runs can be compared)
  and reports the potential energy every ``check_every`` steps; ``max_relative_difference``
  is the largest |E_platform − E_CPU| / |E_CPU| along the run.

Only OpenMM is needed (no index, no model), so the same command runs on a GPU machine.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

STRUCTURE = "181l.pdb"
GPU_PLATFORMS = ("CUDA", "OpenCL", "HIP")


def build(structures: Path, structure: str = STRUCTURE, padding_nm: float = 1.0):
    """(topology, system, positions) of the solvated test system."""
    import openmm.app as app
    import openmm.unit as unit
    from pdbfixer import PDBFixer

    fixer = PDBFixer(filename=str(Path(structures) / structure))
    fixer.findMissingResidues()
    fixer.removeHeterogens(keepWater=False)
    fixer.findMissingAtoms()
    fixer.addMissingAtoms()
    fixer.addMissingHydrogens(7.0)
    forcefield = app.ForceField("amber14-all.xml", "amber14/tip3pfb.xml")
    modeller = app.Modeller(fixer.topology, fixer.positions)
    modeller.addSolvent(forcefield, model="tip3p", padding=padding_nm * unit.nanometer, boxShape="dodecahedron",
                        neutralize=True, ionicStrength=0.15 * unit.molar)
    system = forcefield.createSystem(modeller.topology, nonbondedMethod=app.PME, nonbondedCutoff=1.0 * unit.nanometer,
                                     constraints=app.HBonds)
    return modeller.topology, system, modeller.positions


def available_platforms() -> list[str]:
    import openmm

    return [openmm.Platform.getPlatform(i).getName() for i in range(openmm.Platform.getNumPlatforms())]


def _simulation(topology, system, platform: str, integrator=None):
    import copy

    import openmm
    import openmm.app as app
    import openmm.unit as unit

    if integrator is None:
        integrator = openmm.LangevinMiddleIntegrator(300 * unit.kelvin, 1 / unit.picosecond, 0.002 * unit.picoseconds)
        integrator.setRandomNumberSeed(2024)
    properties = {"Precision": "mixed"} if platform in ("CUDA", "OpenCL") else {}
    return app.Simulation(topology, copy.deepcopy(system), integrator, openmm.Platform.getPlatformByName(platform),
                          properties)


def speed(topology, system, state, platform: str, steps: int, warmup: int, repeats: int) -> dict:
    """ns/day of ``steps`` steps from ``state`` (positions and velocities) on ``platform``."""
    simulation = _simulation(topology, system, platform)
    simulation.context.setState(state)
    simulation.step(warmup)
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        simulation.step(steps)
        simulation.context.getState(getEnergy=True)  # waits for the device to finish
        timings.append(time.perf_counter() - started)
    seconds = statistics.median(timings)
    return {"platform": platform, "steps": steps, "seconds_median": round(seconds, 3),
            "seconds_all": [round(t, 3) for t in timings],
            "ns_per_day": round(steps * 0.002 / 1000.0 / (seconds / 86400.0), 2),
            "properties": {name: simulation.context.getPlatform().getPropertyValue(simulation.context, name)
                           for name in simulation.context.getPlatform().getPropertyNames()
                           if name in ("Precision", "Threads", "DeviceName", "CudaDeviceIndex")}}


def energy_trace(topology, system, state, platform: str, check_steps: int, check_every: int) -> list[float]:
    import openmm
    import openmm.unit as unit

    simulation = _simulation(topology, system, platform, openmm.VerletIntegrator(0.001 * unit.picoseconds))
    simulation.context.setState(state)
    trace = []
    for done in range(0, check_steps + 1, check_every):
        if done:
            simulation.step(check_every)
        energy = simulation.context.getState(getEnergy=True).getPotentialEnergy()
        trace.append(energy.value_in_unit(unit.kilojoule_per_mole))
    return trace


def run_md_bench(structures: Path, platforms: list[str] | None = None, steps: int = 500, warmup: int = 100,
                 repeats: int = 3, check_steps: int = 100, check_every: int = 20) -> dict:
    import openmm
    import openmm.unit as unit

    started = time.perf_counter()
    topology, system, positions = build(structures)
    built_s = time.perf_counter() - started
    found = available_platforms()
    wanted = platforms or [p for p in ("CUDA", "CPU") if p in found]
    missing = [p for p in wanted if p not in found]
    if missing:
        from ..errors import MolsysAIError

        raise MolsysAIError(f"OpenMM here has no {', '.join(missing)} platform (it has {', '.join(found)})",
                            "install openmm[cuda13] for CUDA, or leave --platform out")
    # one starting state for every platform: minimised on the CPU, velocities at 300 K
    reference = _simulation(topology, system, "CPU")
    reference.context.setPositions(positions)
    reference.minimizeEnergy(maxIterations=200)
    reference.context.setVelocitiesToTemperature(300 * unit.kelvin, 2024)
    state = reference.context.getState(getPositions=True, getVelocities=True, enforcePeriodicBox=True)
    del reference
    # a GPU takes 20 times the steps, so that each timing lasts long enough to mean something
    rows = [speed(topology, system, state, p, steps * (20 if p in GPU_PLATFORMS else 1), warmup, repeats) for p in wanted]
    traces = {p: energy_trace(topology, system, state, p, check_steps, check_every) for p in wanted}
    energies = {"check_steps": check_steps, "every": check_every, "kJ_per_mol": traces}
    if "CPU" in traces:
        cpu = traces["CPU"]
        energies["max_relative_difference"] = {
            p: max(abs(a - b) / abs(b) for a, b in zip(trace, cpu, strict=False)) for p, trace in traces.items() if p != "CPU"}
    by_platform = {row["platform"]: row["ns_per_day"] for row in rows}
    return {"system": f"{STRUCTURE} solvated (TIP3P, 1 nm padding, dodecahedron, 0.15 M NaCl), amber14, PME 1 nm, "
                      "HBonds, 2 fs, LangevinMiddle 300 K",
            "atoms": system.getNumParticles(), "openmm": openmm.__version__, "build_seconds": round(built_s, 1),
            "platforms": rows, "ns_per_day": by_platform,
            "speedup_vs_cpu": {p: round(v / by_platform["CPU"], 1) for p, v in by_platform.items()
                               if "CPU" in by_platform and p != "CPU"},
            "energies": energies}


def main(argv: list[str] | None = None) -> int:
    """``python -m molsys_ai_jupyter.bench.md STRUCTURES [PLATFORM …]``: the same bench without
    the command line's settings (for a machine that has only OpenMM and PDBFixer)."""
    import json
    import sys

    argv = sys.argv[1:] if argv is None else argv
    result = run_md_bench(Path(argv[0]), argv[1:] or None)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
