"""Smoothed colour histograms as fast foreground/background colour models."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter


class ColourModel:
    """A 3-D histogram over quantised RGB, Gaussian-smoothed in bin space, queried as -log likelihood."""

    def __init__(self, bins: int = 16, sigma: float = 1.0):
        self.bins = bins
        self.sigma = sigma

    def index(self, image_u8: np.ndarray) -> np.ndarray:
        q = (image_u8.astype(np.int32) * self.bins) >> 8
        return (q[..., 0] * self.bins + q[..., 1]) * self.bins + q[..., 2]

    def neg_log_likelihood(self, idx: np.ndarray, sample: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """-log p(colour | model fitted on ``idx[sample]``) for every pixel of ``idx``."""
        hist = self._smoothed(idx, sample, weights)
        total = hist.sum()
        if total <= 0:
            return np.zeros(idx.shape, np.float32)
        p = hist / total + 1e-6 / self.bins ** 3
        return (-np.log(p)).astype(np.float32)[idx]

    def _smoothed(self, idx: np.ndarray, sample: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """The smoothed (unnormalised) histogram of ``idx[sample]``, flat."""
        b = self.bins
        w = None if weights is None else weights[sample].ravel()
        hist = np.bincount(idx[sample].ravel(), weights=w, minlength=b ** 3)
        return gaussian_filter(hist.reshape(b, b, b).astype(np.float64), self.sigma, mode="constant").ravel()

    def local_neg_log_likelihood(self, idx: np.ndarray, sample: np.ndarray, spacing: float = 0.2,
                                 prior: float = 0.5) -> np.ndarray:
        """-log p(colour | models fitted on ``idx[sample]`` near each pixel): one histogram per window around the
        nodes of a grid ``spacing`` (share of the long side) apart, each window reaching the neighbouring nodes, mixed
        with the whole image's model as a pseudo-count of ``prior`` times the window's pixels (a window with few
        pixels of the label falls back to the whole image's colours); the costs are blended bilinearly between nodes.
        A patch of curtain seen through a plant is judged against the curtain beside it, dark fur against the fur
        around it, instead of against every colour of the photo."""
        b = self.bins
        whole = self._smoothed(idx, sample)
        if whole.sum() <= 0:
            return np.zeros(idx.shape, np.float32)
        p_whole = whole / whole.sum() + 1e-6 / b ** 3
        h, w = idx.shape
        s = max(4, int(round(spacing * max(h, w))))
        cost = np.zeros((h, w), np.float64)
        weight = np.zeros((h, w), np.float64)
        for yc in range(0, h + s - 1, s):
            for xc in range(0, w + s - 1, s):
                y0, y1, x0, x1 = max(0, yc - s), min(h, yc + s + 1), max(0, xc - s), min(w, xc + s + 1)
                if y0 >= y1 or x0 >= x1:
                    continue
                win = idx[y0:y1, x0:x1]
                local = self._smoothed(win, sample[y0:y1, x0:x1])
                pseudo = prior * win.size
                p = (local + pseudo * p_whole) / (local.sum() + pseudo)
                tent = np.clip(1 - np.abs(np.arange(y0, y1) - yc) / s, 0, None)[:, None] * \
                    np.clip(1 - np.abs(np.arange(x0, x1) - xc) / s, 0, None)[None, :]
                cost[y0:y1, x0:x1] += tent * -np.log(p)[win]
                weight[y0:y1, x0:x1] += tent
        return (cost / np.maximum(weight, 1e-9)).astype(np.float32)
