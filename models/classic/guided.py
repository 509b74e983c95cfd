"""Guided filter (He et al.) with box filters: edge-aware smoothing and the local linear model used to upsample a
matte solved at low resolution (the "fast guided filter" route)."""

from __future__ import annotations

import cv2
import numpy as np


def _box(a: np.ndarray, r: int) -> np.ndarray:
    return cv2.boxFilter(a, -1, (2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REFLECT)


def _solve_sym3(var: list[np.ndarray], rhs: np.ndarray) -> np.ndarray:
    """Solve the symmetric 3x3 systems ``V a = rhs`` per pixel by the adjugate (much faster than a batched LAPACK call
    on millions of tiny systems). ``var`` = [v00, v01, v02, v11, v12, v22]; ``rhs`` is ... x 3."""
    v00, v01, v02, v11, v12, v22 = var
    c00 = v11 * v22 - v12 * v12
    c01 = v02 * v12 - v01 * v22
    c02 = v01 * v12 - v02 * v11
    c11 = v00 * v22 - v02 * v02
    c12 = v01 * v02 - v00 * v12
    c22 = v00 * v11 - v01 * v01
    det = v00 * c00 + v01 * c01 + v02 * c02
    inv_det = 1.0 / det
    r0, r1, r2 = rhs[..., 0], rhs[..., 1], rhs[..., 2]
    return np.stack([(c00 * r0 + c01 * r1 + c02 * r2) * inv_det,
                     (c01 * r0 + c11 * r1 + c12 * r2) * inv_det,
                     (c02 * r0 + c12 * r1 + c22 * r2) * inv_det], -1)


def guided_coefficients(guide: np.ndarray, src: np.ndarray, radius: int, eps: float,
                        where: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean-filtered coefficients (a: H x W x 3, b: H x W) of the local linear model ``src ~ a . guide + b``.
    With ``where``, the model is only fitted there (exact for pixels at least ``radius`` inside it)."""
    r = max(1, int(radius))
    I = guide.astype(np.float32)
    p = src.astype(np.float32)
    mean_I = _box(I, r)
    mean_p = _box(p, r)
    cov_Ip = _box(I * p[:, :, None], r) - mean_I * mean_p[:, :, None]
    var = []
    for i, j in ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)):
        v = _box(I[:, :, i] * I[:, :, j], r) - mean_I[:, :, i] * mean_I[:, :, j]
        var.append(v + eps if i == j else v)
    if where is None:
        a = _solve_sym3(var, cov_Ip)
    else:
        a = np.zeros(I.shape, np.float32)
        a[where] = _solve_sym3([v[where] for v in var], cov_Ip[where])
    b = mean_p - np.einsum("hwc,hwc->hw", a, mean_I)
    return _box(a, r), _box(b, r)


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float,
                  where: np.ndarray | None = None) -> np.ndarray:
    """Colour-guided filter of ``src`` (H x W float32) by ``guide`` (H x W x 3 float32 in [0, 1]); with ``where``,
    exact only for pixels at least ``radius`` inside it."""
    a, b = guided_coefficients(guide, src, radius, eps, where)
    return np.einsum("hwc,hwc->hw", a, guide.astype(np.float32)) + b


def guided_upsample(guide_small: np.ndarray, src_small: np.ndarray, guide_full: np.ndarray, radius: int = 1,
                    eps: float = 1e-5, rows: int = 512,
                    region: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """Upsample ``src_small`` to the size of ``guide_full`` through the local linear model fitted at low resolution,
    so that the result follows the full-resolution image's detail.

    ``region`` = (y0, y1, x0, x1) in full-resolution pixels limits the work (and the returned array) to that window;
    it is processed in strips of ``rows`` to bound memory."""
    H, W = guide_full.shape[:2]
    hs, ws = src_small.shape
    y0, y1, x0, x1 = region if region is not None else (0, H, 0, W)
    fy, fx = hs / H, ws / W  # full -> small scale
    # the small window that covers the region, with room for the filter and the bilinear kernel
    m = 2 * max(1, radius) + 2
    sy0, sy1 = max(0, int(y0 * fy) - m), min(hs, int(np.ceil(y1 * fy)) + m)
    sx0, sx1 = max(0, int(x0 * fx) - m), min(ws, int(np.ceil(x1 * fx)) + m)
    a, b = guided_coefficients(guide_small[sy0:sy1, sx0:sx1], src_small[sy0:sy1, sx0:sx1], radius, eps)
    out = np.empty((y1 - y0, x1 - x0), np.float32)
    for ty in range(y0, y1, rows):
        tb = min(y1, ty + rows)
        # inverse map: destination pixel (u, v) of this strip -> source coordinate in the small window
        inv = np.array([[fx, 0, (x0 + 0.5) * fx - 0.5 - sx0],
                        [0, fy, (ty + 0.5) * fy - 0.5 - sy0]], np.float32)
        size = (x1 - x0, tb - ty)
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        au = cv2.warpAffine(a, inv, size, flags=flags, borderMode=cv2.BORDER_REPLICATE)
        bu = cv2.warpAffine(b, inv, size, flags=flags, borderMode=cv2.BORDER_REPLICATE)
        g = guide_full[ty:tb, x0:x1].astype(np.float32) / (255.0 if guide_full.dtype == np.uint8 else 1.0)
        out[ty - y0:tb - y0] = np.einsum("hwc,hwc->hw", au, g) + bu
    return out
