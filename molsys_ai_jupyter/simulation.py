"""Long OpenMM runs in a notebook: a progress bar with an ETA, checkpoints, a clean stop
(kernel interrupt, a stop file, or a time budget) and resuming where a run stopped.

The agent's simulation code calls :func:`run`; it is also a plain helper for anyone's
``app.Simulation``. It imports nothing heavy until it is called (OpenMM is only needed
for the simulation passed in; tqdm picks ipywidgets in a notebook, text in a terminal).

>>> import openmm, openmm.app as app, openmm.unit as unit
>>> top = app.Topology(); chain = top.addChain(); res = top.addResidue("AR", chain)
>>> _ = top.addAtom("AR", app.element.argon, res)
>>> system = openmm.System(); _ = system.addParticle(39.9)
>>> sim = app.Simulation(top, system, openmm.VerletIntegrator(0.002),
...                      openmm.Platform.getPlatformByName("Reference"))
>>> sim.context.setPositions([openmm.Vec3(0, 0, 0)] * unit.nanometer)
>>> run(sim, 50, report_every=10, progress=False).steps_done
50
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

# an exported notebook re-run "shorter" sets this below 1: each run then takes this share of its steps
STEP_SCALE = 1.0


@dataclass
class RunSummary:
    target_step: int  # the run ends at this step count (a resumed run counts the steps before it)
    step: int  # the step it reached
    steps_done: int  # steps taken by this call
    seconds: float
    ns_per_day: float
    stopped: str = ""  # "" (finished), "interrupted", "stop file" or "time budget"
    checkpoint: str = ""  # the last checkpoint written ("" when none was asked for)
    platform: str = ""

    @property
    def finished(self) -> bool:
        return not self.stopped

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        state = "finished" if self.finished else f"stopped ({self.stopped}) at step {self.step:,}"
        line = (f"{self.steps_done:,} steps in {self.seconds:.1f} s ({self.ns_per_day:.2f} ns/day on "
                f"{self.platform or 'this platform'}), {state}")
        return line + (f"; checkpoint: {self.checkpoint}" if self.checkpoint else "")


def _step_ps(simulation) -> float:
    import openmm.unit as unit

    size = simulation.integrator.getStepSize()
    return size.value_in_unit(unit.picosecond) if hasattr(size, "value_in_unit") else float(size)


def resume(simulation, checkpoint: str | Path) -> int:
    """Load ``checkpoint`` into ``simulation`` (positions, velocities, step count, random
    state) and return the step it holds; :func:`run` with the same target then goes on
    from there."""
    simulation.loadCheckpoint(str(checkpoint))
    return simulation.currentStep


def run(simulation, steps: int, *, report_every: int | None = None, checkpoint: str | Path | None = None,
        checkpoint_every: int | None = None, budget_minutes: float | None = None,
        stop_file: str | Path | None = None, progress: bool = True) -> RunSummary:
    """Advance ``simulation`` until its step count reaches ``steps`` (so a run resumed from
    a checkpoint takes only the steps left), in chunks of ``report_every`` steps.

    Between chunks it updates the progress bar, writes ``checkpoint`` every
    ``checkpoint_every`` steps, and stops cleanly at the next report when the kernel is
    interrupted (a second interrupt stops it at once), when
    ``stop_file`` exists or when ``budget_minutes`` have passed; a stopped run writes its
    checkpoint before returning, so it can be resumed with :func:`resume`."""
    if steps <= 0:
        raise ValueError(f"steps must be positive, not {steps}")
    start_step = simulation.currentStep
    if STEP_SCALE != 1.0:  # a shortened re-run: the same code, fewer steps
        steps = start_step + max(1, int((steps - start_step) * STEP_SCALE))
    remaining = max(0, steps - start_step)
    chunk = max(1, int(report_every or max(1, remaining // 100)))
    every = int(checkpoint_every) if checkpoint_every else None
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, initial=start_step, unit="step", desc="simulating", dynamic_ncols=True)
    stopped, last_saved = "", ""
    started = time.perf_counter()
    deadline = started + budget_minutes * 60.0 if budget_minutes else None
    try:
        while simulation.currentStep < steps:
            before = simulation.currentStep
            end = min(before + chunk, steps)
            try:
                simulation.step(end - before)
            except KeyboardInterrupt:
                stopped = "interrupted"
                try:  # finish the chunk, so the run stops at a report (a second interrupt stops it at once)
                    simulation.step(end - simulation.currentStep)
                except KeyboardInterrupt:
                    pass
            if bar is not None:
                bar.update(simulation.currentStep - before)
            if checkpoint and every and simulation.currentStep // every > before // every:
                simulation.saveCheckpoint(str(checkpoint))
                last_saved = str(checkpoint)
            if not stopped and stop_file and Path(stop_file).exists():
                stopped = "stop file"
            if not stopped and deadline and time.perf_counter() > deadline:
                stopped = "time budget"
            if stopped:
                break
    finally:
        if bar is not None:
            bar.close()
    if checkpoint and (stopped or every):
        simulation.saveCheckpoint(str(checkpoint))
        last_saved = str(checkpoint)
    seconds = time.perf_counter() - started
    done = simulation.currentStep - start_step
    ns = done * _step_ps(simulation) / 1000.0
    return RunSummary(target_step=steps, step=simulation.currentStep, steps_done=done, seconds=round(seconds, 3),
                      ns_per_day=round(ns / (seconds / 86400.0), 3) if seconds > 0 else 0.0, stopped=stopped,
                      checkpoint=last_saved, platform=simulation.context.getPlatform().getName())


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return ""


def provenance(files: list[str], *, forcefield: list[str] = (), platform=None, properties: dict | None = None,
               seeds: dict | None = None, parameters: dict | None = None) -> dict:
    """What a workflow ran with, to keep beside its result: package versions, the platform
    and its properties, the seeds, the SHA-256 of every input file and force-field file
    (found in OpenMM's data folder), and the workflow's parameters."""
    import platform as host
    from datetime import datetime, timezone

    record = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "python": host.python_version(),
              "versions": {name: _version(name) for name in ("openmm", "pdbfixer", "molsysmt", "mdtraj", "numpy")
                           if _version(name)},
              "inputs": {name: _sha256(Path(name)) for name in files if Path(name).is_file()},
              "seeds": dict(seeds or {}), "parameters": dict(parameters or {})}
    if forcefield:
        import openmm.app

        data = Path(openmm.app.__file__).parent / "data"
        record["forcefield"] = {name: _sha256(data / name) for name in forcefield if (data / name).is_file()}
    if platform is not None:
        record["platform"] = platform.getName()
    if properties:
        record["platform_properties"] = dict(properties)
    if STEP_SCALE != 1.0:
        record["step_scale"] = STEP_SCALE
    return record
