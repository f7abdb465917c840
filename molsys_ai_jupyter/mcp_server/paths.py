"""The folders a client may read structure files from (``--root``), and the check that a
path lies inside one of them: symlinks and ``..`` are resolved first, so neither leads out."""

from __future__ import annotations

from pathlib import Path

from ..errors import MolsysAIError


class PathOutsideRoots(MolsysAIError):
    pass


class Roots:
    """The resolved root folders, the first being where relative paths start."""

    def __init__(self, folders: list[str | Path] | None = None):
        given = [Path(f).expanduser() for f in (folders or ["."])]
        missing = [str(f) for f in given if not f.is_dir()]
        if missing:
            raise MolsysAIError(f"root folder not found: {', '.join(missing)}", "pass --root with existing folders")
        self.folders: tuple[Path, ...] = tuple(dict.fromkeys(f.resolve() for f in given))

    @property
    def default(self) -> Path:
        return self.folders[0]

    def resolve(self, path: str) -> Path:
        """The real path of ``path`` (relative to the first root), refused unless it lies in a root."""
        if not isinstance(path, str) or not path.strip():
            raise MolsysAIError("empty path", "name a file, e.g. 1tcd.pdb")
        if "\x00" in path:
            raise PathOutsideRoots("the path holds a NUL character", "name a file of the server's folders")
        candidate = Path(path.strip()).expanduser()
        try:
            real = (candidate if candidate.is_absolute() else self.default / candidate).resolve()
        except (OSError, RuntimeError) as exc:  # a symlink loop
            raise PathOutsideRoots(f"cannot resolve {path}: {exc}") from None
        if not self.holds(real):
            raise PathOutsideRoots(f"{path} is outside the folders this server may read",
                                   "the server reads only inside " + ", ".join(map(str, self.folders))
                                   + " (start it with --root FOLDER for another)")
        return real

    def holds(self, path: Path) -> bool:
        """True when ``path``, links resolved, lies in a root."""
        try:
            real = path.resolve()
        except (OSError, RuntimeError):
            return False
        return any(real == root or real.is_relative_to(root) for root in self.folders)

    def file(self, path: str) -> Path:
        """:meth:`resolve` for a file that must exist."""
        real = self.resolve(path)
        if not real.is_file():
            raise MolsysAIError(f"no such file: {path}", "name a file of " + ", ".join(map(str, self.folders)))
        return real
