"""Smoothed colour histograms (optionally colour x texture) as fast foreground/background colour models."""

from __future__ import annotations

import cv2
import numpy as np
from scipy.ndimage import gaussian_filter


class ColourModel:
    """A 3-D histogram over quantised RGB, Gaussian-smoothed in bin space, queried as -log likelihood.

    With ``texture`` > 1 each colour bin is split by how busy the pixel's neighbourhood is: the mean gradient
    magnitude of lightness over a ``texture_window`` square, cut at the photo's own quantiles into ``texture`` levels
    (smoothed by ``texture_sigma`` levels). A sharp subject in front of a defocused background of the same colours (a
    dry plant before a green leaf, a plush toy before a blurred street) then has colours of its own (decision 0009)."""

    texture_sigma = 0.5

    def __init__(self, bins: int = 16, sigma: float = 1.0, texture: int = 1, texture_window: int = 5):
        self.bins = bins
        self.sigma = sigma
        self.texture = max(1, int(texture))
        self.texture_window = texture_window

    @property
    def size(self) -> int:
        """Number of histogram bins."""
        return self.bins ** 3 * self.texture

    def index(self, image_u8: np.ndarray) -> np.ndarray:
        q = (image_u8.astype(np.int32) * self.bins) >> 8
        idx = (q[..., 0] * self.bins + q[..., 1]) * self.bins + q[..., 2]
        if self.texture > 1:
            idx = idx * self.texture + self.texture_levels(image_u8)
        return idx

    def texture_levels(self, image_u8: np.ndarray) -> np.ndarray:
        """Per pixel 0 .. ``texture`` - 1: the quantile level of its neighbourhood's mean lightness gradient."""
        light = cv2.cvtColor(np.ascontiguousarray(image_u8), cv2.COLOR_RGB2LAB)[..., 0].astype(np.float32)
        gx = cv2.Sobel(light, cv2.CV_32F, 1, 0)
        gy = cv2.Sobel(light, cv2.CV_32F, 0, 1)
        busy = cv2.blur(np.sqrt(gx * gx + gy * gy), (self.texture_window, self.texture_window))
        cuts = np.quantile(busy, np.linspace(0.0, 1.0, self.texture + 1)[1:-1])
        return np.searchsorted(cuts, busy).astype(np.int32)

    def neg_log_likelihood(self, idx: np.ndarray, sample: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """-log p(colour | model fitted on ``idx[sample]``) for every pixel of ``idx``."""
        hist = self._smoothed(idx, sample, weights)
        total = hist.sum()
        if total <= 0:
            return np.zeros(idx.shape, np.float32)
        p = hist / total + 1e-6 / self.size
        return (-np.log(p)).astype(np.float32)[idx]

    def _smoothed(self, idx: np.ndarray, sample: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """The smoothed (unnormalised) histogram of ``idx[sample]``, flat."""
        b = self.bins
        w = None if weights is None else weights[sample].ravel()
        hist = np.bincount(idx[sample].ravel(), weights=w, minlength=self.size).astype(np.float64)
        if self.texture > 1:
            sigma = (self.sigma,) * 3 + (self.texture_sigma,)
            return gaussian_filter(hist.reshape(b, b, b, self.texture), sigma, mode="constant").ravel()
        return gaussian_filter(hist.reshape(b, b, b), self.sigma, mode="constant").ravel()

    def local_neg_log_likelihood(self, idx: np.ndarray, sample: np.ndarray, spacing: float = 0.2,
                                 prior: float = 0.5) -> np.ndarray:
        """-log p(colour | models fitted on ``idx[sample]`` near each pixel): one histogram per window around the
        nodes of a grid ``spacing`` (share of the long side) apart, each window reaching the neighbouring nodes, mixed
        with the whole image's model as a pseudo-count of ``prior`` times the window's pixels (a window with few
        pixels of the label falls back to the whole image's colours); the costs are blended bilinearly between nodes.
        A patch of curtain seen through a plant is judged against the curtain beside it, dark fur against the fur
        around it, instead of against every colour of the photo."""
        whole = self._smoothed(idx, sample)
        if whole.sum() <= 0:
            return np.zeros(idx.shape, np.float32)
        p_whole = whole / whole.sum() + 1e-6 / self.size
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
