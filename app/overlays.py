"""Overlay rendering: numpy maps -> RGBA uint8 arrays -> QImage (the only numpy -> Qt edge of the canvas)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import functools
import math

import cv2
import numpy as np
from PySide6.QtGui import QImage

#: side of one checkerboard square in image pixels
CHECKER = 16
CHECKER_LIGHT, CHECKER_DARK = 204, 153
#: colours of the conflict map: 1 = was background, now foreground; 2 = was foreground, now background
CONFLICT_TO_FG = (40, 230, 120)
CONFLICT_TO_BG = (240, 40, 200)
UNKNOWN_BAND = (255, 210, 0)
#: opacity of a tint where the alpha is 1 (the layer's own opacity slider multiplies it)
TINT_STRENGTH = 0.6
#: the mask's outline: dashes of these two colours (visible over any photo and any tint), this many px long, about
#: one px thick per this many px of the image diagonal (at least one)
OUTLINE_COLOURS = ((255, 255, 255), (0, 0, 0))
OUTLINE_DASH = 6
OUTLINE_PER_DIAGONAL = 800.0


class Overlay(str, Enum):
    """The overlay layers in drawing order (bottom first)."""

    COMPOSITE = "composite"
    ALPHA = "alpha"
    MASK = "mask"
    TRIMAP = "trimap"
    CONFLICT = "conflict"
    MARKERS = "markers"
    DETECTIONS = "detections"  # the boxes a text prompt was matched against (app/detections.py)


OVERLAY_TITLES = {
    Overlay.COMPOSITE: "Composite",
    Overlay.ALPHA: "Alpha (grey)",
    Overlay.MASK: "Mask tint",
    Overlay.TRIMAP: "Unknown band",
    Overlay.CONFLICT: "Conflict map",
    Overlay.MARKERS: "Prompt markers",
    Overlay.DETECTIONS: "Text detections",
}


@dataclass(frozen=True)
class InstanceLayer:
    """What the overlays need of one instance."""

    name: str
    colour: tuple[int, int, int]
    alpha: np.ndarray  # H x W float32, exclusive across instances


@functools.lru_cache(maxsize=4)
def checkerboard(height: int, width: int) -> np.ndarray:
    """Grey squares of :data:`CHECKER` px (cached: the same size is drawn again at every change; read-only)."""
    yy, xx = np.mgrid[0:height, 0:width]
    light = ((yy // CHECKER + xx // CHECKER) % 2) == 0
    g = np.where(light, CHECKER_LIGHT, CHECKER_DARK).astype(np.uint8)
    out = np.repeat(g[:, :, None], 3, axis=2)
    out.flags.writeable = False
    return out


def _rgba(rgb: np.ndarray, a: np.ndarray) -> np.ndarray:
    out = np.empty(rgb.shape[:2] + (4,), np.uint8)
    out[..., :3] = rgb
    out[..., 3] = a
    return out


def _opaque(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2RGBA)


def union_alpha(layers: list[InstanceLayer], height: int, width: int) -> np.ndarray:
    total = np.zeros((height, width), np.float32)
    for layer in layers:
        total += layer.alpha
    return np.clip(total, 0.0, 1.0)


def composite(image: np.ndarray, alpha: np.ndarray, background: tuple[int, int, int] | None = None) -> np.ndarray:
    """The cut-out over a checkerboard (``background`` None) or a solid colour, as opaque RGBA."""
    h, w = alpha.shape
    bg = checkerboard(h, w) if background is None else np.full((h, w, 3), background, np.uint8)
    a = np.ascontiguousarray(alpha, np.float32)
    return _opaque(cv2.blendLinear(np.ascontiguousarray(image), bg, a, 1.0 - a))


def alpha_grey(alpha: np.ndarray) -> np.ndarray:
    g = cv2.convertScaleAbs(np.clip(alpha, 0.0, 1.0), alpha=255.0)
    return cv2.cvtColor(g, cv2.COLOR_GRAY2RGBA)


def mask_tint(layers: list[InstanceLayer], height: int, width: int) -> np.ndarray:
    """Each instance's alpha tinted in its colour (alphas are exclusive, so tints add up without overflow), and the
    outline of each instance's alpha >= 0.5 in black and white dashes: a tint alone vanishes where the subject has the
    instance's colour (a red tint on an orange suit), the outline does not."""
    cover = union_alpha(layers, height, width)
    opacity = cv2.convertScaleAbs(cover, alpha=TINT_STRENGTH * 255.0)
    if len(layers) == 1:
        out = cv2.merge([np.full((height, width), c, np.uint8) for c in layers[0].colour] + [opacity])
    else:
        rgb = np.zeros((height, width, 3), np.float32)
        for layer in layers:
            rgb += layer.alpha[..., None] * np.array(layer.colour, np.float32)
        rgb = np.clip(rgb / np.maximum(cover, 1e-6)[..., None] + 0.5, 0, 255).astype(np.uint8)
        out = cv2.merge([rgb[..., 0], rgb[..., 1], rgb[..., 2], opacity])
    line = outline([layer.alpha >= 0.5 for layer in layers], height, width)
    yy, xx = np.nonzero(line)
    dark = ((xx + yy) // OUTLINE_DASH) % 2 == 1
    out[yy, xx, :3] = np.where(dark[:, None], OUTLINE_COLOURS[1], OUTLINE_COLOURS[0])
    out[yy, xx, 3] = 255
    return out


def outline(masks: list[np.ndarray], height: int, width: int) -> np.ndarray:
    """Pixels (H x W bool) along the boundary of each mask, inside it, about one px thick per
    :data:`OUTLINE_PER_DIAGONAL` px of the diagonal."""
    thick = max(1, round(math.hypot(height, width) / OUTLINE_PER_DIAGONAL))
    kernel = np.ones((2 * thick + 1, 2 * thick + 1), np.uint8)
    line = np.zeros((height, width), bool)
    for m in masks:
        m8 = m.astype(np.uint8)
        line |= m & (cv2.erode(m8, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=1) == 0)
    return line


def conflict_colours(conflict: np.ndarray) -> np.ndarray:
    """CRM conflict map: 1 and 2 in two colours, 0 transparent."""
    h, w = conflict.shape
    rgb = np.zeros((h, w, 3), np.uint8)
    rgb[conflict == 1] = CONFLICT_TO_FG
    rgb[conflict == 2] = CONFLICT_TO_BG
    return _rgba(rgb, np.where(conflict > 0, 255, 0).astype(np.uint8))


def unknown_band(trimap: np.ndarray) -> np.ndarray:
    """The trimap's unknown band (128) in one colour, everything else transparent."""
    h, w = trimap.shape
    rgb = np.broadcast_to(np.array(UNKNOWN_BAND, np.uint8), (h, w, 3))
    return _rgba(rgb, np.where(trimap == 128, 255, 0).astype(np.uint8))


def to_qimage(rgba: np.ndarray) -> QImage:
    """An H x W x 4 uint8 array as a QImage that owns its pixels."""
    rgba = np.ascontiguousarray(rgba, np.uint8)
    h, w = rgba.shape[:2]
    return QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(rgb, np.uint8)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
