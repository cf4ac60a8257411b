"""Per-candidate artifact folder: structures and trajectories as extended XYZ, each with its sha256."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ase import Atoms


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class ArtifactWriter:
    """Writes frames to ``folder`` and remembers ``{name: {"path", "sha256", "frames"}}`` for the metadata."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.records: dict[str, dict[str, str | int]] = {}

    def write(self, name: str, frames: Atoms | list[Atoms]) -> None:
        from ase.io import write

        images = frames if isinstance(frames, list) else [frames]
        path = self.folder / f"{name}.extxyz"
        clean = []
        for image in images:
            copy = image.copy()
            copy.calc = None
            # extxyz can only store scalars and strings in info; drop the rest (e.g. spacegroup objects).
            copy.info = {k: v for k, v in image.info.items() if isinstance(v, (int, float, str))}
            clean.append(copy)
        write(path, clean, format="extxyz")
        self.records[name] = {"path": str(path), "sha256": sha256_of(path), "frames": len(clean)}
