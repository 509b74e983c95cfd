"""Matting metrics as the standard evaluation code of Rhemann et al. (alphamatting.com) defines them.

All alphas are float arrays in [0, 1]. ``region`` is a bool mask of the pixels that count (the whole image or the
trimap's unknown region). SAD, Grad and Conn are reported divided by 1000; MSE and MAD are means over the region
(printed x 10^3 by the report).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np
from scipy import ndimage

GRAD_SIGMA = 1.4
CONN_STEP = 0.1
CONN_THETA = 0.15
SCALE = 1000.0


def _region(alpha: np.ndarray, region: np.ndarray | None) -> np.ndarray:
    return np.ones(alpha.shape, bool) if region is None else region.astype(bool)


def sad(pred: np.ndarray, gt: np.ndarray, region: np.ndarray | None = None) -> float:
    r = _region(gt, region)
    return float(np.abs(pred.astype(np.float64) - gt)[r].sum() / SCALE)


def mse(pred: np.ndarray, gt: np.ndarray, region: np.ndarray | None = None) -> float:
    r = _region(gt, region)
    n = int(r.sum())
    return float(((pred.astype(np.float64) - gt) ** 2)[r].sum() / max(n, 1))


def mad(pred: np.ndarray, gt: np.ndarray, region: np.ndarray | None = None) -> float:
    r = _region(gt, region)
    n = int(r.sum())
    return float(np.abs(pred.astype(np.float64) - gt)[r].sum() / max(n, 1))


def _gauss(x: np.ndarray, sigma: float) -> np.ndarray:
    return np.exp(-x ** 2 / (2 * sigma ** 2)) / (sigma * np.sqrt(2 * np.pi))


def _dgauss(x: np.ndarray, sigma: float) -> np.ndarray:
    return -x * _gauss(x, sigma) / sigma ** 2


def gauss_gradient_kernel(sigma: float = GRAD_SIGMA, epsilon: float = 1e-2) -> np.ndarray:
    """The x kernel of the evaluation code's ``gaussgradient``: gauss(row) * dgauss(col), unit L2 norm."""
    half = int(np.ceil(sigma * np.sqrt(-2 * np.log(np.sqrt(2 * np.pi) * sigma * epsilon))))
    u = np.arange(-half, half + 1, dtype=np.float64)
    hx = _gauss(u, sigma)[:, None] * _dgauss(u, sigma)[None, :]
    return hx / np.sqrt(np.sum(hx * hx))


def gradient_magnitude(alpha: np.ndarray, sigma: float = GRAD_SIGMA) -> np.ndarray:
    """Magnitude of the first-derivative-of-Gaussian gradient of the min-max normalised ``alpha``."""
    a = alpha.astype(np.float64)
    lo, hi = float(a.min()), float(a.max())
    a = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    hx = gauss_gradient_kernel(sigma)
    gx = ndimage.convolve(a, hx, mode="nearest")
    gy = ndimage.convolve(a, hx.T, mode="nearest")
    return np.sqrt(gx * gx + gy * gy)


def grad(pred: np.ndarray, gt: np.ndarray, region: np.ndarray | None = None, sigma: float = GRAD_SIGMA) -> float:
    r = _region(gt, region)
    err = (gradient_magnitude(pred, sigma) - gradient_magnitude(gt, sigma)) ** 2
    return float(err[r].sum() / SCALE)


def _largest_component(mask: np.ndarray) -> np.ndarray:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=4)
    if n <= 1:
        return np.zeros(mask.shape, bool)
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return labels == best


def connectivity_levels(pred: np.ndarray, gt: np.ndarray, step: float = CONN_STEP) -> np.ndarray:
    """l(i): the last threshold at which pixel i was still in the largest 4-connected component of
    (pred >= t) & (gt >= t); 1 for pixels that never left it."""
    steps = np.round(np.arange(0.0, 1.0 + step / 2, step), 10)
    level = np.full(pred.shape, -1.0)
    for prev_t, t in zip(steps[:-1], steps[1:]):
        omega = _largest_component((pred >= t) & (gt >= t))
        level[(level == -1) & ~omega] = prev_t
    level[level == -1] = 1.0
    return level


def conn(pred: np.ndarray, gt: np.ndarray, region: np.ndarray | None = None, step: float = CONN_STEP,
         theta: float = CONN_THETA) -> float:
    r = _region(gt, region)
    p, g = pred.astype(np.float64), gt.astype(np.float64)
    level = connectivity_levels(p, g, step)
    pd, gd = p - level, g - level
    phi_p = 1 - pd * (pd >= theta)
    phi_g = 1 - gd * (gd >= theta)
    return float(np.abs(phi_p - phi_g)[r].sum() / SCALE)


def iou(pred_mask: np.ndarray, gt_mask: np.ndarray) -> float:
    p, g = pred_mask.astype(bool), gt_mask.astype(bool)
    union = int((p | g).sum())
    return 1.0 if union == 0 else float((p & g).sum() / union)


@dataclass
class AlphaScores:
    sad: float
    mse: float
    mad: float
    grad: float
    conn: float

    def to_dict(self) -> dict:
        return asdict(self)


def alpha_scores(pred: np.ndarray, gt: np.ndarray, region: np.ndarray | None = None) -> AlphaScores:
    return AlphaScores(sad(pred, gt, region), mse(pred, gt, region), mad(pred, gt, region), grad(pred, gt, region),
                       conn(pred, gt, region))


def noc(ious: list[float], threshold: float, max_clicks: int) -> int:
    """First click count (1-based) whose IoU reaches ``threshold``; ``max_clicks`` where it is never reached."""
    for i, v in enumerate(ious[:max_clicks]):
        if v >= threshold:
            return i + 1
    return max_clicks
