"""Benchmark data folders.

Single instance: ``DIR/image/NAME.(png|jpg)`` + ``DIR/alpha/NAME.png`` (grey, RGB with equal channels, or RGBA: the
alpha channel), optional ``DIR/trimap/Trimap1/NAME.png`` and ``DIR/text/NAME.txt`` (a text prompt for the object).
Multi-instance: ``DIR/image/NAME.png`` + ``DIR/instances/NAME/<instance>.png`` (one alpha per instance, the visible
alpha after occlusion).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ..imageio import ImageError, load_image

IMAGE_EXTS = (".png", ".jpg", ".jpeg")


class DataError(ValueError):
    """A benchmark folder is missing or malformed; the message is meant for the user."""


@dataclass
class BenchItem:
    name: str
    image_path: Path
    alpha_paths: dict[str, Path]  # instance name -> alpha file
    trimap_path: Path | None = None
    text: str = ""

    @property
    def multi(self) -> bool:
        return len(self.alpha_paths) > 1 or self.alpha_paths.keys() != {"object"}


@dataclass
class LoadedItem:
    name: str
    image: np.ndarray  # H x W x 3 uint8
    alphas: dict[str, np.ndarray] = field(default_factory=dict)  # instance -> float32 H x W
    trimap: np.ndarray | None = None  # uint8 0/128/255
    text: str = ""


def read_alpha(path: Path) -> np.ndarray:
    a = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if a is None:
        raise ImageError(f"{path}: cannot read the alpha matte")
    if a.ndim == 3:
        if a.shape[2] == 4:
            a = a[:, :, 3]
        else:
            if not (np.array_equal(a[:, :, 0], a[:, :, 1]) and np.array_equal(a[:, :, 1], a[:, :, 2])):
                raise ImageError(f"{path}: an RGB alpha matte must have three equal channels")
            a = a[:, :, 0]
    top = 65535.0 if a.dtype == np.uint16 else 255.0
    return (a.astype(np.float32) / top).clip(0.0, 1.0)


def read_trimap(path: Path) -> np.ndarray:
    t = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if t is None:
        raise ImageError(f"{path}: cannot read the trimap")
    out = np.full(t.shape, 128, np.uint8)
    out[t == 0] = 0
    out[t == 255] = 255
    return out


def _find_image(folder: Path, name: str) -> Path | None:
    for ext in IMAGE_EXTS:
        p = folder / f"{name}{ext}"
        if p.is_file():
            return p
    return None


def discover(root: str | Path) -> list[BenchItem]:
    """All items of a benchmark folder, sorted by name."""
    root = Path(root)
    img_dir = root / "image"
    if not img_dir.is_dir():
        raise DataError(f"{root}: no 'image' folder (expected DIR/image/NAME.png with DIR/alpha or DIR/instances)")
    items = []
    names = sorted({p.stem for p in img_dir.iterdir() if p.suffix.lower() in IMAGE_EXTS})
    for name in names:
        image_path = _find_image(img_dir, name)
        inst_dir = root / "instances" / name
        if inst_dir.is_dir():
            alphas = {p.stem: p for p in sorted(inst_dir.glob("*.png"))}
        elif (root / "alpha" / f"{name}.png").is_file():
            alphas = {"object": root / "alpha" / f"{name}.png"}
        else:
            continue
        if not alphas:
            continue
        tri = root / "trimap" / "Trimap1" / f"{name}.png"
        txt = root / "text" / f"{name}.txt"
        text = txt.read_text(encoding="utf-8").strip() if txt.is_file() else ""
        items.append(BenchItem(name, image_path, alphas, tri if tri.is_file() else None, text))
    if not items:
        raise DataError(f"{root}: no image with a matching alpha (DIR/alpha/NAME.png) or DIR/instances/NAME/")
    return items


def load_item(item: BenchItem) -> LoadedItem:
    image = load_image(item.image_path).rgb
    alphas = {}
    for inst, p in item.alpha_paths.items():
        a = read_alpha(p)
        if a.shape != image.shape[:2]:
            raise DataError(f"{p}: alpha is {a.shape[1]}x{a.shape[0]}, image is {image.shape[1]}x{image.shape[0]}")
        alphas[inst] = a
    trimap = read_trimap(item.trimap_path) if item.trimap_path is not None else None
    if trimap is not None and trimap.shape != image.shape[:2]:
        raise DataError(f"{item.trimap_path}: trimap size differs from the image")
    return LoadedItem(item.name, image, alphas, trimap, item.text)
