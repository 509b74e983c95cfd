"""What the export dialog asks for, and writing it (Qt-free; PNG encoding is interaction.export's)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mattestudio.interaction.errors import ExportError
from mattestudio.interaction.export import export_alpha, export_rgba


@dataclass(frozen=True)
class ExportOptions:
    folder: Path
    stem: str  # file names start with this (usually the image's name)
    alpha8: bool = True
    alpha16: bool = False
    rgba: bool = False
    all_instances: bool = False

    @property
    def any(self) -> bool:
        return self.alpha8 or self.alpha16 or self.rgba


def safe_name(name: str) -> str:
    """An instance name as a file-name part (letters, digits, - and _; everything else becomes _)."""
    return re.sub(r"[^\w\-]+", "_", name.strip(), flags=re.UNICODE).strip("_") or "instance"


def planned_files(options: ExportOptions, instances: list[str]) -> list[tuple[str, str, Path]]:
    """(instance, kind, path) of every file an export writes; kind is alpha8, alpha16 or rgba."""
    out = []
    for name in instances:
        base = f"{options.stem}.{safe_name(name)}"
        if options.alpha8:
            out.append((name, "alpha8", options.folder / f"{base}.alpha.png"))
        if options.alpha16:
            out.append((name, "alpha16", options.folder / f"{base}.alpha16.png"))
        if options.rgba:
            out.append((name, "rgba", options.folder / f"{base}.rgba.png"))
    return out


def write_exports(image: np.ndarray, alphas: dict[str, np.ndarray], options: ExportOptions,
                  current: str | None) -> list[Path]:
    """Write the chosen files for the current instance (or all instances with a result); returns their paths."""
    if not options.any:
        raise ExportError("choose at least one kind of file to export")
    names = list(alphas) if options.all_instances else [n for n in alphas if n == current]
    if not names:
        raise ExportError("nothing to export yet: run a round first")
    if not options.folder.is_dir():
        raise ExportError(f"{options.folder}: no such folder")
    written = []
    for name, kind, path in planned_files(options, names):
        if kind == "rgba":
            written.append(export_rgba(image, alphas[name], path))
        else:
            written.append(export_alpha(alphas[name], path, bits=16 if kind == "alpha16" else 8))
    return written
