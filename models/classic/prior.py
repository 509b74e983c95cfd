"""A soft foreground prior in the classic segmenter's unaries (e.g. the person segmenter's probability over a
person's box, passed as ``SegmentRequest.prior``; 0.5 means no opinion).

Its weight keeps it below the seeds: clicks and scribbles are hard constraints and their geodesic pulls weigh 3 to 8
per pixel, while the prior adds at most ``WEIGHT * -log(CLIP)`` (about 3.6 at the defaults) and nothing where it is
unsure. Measured in docs/BENCHMARKS.md ("Text grounding").
"""

from __future__ import annotations

import cv2
import numpy as np

WEIGHT = 1.2
CLIP = 0.05


def add_prior(cost_fg: np.ndarray, cost_bg: np.ndarray, prior: np.ndarray, weight: float | None = None) -> None:
    """Add ``weight * -log p`` to the cost of labelling foreground and ``weight * -log(1 - p)`` to background, with
    ``prior`` (H x W in [0, 1], any resolution) resized to the costs' scale."""
    h, w = cost_fg.shape
    p = prior if prior.shape == (h, w) else cv2.resize(prior.astype(np.float32), (w, h), interpolation=cv2.INTER_AREA)
    p = np.clip(p, CLIP, 1.0 - CLIP)
    weight = WEIGHT if weight is None else weight
    cost_fg += weight * -np.log(p)
    cost_bg += weight * -np.log(1.0 - p)
