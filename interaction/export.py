"""PNG export of alphas and straight-alpha RGBA cut-outs (atomic: nothing is overwritten on failure)."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from .atomic import write_bytes_atomic
from .errors import ExportError


def encode_png(array: np.ndarray) -> bytes:
    """PNG bytes of a uint8/uint16 grey or RGB(A) array given in RGB order."""
    a = np.ascontiguousarray(array)
    if a.ndim == 3:
        a = cv2.cvtColor(a, cv2.COLOR_RGBA2BGRA if a.shape[2] == 4 else cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".png", a)
    if not ok:
        raise ExportError("PNG encoding failed")
    return buf.tobytes()


def quantise(alpha: np.ndarray, bits: int) -> np.ndarray:
    if bits not in (8, 16):
        raise ExportError(f"alpha PNG depth must be 8 or 16 bits, not {bits}")
    top = 255.0 if bits == 8 else 65535.0
    return np.round(np.clip(alpha, 0.0, 1.0) * top).astype(np.uint8 if bits == 8 else np.uint16)


def _write(path: str | os.PathLike, data: bytes) -> Path:
    p = Path(path)
    if p.suffix.lower() != ".png":
        raise ExportError(f"{p}: export files must end in .png")
    try:
        write_bytes_atomic(p, data)
    except OSError as exc:
        raise ExportError(f"{p}: cannot write ({exc.strerror or exc})") from None
    return p


def export_alpha(alpha: np.ndarray, path: str | os.PathLike, bits: int = 8) -> Path:
    """Write ``alpha`` (H x W float in [0, 1]) as a grey PNG of 8 or 16 bits."""
    return _write(path, encode_png(quantise(alpha, bits)))


def export_mask(mask: np.ndarray, path: str | os.PathLike) -> Path:
    """Write a coarse mask (H x W bool, or a probability thresholded at 0.5) as an 8-bit PNG of 0 and 255."""
    m = mask if mask.dtype == bool else np.asarray(mask) >= 0.5
    return _write(path, encode_png(np.where(m, 255, 0).astype(np.uint8)))


def estimate_foreground(image: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Foreground colours (H x W x 3 float in [0, 1]) so that edges carry no background halo (pymatting ML)."""
    from pymatting import estimate_foreground_ml

    img = image.astype(np.float64) / 255.0
    fg = estimate_foreground_ml(img, alpha.astype(np.float64))
    return np.clip(fg, 0.0, 1.0)


def rgba_cutout(image: np.ndarray, alpha: np.ndarray, bits: int = 8) -> np.ndarray:
    """Straight (unpremultiplied) RGBA cut-out with the estimated foreground colour."""
    fg = estimate_foreground(image, alpha)
    top = 255.0 if bits == 8 else 65535.0
    dtype = np.uint8 if bits == 8 else np.uint16
    rgb = np.round(fg * top).astype(dtype)
    return np.dstack([rgb, quantise(alpha, bits)])


def export_rgba(image: np.ndarray, alpha: np.ndarray, path: str | os.PathLike, bits: int = 8) -> Path:
    """Write the straight-alpha RGBA cut-out of ``image`` with ``alpha``."""
    if image.shape[:2] != alpha.shape:
        raise ExportError(f"alpha {alpha.shape[::-1]} does not match the image {image.shape[1::-1]}")
    return _write(path, encode_png(rgba_cutout(image, alpha, bits)))
