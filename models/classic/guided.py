"""Guided filter (He et al.) with box filters: edge-aware smoothing and the local linear model used to upsample a
matte solved at low resolution (the "fast guided filter" route)."""

from __future__ import annotations

import cv2
import numpy as np


def _box(a: np.ndarray, r: int) -> np.ndarray:
    return cv2.boxFilter(a, -1, (2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REFLECT)


def guided_coefficients(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean-filtered coefficients (a: H x W x 3, b: H x W) of the local linear model ``src ~ a . guide + b``."""
    r = max(1, int(radius))
    I = guide.astype(np.float32)
    p = src.astype(np.float32)
    mean_I = _box(I, r)
    mean_p = _box(p, r)
    cov_Ip = _box(I * p[:, :, None], r) - mean_I * mean_p[:, :, None]
    var = np.empty(I.shape[:2] + (3, 3), np.float32)
    for i in range(3):
        for j in range(i, 3):
            v = _box(I[:, :, i] * I[:, :, j], r) - mean_I[:, :, i] * mean_I[:, :, j]
            var[:, :, i, j] = v
            var[:, :, j, i] = v
    var += eps * np.eye(3, dtype=np.float32)
    a = np.linalg.solve(var, cov_Ip[:, :, :, None])[:, :, :, 0]
    b = mean_p - np.einsum("hwc,hwc->hw", a, mean_I)
    return _box(a, r), _box(b, r)


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """Colour-guided filter of ``src`` (H x W float32) by ``guide`` (H x W x 3 float32 in [0, 1])."""
    a, b = guided_coefficients(guide, src, radius, eps)
    return np.einsum("hwc,hwc->hw", a, guide.astype(np.float32)) + b


def guided_upsample(guide_small: np.ndarray, src_small: np.ndarray, guide_full: np.ndarray, radius: int = 1,
                    eps: float = 1e-5, rows: int = 512) -> np.ndarray:
    """Upsample ``src_small`` to the size of ``guide_full`` through the local linear model fitted at low resolution,
    so that the result follows the full-resolution image's detail. Processed in strips of ``rows`` to bound memory."""
    a, b = guided_coefficients(guide_small, src_small, radius, eps)
    H, W = guide_full.shape[:2]
    hs = a.shape[0]
    out = np.empty((H, W), np.float32)
    for y0 in range(0, H, rows):
        y1 = min(H, y0 + rows)
        # source rows that cover this strip (with a margin for the bilinear kernel)
        sy0 = max(0, int(np.floor(y0 * hs / H)) - 2)
        sy1 = min(hs, int(np.ceil(y1 * hs / H)) + 2)
        # map the strip through an affine resize of the covering source rows
        scale_y = H / hs
        m = np.array([[W / a.shape[1], 0, 0.5 * W / a.shape[1] - 0.5],
                      [0, scale_y, (sy0 + 0.5) * scale_y - 0.5 - y0]], np.float32)
        size = (W, y1 - y0)
        au = cv2.warpAffine(np.ascontiguousarray(a[sy0:sy1]), m, size, flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REPLICATE)
        bu = cv2.warpAffine(np.ascontiguousarray(b[sy0:sy1]), m, size, flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REPLICATE)
        g = guide_full[y0:y1].astype(np.float32) / (255.0 if guide_full.dtype == np.uint8 else 1.0)
        out[y0:y1] = np.einsum("hwc,hwc->hw", au, g) + bu
    return out
