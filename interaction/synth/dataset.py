"""Writing a synthetic multi-instance benchmark folder: DIR/image/NAME.png + DIR/instances/NAME/<instance>.png."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from mattestudio.models.protocol import CancelFn, ProgressFn, check_cancel, never_cancel, no_progress

from ..imageio import load_image
from .composite import make_composite

PHOTO_EXTS = (".jpg", ".jpeg", ".png")
MAX_PHOTO_SIDE = 1280


class SynthError(ValueError):
    """The generator cannot run (e.g. no background photos); the message is meant for the user."""


def default_backgrounds() -> Path:
    root = os.environ.get("MATTESTUDIO_DATA")
    base = Path(root) if root else Path(__file__).resolve().parents[2].parent / "shared" / "data"
    return base / "backgrounds34"


def load_named_backgrounds(folder: str | Path) -> list[tuple[str, np.ndarray]]:
    """Every photo of ``folder`` as (file name, RGB uint8 with the longer side at most 1280 px), sorted by name for
    reproducibility."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SynthError(f"{folder}: background folder not found (use --backgrounds or set MATTESTUDIO_DATA)")
    photos = []
    for p in sorted(folder.iterdir()):
        if p.suffix.lower() not in PHOTO_EXTS:
            continue
        rgb = load_image(p).rgb
        s = MAX_PHOTO_SIDE / max(rgb.shape[:2])
        if s < 1:
            rgb = cv2.resize(rgb, (int(rgb.shape[1] * s), int(rgb.shape[0] * s)), interpolation=cv2.INTER_AREA)
        photos.append((p.name, rgb))
    if not photos:
        raise SynthError(f"{folder}: no background photos (.jpg/.png)")
    return photos


def load_backgrounds(folder: str | Path) -> list[np.ndarray]:
    """The photos of :func:`load_named_backgrounds` without their names."""
    return [rgb for _, rgb in load_named_backgrounds(folder)]


def background_credits(folder: str | Path) -> dict[str, str]:
    """File name -> "licence (source)" from the folder's LICENSES.tsv, when it has one."""
    path = Path(folder) / "LICENSES.tsv"
    if not path.is_file():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) >= 3:
            out[cols[0]] = f"{cols[2]} ({cols[1]})"
    return out


def _write_png(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), array):
        raise SynthError(f"{path}: cannot write")


def write_dataset(out: str | Path, count: int, seed: int, size: int, photos: list[np.ndarray],
                  progress: ProgressFn = no_progress, cancel: CancelFn = never_cancel) -> list[str]:
    """Write ``count`` composites (names synth0000, ...); composite i uses seed [seed, i]. Returns the names."""
    out = Path(out)
    names = []
    for i in range(count):
        check_cancel(cancel)
        comp = make_composite([seed, i], photos, size)
        name = f"synth{i:04d}"
        _write_png(out / "image" / f"{name}.png", cv2.cvtColor(comp.image, cv2.COLOR_RGB2BGR))
        for inst, alpha in comp.alphas.items():
            _write_png(out / "instances" / name / f"{inst}.png", np.round(alpha * 255).astype(np.uint8))
        names.append(name)
        progress((i + 1) / count, name)
    return names
