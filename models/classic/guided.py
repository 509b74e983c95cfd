"""Fast guided filter (He et al.) with box filters, used to upsample coarse maps along image edges."""

from __future__ import annotations

import cv2
import numpy as np


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """Colour-guided filter of ``src`` (H x W float32) by ``guide`` (H x W x 3 float32 in [0, 1])."""
    r = max(1, int(radius))
    k = (2 * r + 1, 2 * r + 1)

    def box(a):
        return cv2.boxFilter(a, -1, k, borderType=cv2.BORDER_REFLECT)

    I = guide.astype(np.float32)
    p = src.astype(np.float32)
    mean_I = box(I)
    mean_p = box(p)
    mean_Ip = box(I * p[:, :, None])
    cov_Ip = mean_Ip - mean_I * mean_p[:, :, None]
    # 3x3 covariance of the guide per pixel
    var = np.empty(I.shape[:2] + (3, 3), np.float32)
    for i in range(3):
        for j in range(i, 3):
            v = box(I[:, :, i] * I[:, :, j]) - mean_I[:, :, i] * mean_I[:, :, j]
            var[:, :, i, j] = v
            var[:, :, j, i] = v
    var += eps * np.eye(3, dtype=np.float32)
    a = np.linalg.solve(var, cov_Ip[:, :, :, None])[:, :, :, 0]
    b = mean_p - np.einsum("hwc,hwc->hw", a, mean_I)
    return np.einsum("hwc,hwc->hw", box(a), I) + box(b)
