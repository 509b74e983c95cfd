"""Geodesic distance from seed pixels over an image (raster-scan transform, compiled with numba).

Neither OpenCV nor scipy offers a geodesic distance transform; scikit-image's minimum-cost-path module does, but it is
about 20x slower on a 512 px image, so this small transform is written here (docs/decisions/0002-geodesic.md).
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.float32(1e10)


@njit(cache=True, nogil=True)
def _sweep(feat, dist, carry, gamma, tau, forward):  # pragma: no cover - compiled
    """One raster sweep: forward visits rows top-down with the upper/left half-mask, backward the reverse; ``carry``
    follows each pixel's best path back to its seed."""
    h, w, c = feat.shape
    dys = (-1, -1, -1, 0)
    dxs = (-1, 0, 1, -1)
    sign = 1 if forward else -1
    for i in range(h):
        y = i if forward else h - 1 - i
        for j in range(w):
            x = j if forward else w - 1 - j
            best = dist[y, x]
            came = carry[y, x]
            for k in range(4):
                yy = y + sign * dys[k]
                xx = x + sign * dxs[k]
                if yy < 0 or yy >= h or xx < 0 or xx >= w:
                    continue
                d2 = 0.0
                for ch in range(c):
                    diff = feat[y, x, ch] - feat[yy, xx, ch]
                    d2 += diff * diff
                step = 1.4142135 if (dys[k] != 0 and dxs[k] != 0) else 1.0
                cost = max(0.0, np.sqrt(d2) - tau) * gamma
                cand = dist[yy, xx] + np.sqrt(step * step + cost * cost)
                if cand < best:
                    best = cand
                    came = carry[yy, xx]
            dist[y, x] = best
            carry[y, x] = came


@njit(cache=True, nogil=True)
def _raster_scan(feat, dist, carry, gamma, tau, passes):  # pragma: no cover - compiled
    for _ in range(passes):
        _sweep(feat, dist, carry, gamma, tau, True)
        _sweep(feat, dist, carry, gamma, tau, False)
    return dist


def geodesic_distance(features: np.ndarray, seeds: np.ndarray, gamma: float = 1.0, tau: float = 0.0,
                      passes: int = 2) -> np.ndarray:
    """Distance (float32, pixels) from the nearest ``seeds`` pixel, where stepping between neighbours costs
    ``sqrt(spatial^2 + (gamma * max(0, |feature difference| - tau))^2)``: differences below ``tau`` (the image's
    noise and fine texture) cost nothing, so they do not add up along long paths. Unreachable pixels (no seeds) get a
    huge value."""
    return geodesic_nearest(features, seeds, np.zeros(seeds.shape, np.float32), gamma, tau, passes)[0]


def geodesic_nearest(features: np.ndarray, seeds: np.ndarray, values: np.ndarray, gamma: float = 1.0,
                     tau: float = 0.0, passes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """``geodesic_distance`` and, for every pixel, ``values`` (float32) at the seed pixel its shortest path starts
    from (0 where no seed reaches)."""
    feat = np.ascontiguousarray(features, np.float32)
    if feat.ndim == 2:
        feat = feat[:, :, None]
    dist = np.where(seeds, np.float32(0), INF).astype(np.float32)
    carry = np.where(seeds, values, 0).astype(np.float32)
    if not seeds.any():
        return dist, carry
    _raster_scan(feat, dist, carry, np.float32(gamma), np.float32(tau), passes)
    return dist, carry
