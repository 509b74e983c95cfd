"""Visual sampler: clicks, scribbles and boxes -> prompt tokens by point-sampling the image features.

A click is one point; a scribble up to ``points_per_stroke`` points evenly spaced along its length; a box its four
corners, ``box_border`` points on each side and an ``n x n`` interior grid. Every token = projected bilinear sample of
the feature map + Fourier encoding of the position + a learned polarity (negative/positive) + a learned type embedding.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..nn.posenc import FourierPointEncoding
from ..protocol import PromptSet


class PointType(IntEnum):
    CLICK = 0
    SCRIBBLE = 1
    BOX_CORNER = 2
    BOX_BORDER = 3
    BOX_INTERIOR = 4


@dataclass(frozen=True)
class PromptPoints:
    """Sampled prompt points in the encoder frame, normalised to [0, 1] (x, y)."""

    xy: np.ndarray  # (N, 2) float32
    positive: np.ndarray  # (N,) bool
    kind: np.ndarray  # (N,) int64 PointType

    def __len__(self) -> int:
        return len(self.xy)


def _along(points: np.ndarray, n: int) -> np.ndarray:
    """Up to ``n`` points evenly spaced by arc length along a polyline."""
    if len(points) <= 1 or n <= 1:
        return points[:1]
    seg = np.hypot(*np.diff(points, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    if cum[-1] <= 0:
        return points[:1]
    t = np.linspace(0.0, cum[-1], n)
    return np.stack([np.interp(t, cum, points[:, 0]), np.interp(t, cum, points[:, 1])], 1)


def box_points(box: tuple[float, float, float, float], border: int, interior: int) -> tuple[np.ndarray, np.ndarray]:
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)
    t = np.linspace(0, 1, border + 2)[1:-1]
    sides = [a + t[:, None] * (b - a) for a, b in zip(corners, np.roll(corners, -1, 0))]
    g = (np.arange(interior) + 0.5) / max(interior, 1)
    gx, gy = np.meshgrid(x0 + g * (x1 - x0), y0 + g * (y1 - y0))
    inner = np.stack([gx.ravel(), gy.ravel()], 1)
    pts = np.concatenate([corners] + sides + [inner])
    kinds = np.array([PointType.BOX_CORNER] * 4 + [PointType.BOX_BORDER] * (4 * len(t))
                     + [PointType.BOX_INTERIOR] * len(inner), np.int64)
    return pts, kinds


def prompt_points(prompts: PromptSet, scale: float, frame: int, points_per_stroke: int, box_border: int,
                  box_interior: int, max_points: int) -> PromptPoints:
    """Boxes, then scribbles, then clicks (image pixels * ``scale`` / ``frame`` -> [0, 1]); the newest
    ``max_points`` are kept when there are more."""
    xy, pos, kind = [], [], []
    for box in prompts.boxes:
        p, k = box_points(box, box_border, box_interior)
        xy.append(p), pos.append(np.ones(len(p), bool)), kind.append(k)
    for stroke in prompts.strokes:
        p = _along(np.asarray(stroke.points, np.float64), points_per_stroke)
        xy.append(p), pos.append(np.full(len(p), stroke.positive)), kind.append(np.full(len(p), PointType.SCRIBBLE))
    if len(prompts.clicks):
        xy.append(np.asarray(prompts.clicks, np.float64))
        pos.append(np.asarray(prompts.click_labels, bool))
        kind.append(np.full(len(prompts.clicks), PointType.CLICK))
    if not xy:
        return PromptPoints(np.zeros((0, 2), np.float32), np.zeros(0, bool), np.zeros(0, np.int64))
    pts = (np.concatenate(xy) + 0.5) * scale / frame
    return PromptPoints(np.clip(pts, 0, 1).astype(np.float32)[-max_points:], np.concatenate(pos)[-max_points:],
                        np.concatenate(kind).astype(np.int64)[-max_points:])


class VisualSampler(nn.Module):
    def __init__(self, feat_channels: int, dim: int):
        super().__init__()
        self.proj = nn.Linear(feat_channels, dim)
        self.pos = FourierPointEncoding(dim)
        self.polarity = nn.Embedding(2, dim)
        self.kind = nn.Embedding(len(PointType), dim)
        self.norm = nn.LayerNorm(dim)

    def forward(self, feats: torch.Tensor, xy: torch.Tensor, positive: torch.Tensor,
                kind: torch.Tensor) -> torch.Tensor:
        """``feats`` (B, C, h, w); ``xy`` (B, N, 2) in [0, 1]; ``positive`` (B, N) bool; ``kind`` (B, N) long
        -> tokens (B, N, dim)."""
        if xy.shape[1] == 0:
            return feats.new_zeros(feats.shape[0], 0, self.proj.out_features)
        grid = (2 * xy - 1)[:, :, None, :]  # (B, N, 1, 2) for grid_sample (x, y) in [-1, 1]
        sampled = F.grid_sample(feats, grid, mode="bilinear", align_corners=False)[..., 0].transpose(1, 2)
        tok = self.proj(sampled) + self.pos(xy) + self.polarity(positive.long()) + self.kind(kind)
        return self.norm(tok)
