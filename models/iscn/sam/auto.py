"""Automatic mask candidates for a text round without visual prompts (SAM's "everything" mode, kept small for a CPU):
single-point prompts on a grid, SAM's three masks each, filtered by predicted IoU and stability, de-duplicated by
mask IoU, the best few kept."""

from __future__ import annotations

import numpy as np

from ...protocol import CancelFn, check_cancel
from .engine import Decoded
from .frame import SamFrame

POINTS_PER_SIDE = 8  # 64 prompts, 192 masks: a few seconds on a CPU
BATCH = 16
MIN_IOU = 0.7  # SAM's automatic generator uses 0.88 with its official weights
MIN_STABILITY = 0.85
STABILITY_OFFSET = 1.0
NMS_IOU = 0.7
MAX_CANDIDATES = 12


def stability(low_res: np.ndarray) -> np.ndarray:
    """IoU of the masks thresholded at +offset and -offset (SAM's stability score), per mask."""
    inner = (low_res > STABILITY_OFFSET).sum((-1, -2))
    outer = (low_res > -STABILITY_OFFSET).sum((-1, -2))
    return np.where(outer > 0, inner / np.maximum(outer, 1), 0.0)


def grid_points(frame: SamFrame, n: int) -> np.ndarray:
    """Cell centres of an n x n grid over the image (image pixels)."""
    t = (np.arange(n) + 0.5) / n
    xs, ys = np.meshgrid(t * frame.width - 0.5, t * frame.height - 0.5)
    return np.stack([xs.ravel(), ys.ravel()], 1)


def _nms(masks: np.ndarray, order: np.ndarray, threshold: float) -> list[int]:
    keep: list[int] = []
    flat = masks.reshape(len(masks), -1)
    for i in order:
        a = flat[i]
        if not a.any():
            continue
        if all((a & flat[j]).sum() / max((a | flat[j]).sum(), 1) <= threshold for j in keep):
            keep.append(int(i))
    return keep


def automatic_candidates(engine, embedding, frame: SamFrame, cancel: CancelFn) -> Decoded:
    """Up to :data:`MAX_CANDIDATES` distinct masks (as low-resolution logits) with their predicted IoU."""
    points = frame.coords(grid_points(frame, POINTS_PER_SIDE))
    lows, ious = [], []
    for start in range(0, len(points), BATCH):
        check_cancel(cancel)
        batch = points[start:start + BATCH]
        low, iou = engine.decode_points(embedding, batch[:, None, :], np.ones((len(batch), 1), np.int64))
        lows.append(low[:, 1:])
        ious.append(iou[:, 1:])
    low = np.concatenate(lows).reshape(-1, *lows[0].shape[-2:])
    iou = np.concatenate(ious).ravel()
    good = (iou >= MIN_IOU) & (stability(low) >= MIN_STABILITY)
    pool = np.flatnonzero(good) if good.any() else np.arange(len(iou))  # untrained weights: no mask passes
    order = pool[np.argsort(-iou[pool], kind="stable")]
    keep = _nms(low > 0, order, NMS_IOU)[:MAX_CANDIDATES]
    if not keep:
        keep = [int(order[0])]
    return Decoded(low[keep], iou[keep])
