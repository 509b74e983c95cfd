"""Photos the text set and the tests use: scikit-image's sample photos, scenes composed from them (two people side by
side, three at different sizes, a recoloured copy, a person beside a cat), and alphamatting27 photos read from the
data folder (never copied). A scene is built from arrays, so the same function places a photo and its masks.

Names: ``astronaut``, ``chelsea``, ``coffee``, ``motorcycle``, ``camera`` (scikit-image's photos), ``astronaut-pair``,
``astronaut-trio``, ``astronaut-blue``, ``astronaut-cat``, and ``am27:GTnn`` (alphamatting27, with its true alpha).
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from ..imageio import load_image

#: scikit-image sample photos by name (files inside the installed package, no download)
SKIMAGE = {"astronaut": "astronaut.png", "chelsea": "chelsea.png", "coffee": "coffee.png",
           "motorcycle": "motorcycle_left.png", "camera": "camera.png"}
COMPOSED = ("astronaut-pair", "astronaut-trio", "astronaut-blue", "astronaut-cat")
#: the trio: (scale, left edge) of each copy of the astronaut photo, on a grey canvas, bottom-aligned, apart
TRIO = ((0.75, 0), (0.5, 420), (1.0, 700))
TRIO_SIZE = (512, 1212)


class SceneError(ValueError):
    """A scene name is unknown or its data is missing."""


def skimage_photo(name: str) -> np.ndarray:
    """An RGB uint8 photo shipped inside scikit-image."""
    import skimage

    path = Path(skimage.__file__).parent / "data" / SKIMAGE[name]
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise SceneError(f"scikit-image's {SKIMAGE[name]} is not installed")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def pair(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Two pictures side by side (the right one scaled to the left one's height)."""
    h = left.shape[0]
    if right.shape[0] != h:
        w = round(right.shape[1] * h / right.shape[0])
        interp = cv2.INTER_NEAREST if right.dtype == bool else cv2.INTER_AREA
        right = cv2.resize(right.astype(np.uint8), (w, h), interpolation=interp).astype(right.dtype)
    return np.concatenate([left, right], axis=1)


def trio(photo: np.ndarray, fill=128) -> np.ndarray:
    """Three copies of a 512 px photo at the scales of :data:`TRIO`, bottom-aligned on a ``fill`` canvas."""
    h, w = TRIO_SIZE
    out = np.full((h, w) + photo.shape[2:], fill, photo.dtype)
    for scale, x in TRIO:
        side = round(photo.shape[0] * scale)
        interp = cv2.INTER_NEAREST if photo.dtype == bool else cv2.INTER_AREA
        small = cv2.resize(photo.astype(np.uint8), (side, side), interpolation=interp).astype(photo.dtype)
        out[h - side:, x:x + side] = small
    return out


def recolour_blue(rgb: np.ndarray) -> np.ndarray:
    """The saturated orange of a photo (the astronaut's suit) turned blue; other colours stay."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hue, sat = hsv[..., 0].astype(np.int32), hsv[..., 1]
    orange = (hue <= 22) & (sat >= 120)
    hue[orange] = (hue[orange] + 100) % 180
    hsv[..., 0] = hue.astype(np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


def data_dir(root: str | os.PathLike | None = None) -> Path:
    return Path(root or os.environ.get("MATTESTUDIO_DATA", "../shared/data"))


def scene(name: str, data: str | os.PathLike | None = None,
          person_mask: np.ndarray | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
    """(RGB photo, true masks of its instances). Composed scenes take their masks from ``person_mask`` (the
    astronaut's, when given), listed left to right; ``am27:GTnn`` from its true alpha; the others have none."""
    if name in SKIMAGE:
        img = skimage_photo(name)
        return img, ([person_mask] if name == "astronaut" and person_mask is not None else [])
    if name.startswith("am27:"):
        root = data_dir(data) / "alphamatting27"
        stem = name.split(":", 1)[1]
        if not (root / "image" / f"{stem}.png").is_file():
            raise SceneError(f"{name}: alphamatting27 is not in {root.parent} (set MATTESTUDIO_DATA)")
        alpha = cv2.imread(str(root / "alpha" / f"{stem}.png"), cv2.IMREAD_GRAYSCALE)
        return load_image(root / "image" / f"{stem}.png").rgb, [alpha >= 128]
    if name not in COMPOSED:
        raise SceneError(f"unknown scene '{name}' (known: {', '.join(list(SKIMAGE) + list(COMPOSED))}, am27:GTnn)")
    a = skimage_photo("astronaut")
    m = person_mask
    z = None if m is None else np.zeros_like(m)
    if name == "astronaut-pair":
        return pair(a, a), [] if m is None else [pair(m, z), pair(z, m)]
    if name == "astronaut-blue":
        return pair(a, recolour_blue(a)), [] if m is None else [pair(m, z), pair(z, m)]
    if name == "astronaut-cat":
        c = skimage_photo("chelsea")
        return pair(a, c), [] if m is None else [pair(m, np.zeros(c.shape[:2], bool))]
    masks = []
    if m is not None:
        for k in range(len(TRIO)):
            only = [(s, x) for i, (s, x) in enumerate(TRIO) if i == k]
            masks.append(_trio_one(m, only))
    return trio(a), masks


def _trio_one(mask: np.ndarray, placement) -> np.ndarray:
    """The mask of one copy of the trio (the copies do not overlap)."""
    h, w = TRIO_SIZE
    out = np.zeros((h, w), bool)
    for scale, x in placement:
        side = round(mask.shape[0] * scale)
        out[h - side:, x:x + side] = cv2.resize(mask.astype(np.uint8), (side, side),
                                                interpolation=cv2.INTER_NEAREST).astype(bool)
    return out
