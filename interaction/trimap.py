"""Trimap from a coarse probability map, with an unknown band that follows image size and local uncertainty."""

from __future__ import annotations

import math

import cv2
import numpy as np

BG, UNKNOWN, FG = 0, 128, 255
#: coarse probability given to the pixels of soft strokes: covered by the mask (>= 0.5), and as undecided as can be
SOFT_PROB = 0.5


def cover_soft(prob: np.ndarray, soft: np.ndarray | None) -> np.ndarray:
    """``prob`` with the soft pixels set to :data:`SOFT_PROB`: the instance's mask covers them and a refiner that reads
    only the coarse map sees them as undecided (a copy; ``prob`` itself is left alone)."""
    if soft is None or not soft.any():
        return prob
    out = prob.astype(np.float32, copy=True)
    out[soft] = SOFT_PROB
    return out


def _fuzziness(image: np.ndarray, prob: np.ndarray, window: int) -> np.ndarray:
    """Per-pixel uncertainty in [0, 1]: soft probabilities and busy texture (hair, fur) both raise it."""
    p_unc = 1.0 - np.abs(2.0 * prob.astype(np.float32) - 1.0)  # 1 at p = 0.5, 0 at p in {0, 1}
    p_unc = cv2.blur(p_unc, (window, window))
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    mag = np.sqrt(gx * gx + gy * gy)
    # edge density: the share of pixels around that carry a strong gradient. A clean hard edge is a thin line
    # (about 2 / window of the window), hair and fur fill much of it.
    local_max = cv2.dilate(mag, np.ones((window, window), np.uint8))
    strong = (mag > 0.25 * local_max) & (local_max > 0.04)
    density = cv2.blur(strong.astype(np.float32), (window, window))
    texture = np.clip((density - 2.5 / window) / 0.35, 0.0, 1.0)
    return np.clip(0.3 * p_unc + 0.7 * texture, 0.0, 1.0)


def band_radius(height: int, width: int) -> float:
    """Base half-width of the unknown band: ~0.6% of the diagonal, at least 2 px."""
    return max(2.0, 0.006 * math.hypot(height, width))


#: images larger than this (long side) get their trimap computed at this size and upsampled
WORK_SIDE = 1024


def trimap_from_prob(image: np.ndarray, prob: np.ndarray, *, scale: float = 1.0,
                     min_factor: float = 0.5, max_factor: float = 3.0, soft: np.ndarray | None = None) -> np.ndarray:
    """Trimap (uint8 0/128/255) around the 0.5 contour of ``prob``; the ``soft`` pixels (H x W bool) are unknown
    whatever ``prob`` says there.

    The band's half-width at each boundary point is ``base * f`` with ``f`` between ``min_factor`` (hard, clean edges)
    and ``max_factor`` (hair, fur, soft prediction), where ``base`` grows with the image diagonal. Large images are
    processed at a working size; the full-resolution boundary always stays inside the band.
    """
    tri = _adaptive_trimap(image, prob, scale, min_factor, max_factor)
    if soft is not None:
        tri[soft] = UNKNOWN
    return tri


def _adaptive_trimap(image: np.ndarray, prob: np.ndarray, scale: float, min_factor: float,
                     max_factor: float) -> np.ndarray:
    h, w = prob.shape
    base = band_radius(h, w) * scale
    s = min(1.0, WORK_SIDE / max(h, w))
    if s >= 1.0:
        return _trimap(image, prob, base, min_factor, max_factor)
    size = (max(2, round(w * s)), max(2, round(h * s)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    p_small = cv2.resize(prob.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    tri = cv2.resize(_trimap(small, p_small, base * s, min_factor, max_factor), (w, h),
                     interpolation=cv2.INTER_NEAREST)
    mask = prob >= 0.5
    tri[(tri == FG) & ~mask] = UNKNOWN
    tri[(tri == BG) & mask] = UNKNOWN
    return tri


def _trimap(image: np.ndarray, prob: np.ndarray, base: float, min_factor: float, max_factor: float) -> np.ndarray:
    mask = (prob >= 0.5).astype(np.uint8)
    if mask.min() == mask.max():
        return np.where(mask > 0, FG, BG).astype(np.uint8)
    window = max(7, int(round(base * 4)) | 1)
    fuzz = _fuzziness(image, prob, window)
    # boundary pixels: where the mask changes within a 3x3 neighbourhood
    kernel = np.ones((3, 3), np.uint8)
    edge = (cv2.dilate(mask, kernel) != cv2.erode(mask, kernel))
    radius_at_edge = base * (min_factor + (max_factor - min_factor) * fuzz)
    # distance to, and the label of, the nearest boundary pixel
    src = np.where(edge, 0, 1).astype(np.uint8)
    dist, labels = cv2.distanceTransformWithLabels(src, cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL)
    ys, xs = np.nonzero(edge)
    lut = np.zeros(labels.max() + 1, np.float32)
    lut[labels[ys, xs]] = radius_at_edge[ys, xs]
    radius = lut[labels]
    trimap = np.where(mask > 0, FG, BG).astype(np.uint8)
    trimap[dist <= radius] = UNKNOWN
    return trimap
