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
        b = self.bins
        w = None if weights is None else weights[sample]
        hist = np.bincount(idx[sample].ravel(), weights=None if w is None else w.ravel(), minlength=b ** 3)
        hist = gaussian_filter(hist.reshape(b, b, b).astype(np.float64), self.sigma, mode="constant")
        total = hist.sum()
        if total <= 0:
            return np.zeros(idx.shape, np.float32)
        p = hist.ravel() / total + 1e-6 / b ** 3
        return (-np.log(p)).astype(np.float32)[idx]
