"""What the export dialog asks for, and writing it (Qt-free; PNG encoding is interaction.export's)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mattestudio.interaction.errors import ExportError
from mattestudio.interaction.export import export_alpha, export_mask, export_over, export_rgba


@dataclass(frozen=True)
class ExportOptions:
    folder: Path
    stem: str  # file names start with this (usually the image's name)
    alpha8: bool = True
    alpha16: bool = False
    rgba: bool = False
    all_instances: bool = False
    mask: bool = False  # the last round's coarse mask (0 / 255)
    over: bool = False  # the cut-out over a solid colour
    over_colour: tuple[int, int, int] = (255, 255, 255)

    @property
    def any(self) -> bool:
        return self.alpha8 or self.alpha16 or self.rgba or self.mask or self.over


def safe_name(name: str) -> str:
    """An instance name as a file-name part (letters, digits, - and _; everything else becomes _)."""
    return re.sub(r"[^\w\-]+", "_", name.strip(), flags=re.UNICODE).strip("_") or "instance"


def planned_files(options: ExportOptions, instances: list[str]) -> list[tuple[str, str, Path]]:
    """(instance, kind, path) of every file an export writes; kind is alpha8, alpha16, rgba, mask or over."""
    out = []
    for name in instances:
        base = f"{options.stem}.{safe_name(name)}"
        if options.alpha8:
            out.append((name, "alpha8", options.folder / f"{base}.alpha.png"))
        if options.alpha16:
            out.append((name, "alpha16", options.folder / f"{base}.alpha16.png"))
        if options.rgba:
            out.append((name, "rgba", options.folder / f"{base}.rgba.png"))
        if options.mask:
            out.append((name, "mask", options.folder / f"{base}.mask.png"))
        if options.over:
            out.append((name, "over", options.folder / f"{base}.over.png"))
    return out


def write_exports(image: np.ndarray, alphas: dict[str, np.ndarray], options: ExportOptions, current: str | None,
                  masks: dict[str, np.ndarray] | None = None,
                  decontaminate: dict[str, float] | None = None) -> list[Path]:
    """Write the chosen files for the current instance (or all instances with a result); returns their paths.
    ``masks`` are the instances' coarse masks, ``decontaminate`` their Decontaminate Colours amounts (cut-outs)."""
    if not options.any:
        raise ExportError("choose at least one kind of file to export")
    names = list(alphas) if options.all_instances else [n for n in alphas if n == current]
    if not names:
        raise ExportError("nothing to export yet: run a round first")
    if not options.folder.is_dir():
        raise ExportError(f"{options.folder}: no such folder")
    masks, decontaminate = masks or {}, decontaminate or {}
    written = []
    for name, kind, path in planned_files(options, names):
        amount = decontaminate.get(name, 0.0)
        if kind == "rgba":
            written.append(export_rgba(image, alphas[name], path, decontaminate_amount=amount))
        elif kind == "over":
            written.append(export_over(image, alphas[name], options.over_colour, path, amount))
        elif kind == "mask":
            if name not in masks:
                raise ExportError(f"'{name}' has no coarse mask to export")
            written.append(export_mask(masks[name], path))
        else:
            written.append(export_alpha(alphas[name], path, bits=16 if kind == "alpha16" else 8))
    return written
