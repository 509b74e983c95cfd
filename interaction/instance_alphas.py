"""The alphas a user sees and exports: each instance's refined alpha after its edge controls, made exclusive (per
pixel they sum to at most 1), at full resolution or at a preview size.

A preview of a large photo works on reduced copies of each round's alpha and support map, made once per round and
size and kept with the round's result, so that dragging an edge slider only re-applies the edge controls and the
exclusivity at the preview size.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .edge import EdgeSettings, apply_edge
from .exclusive import exclusive_alphas
from .prompts import Prompt
from .raster import rasterise
from .results import RoundResult


@dataclass(frozen=True)
class AlphaSource:
    """One instance's current round, its prompts and its edge settings (all immutable once taken)."""

    name: str
    result: RoundResult
    prompts: tuple[Prompt, ...]
    edge: EdgeSettings


def _support(src: AlphaSource) -> np.ndarray:
    """Who wins a pixel claimed by several instances: the coarse probability, raised by positive seeds and lowered by
    negative ones."""
    h, w = src.result.alpha.shape
    pos, neg = rasterise(src.prompts, h, w)
    return src.result.prob + pos.astype(np.float32) - neg.astype(np.float32)


def _reduced(src: AlphaSource, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(alpha, support) of ``src`` at ``size`` (width, height), made once per result and size."""
    cache = src.result.previews
    if size not in cache:
        cache.clear()  # one preview size at a time (the window's)
        alpha = cv2.resize(src.result.alpha, size, interpolation=cv2.INTER_AREA)
        support = cv2.resize(_support(src), size, interpolation=cv2.INTER_AREA)
        cache[size] = (alpha, support)
    return cache[size]


def edged_alphas(sources: list[AlphaSource], size: tuple[int, int] | None = None) -> dict[str, np.ndarray]:
    """Exclusive alphas of ``sources`` after their edge controls, at full resolution (``size`` None) or at ``size``
    (width, height), where the edge controls' sizes shrink with the image."""
    alphas, support = [], []
    for src in sources:
        full = src.result.alpha.shape
        if size is None or size == (full[1], full[0]):
            a, s = src.result.alpha, _support(src)
            scale = 1.0
        else:
            a, s = _reduced(src, size)
            scale = size[0] / full[1]
        alphas.append(apply_edge(a, src.edge, scale, full))
        support.append(s)
    return dict(zip([s.name for s in sources], exclusive_alphas(alphas, support)))


def preview_size(height: int, width: int, side: int) -> tuple[int, int] | None:
    """(width, height) of a preview whose long side is ``side``; None when the image is no larger than that."""
    if max(height, width) <= side:
        return None
    f = side / max(height, width)
    return max(1, round(width * f)), max(1, round(height * f))
