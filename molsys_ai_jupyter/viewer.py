"""A 3D view of the structure an agent run produced: an nglview widget of the MDTraj
trajectory the run created or changed last (``stripped`` rather than the ``traj`` it
was made from). Notebook front ends only; nglview is imported on first use (it is slow
to import), and a missing or broken nglview is one line, not an error."""

from __future__ import annotations

import re
import warnings
from typing import Callable


def is_trajectory(value) -> bool:
    """An MDTraj Trajectory (told without importing MDTraj)."""
    kind = type(value)
    return kind.__name__ == "Trajectory" and kind.__module__.split(".")[0] == "mdtraj"


def _last_assignment(code: str, name: str) -> int:
    found = [m.start() for m in re.finditer(rf"^\s*{re.escape(name)}\s*=", code, re.M)]
    return found[-1] if found else -1


def structure_of(result, namespace: dict) -> str | None:
    """The name of the trajectory the run produced (the one its code assigns last), or None."""
    names = dict.fromkeys(result.new_variables + result.changed_variables)
    found = [n for n in names if is_trajectory(namespace.get(n))]
    if not found:
        return None
    return max(found, key=lambda n: (_last_assignment(result.code, n), n))


def show_structure(result, namespace: dict, emit: Callable | None = None,
                   say: Callable[[str], None] = print):
    """Show the structure ``result`` produced with ``emit`` (default: IPython's display);
    returns the widget, or None when there is nothing to show or nglview cannot be used."""
    if not result.ok:
        return None
    name = structure_of(result, namespace)
    if name is None:
        return None
    from IPython.utils.capture import capture_output

    if emit is None:
        from IPython.display import display as emit
    try:
        # the first import displays a helper widget of nglview's: it goes where the view goes
        with warnings.catch_warnings(), capture_output(stdout=False, stderr=False, display=True) as helpers:
            warnings.simplefilter("ignore")  # nglview 3 imports pkg_resources (deprecated)
            import nglview
    except Exception as exc:  # noqa: BLE001 - ImportError or a broken install: say so and go on
        say(f"no 3D view of {name}: nglview cannot be imported ({type(exc).__name__}: {exc})")
        return None
    try:
        widget = nglview.show_mdtraj(namespace[name])
    except Exception as exc:  # noqa: BLE001 - a view is a courtesy, never a failure of the run
        say(f"no 3D view of {name}: {type(exc).__name__}: {exc}")
        return None
    for output in helpers.outputs:
        emit(_Bundle(output.data, output.metadata))
    emit(widget)
    return widget


class _Bundle:
    """A captured display, displayed again."""

    def __init__(self, data: dict, metadata: dict):
        self.data, self.metadata = data, metadata

    def _repr_mimebundle_(self, include=None, exclude=None):
        return self.data, self.metadata
