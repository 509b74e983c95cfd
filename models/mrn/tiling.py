"""Tile geometry of the MRN's fine pass, shared by its host and device pipelines."""

from __future__ import annotations

import cv2
import numpy as np


def tiles(h: int, w: int, tile: int, overlap: int) -> list[tuple[int, int, int, int]]:
    """(y0, x0, y1, x1) of ``tile``-px tiles stepping ``tile - overlap``; the last row and column end at the edge."""
    step = tile - overlap
    ys = list(range(0, max(h - tile, 0) + 1, step)) or [0]
    xs = list(range(0, max(w - tile, 0) + 1, step)) or [0]
    if ys[-1] + tile < h:
        ys.append(h - tile)
    if xs[-1] + tile < w:
        xs.append(w - tile)
    return [(y, x, min(y + tile, h), min(x + tile, w)) for y in ys for x in xs]


def ramp(tile: int, overlap: int) -> np.ndarray:
    """Feathering weights: 1 inside, falling linearly to a small value over the overlap at each edge."""
    r = np.ones(tile, np.float32)
    if overlap > 0:
        edge = np.linspace(1.0 / overlap, 1.0, overlap, dtype=np.float32)
        r[:overlap] = edge
        r[-overlap:] = edge[::-1]
    return np.outer(r, r)


def band_kernel(width: int) -> np.ndarray:
    """The elliptic structuring element that widens the uncertain region by the os1 PRM width."""
    k = width | 1
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
