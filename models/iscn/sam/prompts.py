"""The prompt mapping of the ISCN over SAM: MatteStudio's prompts of every round so far -> SAM's points and box.

* clicks -> points, label 1 (positive) or 0 (negative);
* the box -> SAM's box (its two corners); with several boxes over the rounds, the newest one;
* a scribble -> up to :data:`STROKE_POINTS` points evenly spaced by arc length, one per :data:`STROKE_SPACING`
  pixels of the 1024 frame (4 cells of SAM's 64 x 64 image embedding: closer points fall on the same or a
  neighbouring image token and add little), at most :data:`MAX_STROKE_POINTS` from all scribbles (the newest kept):
  SAM was trained with one initial prompt plus up to 8 corrective points, so dozens of points leave its training
  distribution;
* the CRM conflict map (1: was background, now said foreground; 2: the reverse) -> one extra point (label 1 or 0) on
  each of its largest components (up to :data:`CONFLICT_POINTS` per class), at the component's most interior pixel.

A prompt set with a single point and no box is ambiguous: SAM's three-mask output is used and the mask with the best
predicted IoU chosen; every other prompt set uses SAM's single-mask output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from ...protocol import PromptSet
from .frame import SamFrame

STROKE_SPACING = 64.0  # frame pixels between points sampled along a scribble
STROKE_POINTS = 4  # at most per scribble
MAX_STROKE_POINTS = 16  # at most from all scribbles
CONFLICT_POINTS = 3  # at most per conflict class


@dataclass(frozen=True)
class SamPrompt:
    coords: np.ndarray  # (N, 2) float64, image pixels
    labels: np.ndarray  # (N,) int64: 1 positive, 0 negative
    box: Optional[np.ndarray] = None  # (4,) x0, y0, x1, y1 in image pixels
    conflict_points: int = 0  # how many of the last points come from the conflict map

    @property
    def multimask(self) -> bool:
        return len(self.coords) == 1 and self.box is None

    @property
    def empty(self) -> bool:
        return len(self.coords) == 0 and self.box is None


def stroke_points(points: np.ndarray, frame_scale: float) -> np.ndarray:
    """Points evenly spaced by arc length along a polyline (image pixels): both ends and the points between them,
    one per :data:`STROKE_SPACING` frame pixels, at most :data:`STROKE_POINTS`; one point (the middle) for a short
    stroke."""
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    if len(pts) == 1:
        return pts
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))])
    length = cum[-1] * frame_scale
    n = int(min(STROKE_POINTS, 1 + length // STROKE_SPACING))
    t = np.array([cum[-1] / 2]) if n == 1 else np.linspace(0.0, cum[-1], n)
    return np.stack([np.interp(t, cum, pts[:, 0]), np.interp(t, cum, pts[:, 1])], 1)


def conflict_points(conflict: np.ndarray, frame: SamFrame) -> tuple[np.ndarray, np.ndarray]:
    """One point per large conflict component (image pixels) and its label (1 for class 1, 0 for class 2)."""
    coords, labels = [], []
    for value, label in ((1, 1), (2, 0)):
        if not (conflict == value).any():
            continue
        m = frame.class_mask(conflict, value).astype(np.uint8)
        n, comp, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
        order = (np.argsort(-stats[1:, cv2.CC_STAT_AREA], kind="stable") + 1)[:CONFLICT_POINTS]
        for i in order:
            x, y, w, h = (int(v) for v in stats[i, :4])
            inside = np.pad((comp[y:y + h, x:x + w] == i).astype(np.uint8), 1)
            dist = cv2.distanceTransform(inside, cv2.DIST_L2, 3)
            py, px = np.unravel_index(int(np.argmax(dist)), dist.shape)
            fx, fy = x + px - 1, y + py - 1  # frame pixel of the most interior point
            coords.append([(fx + 0.5) * frame.width / frame.resized[1] - 0.5,
                           (fy + 0.5) * frame.height / frame.resized[0] - 0.5])
            labels.append(label)
    return np.asarray(coords, np.float64).reshape(-1, 2), np.asarray(labels, np.int64)


def sam_prompt(prompts: PromptSet, frame: SamFrame, conflict: Optional[np.ndarray] = None) -> SamPrompt:
    """Every round's prompts (and, when given, this round's conflict map) -> SAM's points and box."""
    coords = [np.asarray(prompts.clicks, np.float64).reshape(-1, 2)]
    labels = [np.asarray(prompts.click_labels, bool).astype(np.int64)]
    stroke_xy, stroke_lab = [], []
    for stroke in reversed(prompts.strokes):  # the newest first, so the cap keeps them
        p = stroke_points(stroke.points, frame.scale)[: MAX_STROKE_POINTS - sum(map(len, stroke_xy))]
        stroke_xy.insert(0, p)
        stroke_lab.insert(0, np.full(len(p), int(stroke.positive), np.int64))
    coords += stroke_xy
    labels += stroke_lab
    n_conflict = 0
    if conflict is not None:
        c_xy, c_lab = conflict_points(conflict, frame)
        coords.append(c_xy)
        labels.append(c_lab)
        n_conflict = len(c_xy)
    box = np.asarray(prompts.boxes[-1], np.float64) if prompts.boxes else None
    return SamPrompt(np.concatenate(coords), np.concatenate(labels), box, n_conflict)
