"""Soft strokes with a refiner that was not made for them: the painted pixels are solved by the classic refiner.

The learned refiners (MRN, Mask2Alpha, GFM) were trained on coarse masks, never on plateaus of undecided probability
(0.5) as wide as a painted veil; given one they refine every tile of it, slowly, and guess (measured in
``docs/BENCHMARKS.md``, "Large unknown regions"). A refiner that declares ``handles_soft = True`` (the classic one)
gets the request as it is. Any other gets the segmenter's own map, as without soft strokes, and the pixels under the
strokes take the classic refiner's alpha, solved with the soft-covered map and trimap, blended in over a few pixels
inside the strokes' edge so that no seam shows.
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from mattestudio.models import registry
from mattestudio.models.protocol import CancelFn, ProgressFn, RefineRequest, RefineResult

from .trimap import trimap_from_prob

#: px inside a soft stroke's edge over which the classic alpha takes over from the other refiner's
BLEND_PX = 4


def handles_soft(refiner: object) -> bool:
    return bool(getattr(refiner, "handles_soft", False))


class SoftFallback:
    """The classic refiner, built on first use and kept (by the session) for later rounds."""

    def __init__(self):
        self._refiner = None

    def refine(self, request: RefineRequest, progress: ProgressFn, cancel: CancelFn) -> RefineResult:
        if self._refiner is None:
            self._refiner = registry.create("classic", "refiner", "cpu")
        return self._refiner.refine(request, progress, cancel)


def blend_soft(alpha: np.ndarray, soft_alpha: np.ndarray, soft: np.ndarray) -> np.ndarray:
    """``soft_alpha`` inside the ``soft`` pixels, ``alpha`` outside, ramped over :data:`BLEND_PX` px inside."""
    inside = cv2.distanceTransform(soft.astype(np.uint8), cv2.DIST_L2, 3)
    w = np.clip(inside / BLEND_PX, 0.0, 1.0)
    return (w * soft_alpha + (1.0 - w) * alpha).astype(np.float32)


def refine_with_fallback(refiner, fallback: SoftFallback, image: np.ndarray, key: str, prob: np.ndarray,
                         covered: np.ndarray, soft: np.ndarray, progress: ProgressFn,
                         cancel: CancelFn) -> tuple[RefineResult, np.ndarray, float]:
    """``refiner`` on the segmenter's own map ``prob`` (and its trimap when it reads one) for the picture, told which
    pixels will be solved for it (``RefineRequest.soft``: it may skip them); the classic refiner on ``covered`` (soft
    pixels at 0.5) and its trimap, unknown under the strokes, for the painted pixels, as a classic session would solve
    them. Returns the merged result, that trimap and the seconds of both refiner calls."""
    plain = trimap_from_prob(image, prob) if getattr(refiner, "uses_trimap", True) else None
    t0 = time.perf_counter()
    ref = refiner.refine(RefineRequest(image, prob, plain, key, soft), lambda f, m="": progress(0.7 * f, m), cancel)
    seconds = time.perf_counter() - t0
    trimap = trimap_from_prob(image, covered, soft=soft)  # the classic path's own trimap, the round's too
    t0 = time.perf_counter()
    solved = fallback.refine(RefineRequest(image, covered, trimap, key, soft), lambda f, m="": progress(0.7 + 0.3 * f, m),
                             cancel)
    seconds += time.perf_counter() - t0
    name = getattr(refiner, "name", "this refiner")
    note = f"the soft strokes were solved by the classic refiner ({name} is not made for them)"
    warnings = list(ref.info.get("warnings", [])) + list(solved.info.get("warnings", [])) + [note]
    return RefineResult(blend_soft(ref.alpha, solved.alpha, soft), {**ref.info, "warnings": warnings}), trimap, seconds
