"""The simulated user of the benchmark (deterministic for a seed), as the evaluation protocol defines it.

Ground truth mask = alpha >= 0.5; the prediction is the round's coarse mask. Clicks follow the RITM rule; a round of
k clicks places them one after another on the *same* prediction, each new click excluding the pixels already clicked
(the k deepest separated error points; see docs/decisions/0101-simulated-user-clicks.md). Scribbles follow the
skeleton of the largest error component. Soft strokes (the ``refine`` protocol) follow the skeleton of the largest
region where the truth is soft and the result is wrong.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np
from skimage.morphology import skeletonize

from ..prompts import Box, Click, Scribble, Soft
from ..raster import draw_stroke

BOX_PAD = 0.05  # of the image's longer side
SCRIBBLE_SHARE = 0.30  # of the skeleton's length
SCRIBBLE_RADIUS = (3, 8)  # px, inclusive
SOFT_STROKE_RADIUS = 12.0  # px
SOFT_TRUTH = (0.05, 0.95)  # the truth is soft where alpha lies strictly between these
SOFT_CLOSE = 3  # px: the soft truth is closed by a disk of this radius (hair strands become one region)
SOFT_WRONG = 0.1  # a pixel's result is wrong where |alpha - truth| exceeds this
SOFT_MIN_AREA = math.pi * SOFT_STROKE_RADIUS ** 2  # smaller wrong soft regions are not worth a stroke
SOFT_STEP = 4  # px between the stroke's points along the skeleton


def gt_mask(alpha: np.ndarray) -> np.ndarray:
    return alpha >= 0.5


def simulated_box(gt: np.ndarray) -> Box:
    """Tight box of ``gt``, padded by 5% of the longer side, clipped to the image (whole image when gt is empty)."""
    h, w = gt.shape
    ys, xs = np.nonzero(gt)
    if len(xs) == 0:
        return Box(0, 0, w - 1, h - 1)
    pad = BOX_PAD * max(h, w)
    return Box(max(0.0, xs.min() - pad), max(0.0, ys.min() - pad), min(w - 1.0, xs.max() + pad),
               min(h - 1.0, ys.max() + pad))


def _padded_dt(mask: np.ndarray) -> np.ndarray:
    padded = np.pad(mask.astype(np.uint8), 1, mode="constant")
    return cv2.distanceTransform(padded, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)[1:-1, 1:-1]


@dataclass
class ErrorState:
    """False negatives / positives of a prediction, minus the pixels already clicked or scribbled this round."""

    fn: np.ndarray
    fp: np.ndarray

    @classmethod
    def of(cls, gt: np.ndarray, pred: np.ndarray | None) -> "ErrorState":
        p = np.zeros(gt.shape, bool) if pred is None else pred.astype(bool)
        return cls(gt & ~p, ~gt & p)

    def exclude(self, pixels: np.ndarray) -> None:
        self.fn &= ~pixels
        self.fp &= ~pixels


def deepest_error(errors: ErrorState, clicked: np.ndarray | None = None) -> tuple[Click, float] | None:
    """RITM rule: distance transforms of FN and FP (padded by 1 px, zero at clicked pixels); the click goes to the
    argmax of the larger maximum, positive when it lies in FN. Returns the click and its depth (the distance to the
    nearest correct pixel), or None when there is no error left."""
    not_clicked = np.ones(errors.fn.shape, bool) if clicked is None else ~clicked
    fn_dt = _padded_dt(errors.fn & not_clicked)
    fp_dt = _padded_dt(errors.fp & not_clicked)
    fn_max, fp_max = float(fn_dt.max()), float(fp_dt.max())
    if max(fn_max, fp_max) <= 0:
        return None
    positive = fn_max > fp_max
    dt, top = (fn_dt, fn_max) if positive else (fp_dt, fp_max)
    ys, xs = np.nonzero(dt == top)
    return Click(float(xs[0]), float(ys[0]), positive), top


def next_click(errors: ErrorState, clicked: np.ndarray | None = None) -> Click | None:
    found = deepest_error(errors, clicked)
    return None if found is None else found[0]


def round_clicks(gt: np.ndarray, pred: np.ndarray | None, k: int, clicked: np.ndarray,
                 separate: bool = True) -> list[Click]:
    """``k`` clicks on one prediction: the k deepest *separated* error points. After each click the error pixels
    inside its inscribed disk (radius = its depth) count as handled, so the next click goes to the deepest error
    elsewhere; with ``separate=False`` only the clicked pixel is excluded (the plain RITM rule, whose clicks of one
    round tend to line up on one error ridge). ``clicked`` (H x W bool, every click so far) is updated in place."""
    errors = ErrorState.of(gt, pred)
    out = []
    for _ in range(k):
        found = deepest_error(errors, clicked)
        if found is None:
            break
        c, depth = found
        clicked[int(c.y), int(c.x)] = True
        if not separate:
            out.append(c)
            continue
        disk = np.zeros(gt.shape, np.uint8)
        cv2.circle(disk, (int(c.x), int(c.y)), max(1, int(math.ceil(depth))), 1, -1)
        errors.exclude(disk.astype(bool))
        out.append(c)
    return out


def _largest_component(mask: np.ndarray) -> np.ndarray:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 1:
        return np.zeros(mask.shape, bool)
    return labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))


def _bfs_far(skel_pts: dict, start: tuple[int, int]) -> tuple[tuple[int, int], dict]:
    parent = {start: None}
    queue = deque([start])
    last = start
    while queue:
        last = queue.popleft()
        y, x = last
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                nb = (y + dy, x + dx)
                if nb in skel_pts and nb not in parent:
                    parent[nb] = last
                    queue.append(nb)
    return last, parent


def skeleton_path(component: np.ndarray) -> np.ndarray:
    """The longest path (as (N, 2) int y, x) through the skeleton of one component (two BFS passes)."""
    skel = skeletonize(component)
    ys, xs = np.nonzero(skel)
    if len(ys) == 0:
        ys, xs = np.nonzero(component)
        if len(ys) == 0:
            return np.zeros((0, 2), int)
        return np.array([[ys[len(ys) // 2], xs[len(xs) // 2]]])
    pts = {(int(y), int(x)): True for y, x in zip(ys, xs)}
    a, _ = _bfs_far(pts, (int(ys[0]), int(xs[0])))
    b, parent = _bfs_far(pts, a)
    path = [b]
    while parent[path[-1]] is not None:
        path.append(parent[path[-1]])
    return np.array(path)


def scribble_with_depths(errors: ErrorState, rng: np.random.Generator) -> tuple[Scribble, np.ndarray] | None:
    """A scribble along the skeleton of the largest FN (positive) or FP (negative) component: a stretch of up to 30% of
    the skeleton's length centred on its deepest point, radius 3-8 px (kept inside the component where it can).
    Returns it with the component's distance transform (each pixel's distance to the nearest correct pixel), or None
    when there is no error left."""
    fn_c, fp_c = _largest_component(errors.fn), _largest_component(errors.fp)
    n_fn, n_fp = int(fn_c.sum()), int(fp_c.sum())
    if max(n_fn, n_fp) == 0:
        return None
    positive = n_fn >= n_fp
    comp = fn_c if positive else fp_c
    path = skeleton_path(comp)
    dt = _padded_dt(comp)
    depth = dt[path[:, 0], path[:, 1]]
    n = len(path)
    keep = max(1, int(math.floor(SCRIBBLE_SHARE * n)))
    centre = int(np.argmax(depth))
    start = int(np.clip(centre - keep // 2, 0, n - keep))
    seg = path[start:start + keep]
    r = int(rng.integers(SCRIBBLE_RADIUS[0], SCRIBBLE_RADIUS[1] + 1))
    inner = float(dt[seg[:, 0], seg[:, 1]].min())
    r = int(max(SCRIBBLE_RADIUS[0], min(r, math.floor(inner))))
    return Scribble(tuple((float(x), float(y)) for y, x in seg), float(r), positive), dt


def next_scribble(errors: ErrorState, rng: np.random.Generator) -> Scribble | None:
    found = scribble_with_depths(errors, rng)
    return None if found is None else found[0]


def scribble_pixels(s: Scribble | Soft, shape: tuple[int, int]) -> np.ndarray:
    return draw_stroke(np.zeros(shape, np.uint8), s, 1).astype(bool)


def round_scribbles(gt: np.ndarray, pred: np.ndarray | None, k: int, rng: np.random.Generator,
                    separate: bool = False) -> list[Scribble]:
    """``k`` scribbles on one prediction, each with the error pixels the earlier ones handled removed: the stroke's own
    pixels (the protocol's rule, decision 0101), or with ``separate`` also those within the stroke's depth around it
    (the error component's largest distance to a correct pixel along the stroke), as a separated click's disk is, so
    the next scribble goes to another error region instead of beside the first."""
    errors = ErrorState.of(gt, pred)
    out = []
    for _ in range(k):
        found = scribble_with_depths(errors, rng)
        if found is None:
            break
        s, depths = found
        handled = scribble_pixels(s, gt.shape)
        if separate:
            depth = max(s.radius, float(depths[handled].max()))
            r = int(math.ceil(depth))
            disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
            handled = cv2.dilate(handled.astype(np.uint8), disk) > 0
        errors.exclude(handled)
        out.append(s)
    return out


def soft_truth(truth: np.ndarray) -> np.ndarray:
    """Where the true alpha is soft (0.05 < alpha < 0.95), closed by a disk of :data:`SOFT_CLOSE` px."""
    soft = ((truth > SOFT_TRUTH[0]) & (truth < SOFT_TRUTH[1])).astype(np.uint8)
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * SOFT_CLOSE + 1, 2 * SOFT_CLOSE + 1))
    return cv2.morphologyEx(soft, cv2.MORPH_CLOSE, disk) > 0


def round_soft(truth: np.ndarray, alpha: np.ndarray | None, k: int) -> list[Soft]:
    """Up to ``k`` soft strokes of radius 12 px, each along the longest path through the skeleton of the largest
    region where the truth is soft and the result (``alpha``; none yet counts as 0) is wrong by more than 0.1; after
    a stroke its pixels no longer count, so the next goes to the largest region left. Regions smaller than a
    stroke's disk get none."""
    pred = np.zeros(truth.shape, np.float32) if alpha is None else alpha
    todo = soft_truth(truth) & (np.abs(pred - truth) > SOFT_WRONG)
    out: list[Soft] = []
    for _ in range(k):
        comp = _largest_component(todo)
        if comp.sum() < SOFT_MIN_AREA:
            break
        path = skeleton_path(comp)[::SOFT_STEP]
        stroke = Soft(tuple((float(x), float(y)) for y, x in path), SOFT_STROKE_RADIUS)
        todo &= ~scribble_pixels(stroke, truth.shape)
        out.append(stroke)
    return out
