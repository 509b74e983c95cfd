"""PNG export of alphas, coarse masks, straight-alpha RGBA cut-outs and cut-outs over a colour (atomic: nothing is
overwritten on failure)."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from .atomic import write_bytes_atomic
from .edge import decontaminate
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


def foreground(image: np.ndarray, alpha: np.ndarray, decontaminate_amount: float = 0.0) -> np.ndarray:
    """The cut-out's colours: the estimated foreground, decontaminated by ``decontaminate_amount`` (0..100 %)."""
    return np.clip(decontaminate(estimate_foreground(image, alpha), alpha, decontaminate_amount), 0.0, 1.0)


def rgba_cutout(image: np.ndarray, alpha: np.ndarray, bits: int = 8, decontaminate_amount: float = 0.0) -> np.ndarray:
    """Straight (unpremultiplied) RGBA cut-out with the estimated foreground colour."""
    fg = foreground(image, alpha, decontaminate_amount)
    top = 255.0 if bits == 8 else 65535.0
    dtype = np.uint8 if bits == 8 else np.uint16
    rgb = np.round(fg * top).astype(dtype)
    return np.dstack([rgb, quantise(alpha, bits)])


def _check_shape(image: np.ndarray, alpha: np.ndarray) -> None:
    if image.shape[:2] != alpha.shape:
        raise ExportError(f"alpha {alpha.shape[::-1]} does not match the image {image.shape[1::-1]}")


def export_rgba(image: np.ndarray, alpha: np.ndarray, path: str | os.PathLike, bits: int = 8,
                decontaminate_amount: float = 0.0) -> Path:
    """Write the straight-alpha RGBA cut-out of ``image`` with ``alpha``."""
    _check_shape(image, alpha)
    return _write(path, encode_png(rgba_cutout(image, alpha, bits, decontaminate_amount)))


def parse_colour(text: str) -> tuple[int, int, int]:
    """``#rrggbb`` or ``r,g,b`` (0..255 each) -> an RGB triple."""
    t = text.strip()
    try:
        if t.startswith("#") and len(t) == 7:
            rgb = tuple(int(t[i:i + 2], 16) for i in (1, 3, 5))
        else:
            rgb = tuple(int(v) for v in t.split(","))
    except ValueError:
        rgb = ()
    if len(rgb) != 3 or not all(0 <= v <= 255 for v in rgb):
        raise ExportError(f"colour '{text}' must be #rrggbb or r,g,b with values 0..255")
    return rgb  # type: ignore[return-value]


def over_colour(image: np.ndarray, alpha: np.ndarray, colour: tuple[int, int, int],
                decontaminate_amount: float = 0.0) -> np.ndarray:
    """The cut-out composited over a solid ``colour`` (H x W x 3 uint8): foreground * alpha + colour * (1 - alpha)."""
    a = alpha[..., None].astype(np.float64)
    rgb = foreground(image, alpha, decontaminate_amount) * a + np.array(colour, np.float64) / 255.0 * (1.0 - a)
    return np.round(np.clip(rgb, 0.0, 1.0) * 255.0).astype(np.uint8)


def export_over(image: np.ndarray, alpha: np.ndarray, colour: tuple[int, int, int], path: str | os.PathLike,
                decontaminate_amount: float = 0.0) -> Path:
    """Write the cut-out over ``colour`` as an opaque RGB PNG."""
    _check_shape(image, alpha)
    return _write(path, encode_png(over_colour(image, alpha, colour, decontaminate_amount)))
