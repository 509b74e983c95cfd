"""Procedural foreground alphas: an organic body with soft edges, hair-like strands and semi-transparent veils."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

STRANDS = (40, 220)  # number of hair strands on a hairy object
STRAND_LENGTH = (0.04, 0.16)  # of the object size
EDGE_SOFTNESS = (0.4, 3.0)  # px half-width of the soft body edge (at 640 px)


@dataclass(frozen=True)
class ShapeStyle:
    hairy: bool
    veil: bool
    softness: float


def random_style(rng: np.random.Generator) -> ShapeStyle:
    return ShapeStyle(hairy=bool(rng.random() < 0.6), veil=bool(rng.random() < 0.5),
                      softness=float(rng.uniform(*EDGE_SOFTNESS)))


def _blob(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """An organic body: a union of ellipses (a head-and-shoulders-like stack), smoothed and warped by noise."""
    canvas = np.zeros((h, w), np.uint8)
    n = int(rng.integers(3, 7))
    cy = h * rng.uniform(0.35, 0.6)
    for i in range(n):
        t = i / max(1, n - 1)
        ax = w * rng.uniform(0.12, 0.32)
        ay = h * rng.uniform(0.10, 0.25)
        x = w * 0.5 + w * rng.uniform(-0.15, 0.15)
        y = h * 0.18 + t * (h * 0.95 - h * 0.18) + rng.uniform(-0.05, 0.05) * h
        if i == 0:
            y, ax, ay = h * rng.uniform(0.15, 0.25), w * rng.uniform(0.14, 0.22), h * rng.uniform(0.12, 0.18)
        cv2.ellipse(canvas, (int(x), int(min(y, h - 1))), (max(2, int(ax)), max(2, int(ay))),
                    float(rng.uniform(-30, 30)), 0, 360, 255, -1)
    del cy
    # low-frequency noise warp of the outline
    small = rng.normal(0, 1, (6, 6)).astype(np.float32)
    noise = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    k = max(3, int(0.06 * min(h, w)) | 1)
    soft = cv2.GaussianBlur(canvas.astype(np.float32) / 255.0, (k, k), 0)
    return (soft + 0.12 * noise) > 0.5


def _signed_distance(mask: np.ndarray) -> np.ndarray:
    m = mask.astype(np.uint8)
    inside = cv2.distanceTransform(m, cv2.DIST_L2, 3)
    outside = cv2.distanceTransform(1 - m, cv2.DIST_L2, 3)
    return inside - outside


def _strands(rng: np.random.Generator, body: np.ndarray, sdf: np.ndarray, scale: float) -> np.ndarray:
    """Thin anti-aliased curves growing outward from part of the outline (hair, fur)."""
    h, w = body.shape
    edge = (cv2.dilate(body.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0) & ~body
    ys, xs = np.nonzero(edge)
    out = np.zeros((h, w), np.uint8)
    if len(xs) == 0:
        return out.astype(np.float32)
    # hair grows on an arc of the outline around a random anchor (not all round)
    anchor = int(rng.integers(len(xs)))
    d = np.hypot(xs - xs[anchor], ys - ys[anchor])
    arc = d < np.quantile(d, rng.uniform(0.3, 0.7))
    cand = np.nonzero(arc)[0]
    gy, gx = np.gradient(cv2.GaussianBlur(sdf, (0, 0), 3.0))
    n = int(rng.integers(*STRANDS))
    for idx in rng.choice(cand, size=min(n, len(cand)), replace=True):
        x, y = float(xs[idx]), float(ys[idx])
        length = scale * rng.uniform(*STRAND_LENGTH)
        steps = max(2, int(length / 3))
        pts = [(x, y)]
        dx, dy = -gx[int(y), int(x)], -gy[int(y), int(x)]
        norm = math.hypot(dx, dy) or 1.0
        dx, dy = dx / norm, dy / norm
        for _ in range(steps):
            ang = rng.normal(0, 0.35)
            dx, dy = dx * math.cos(ang) - dy * math.sin(ang), dx * math.sin(ang) + dy * math.cos(ang)
            x, y = x + 3 * dx, y + 3 * dy
            if not (0 <= x < w and 0 <= y < h):
                break
            pts.append((x, y))
        if len(pts) < 2:
            continue
        arr = (np.array(pts) * 16).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(out, [arr], False, int(rng.integers(110, 256)), 1, cv2.LINE_AA, shift=4)
    return out.astype(np.float32) / 255.0


def _veil(rng: np.random.Generator, body: np.ndarray) -> np.ndarray:
    """A semi-transparent region (fabric, glass, smoke) overlapping the body's side."""
    h, w = body.shape
    ys, xs = np.nonzero(body)
    if len(xs) == 0:
        return np.zeros((h, w), np.float32)
    i = int(rng.integers(len(xs)))
    canvas = np.zeros((h, w), np.float32)
    ax, ay = int(w * rng.uniform(0.1, 0.25)), int(h * rng.uniform(0.08, 0.2))
    cv2.ellipse(canvas, (int(xs[i]), int(ys[i])), (max(2, ax), max(2, ay)), float(rng.uniform(0, 180)), 0, 360,
                float(rng.uniform(0.25, 0.65)), -1)
    return cv2.GaussianBlur(canvas, (0, 0), max(1.0, 0.02 * min(h, w)))


def foreground_alpha(rng: np.random.Generator, h: int, w: int, style: ShapeStyle | None = None) -> np.ndarray:
    """Alpha (float32 H x W in [0, 1]) of one procedural object filling most of an h x w canvas."""
    style = style or random_style(rng)
    body = _blob(rng, h, w)
    sdf = _signed_distance(body)
    scale = min(h, w) / 640.0 * 2.5
    soft = max(0.3, style.softness * scale)
    alpha = np.clip(0.5 + sdf / (2.0 * soft), 0.0, 1.0).astype(np.float32)
    if style.hairy:
        alpha = np.maximum(alpha, _strands(rng, body, sdf, float(min(h, w))))
    if style.veil:
        alpha = np.maximum(alpha, _veil(rng, body))
    return alpha
