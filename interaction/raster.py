"""Rasterisation of prompts into seed masks, and the CRM conflict map of DFIMat."""

from __future__ import annotations

import math

import cv2
import numpy as np

from .prompts import Box, Click, Prompt, Scribble, Soft

NO_CONFLICT, CONFLICT_FG, CONFLICT_BG = 0, 1, 2


def click_radius(height: int, width: int) -> int:
    """Seed disk radius of a click: 5 px on a ~1000 px diagonal, scaled with the image."""
    return max(2, int(round(math.hypot(height, width) / 200.0)))


def rasterise(prompts: list[Prompt] | tuple[Prompt, ...], height: int, width: int,
              click_r: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Positive and negative seed masks (H x W bool) of the clicks and scribbles in ``prompts``."""
    r = click_radius(height, width) if click_r is None else click_r
    pos = np.zeros((height, width), np.uint8)
    neg = np.zeros((height, width), np.uint8)
    for p in prompts:
        if isinstance(p, Click):
            cv2.circle(pos if p.positive else neg, (int(round(p.x)), int(round(p.y))), r, 1, -1)
        elif isinstance(p, Scribble):
            draw_stroke(pos if p.positive else neg, p, 1)
    return pos.astype(bool), neg.astype(bool)


def soft_pixels(prompts: list[Prompt] | tuple[Prompt, ...], height: int, width: int) -> np.ndarray:
    """Pixels (H x W bool) painted by the soft strokes in ``prompts``."""
    out = np.zeros((height, width), np.uint8)
    for p in prompts:
        if isinstance(p, Soft):
            draw_stroke(out, p, 1)
    return out.astype(bool)


def draw_stroke(canvas: np.ndarray, scribble: Scribble | Soft, value: int) -> np.ndarray:
    """Paint ``scribble`` (its radius as half the stroke width; a single point as a disk) into ``canvas``."""
    pts = np.round(np.array(scribble.points, np.float64)).astype(np.int32).reshape(-1, 1, 2)
    if len(pts) == 1:
        cv2.circle(canvas, tuple(int(v) for v in pts[0, 0]), int(round(scribble.radius)), value, -1)
    else:
        cv2.polylines(canvas, [pts], False, value, thickness=max(1, int(round(2 * scribble.radius))),
                      lineType=cv2.LINE_8)
    return canvas


def box_outside(prompts: list[Prompt] | tuple[Prompt, ...], height: int, width: int) -> np.ndarray | None:
    """Pixels outside every box of ``prompts`` (None when there is no box)."""
    boxes = [p for p in prompts if isinstance(p, Box)]
    if not boxes:
        return None
    inside = np.zeros((height, width), bool)
    for b in boxes:
        x0, y0 = int(math.floor(b.x0)), int(math.floor(b.y0))
        x1, y1 = int(math.ceil(b.x1)), int(math.ceil(b.y1))
        inside[max(0, y0):y1 + 1, max(0, x0):x1 + 1] = True
    return ~inside


def conflict_map(prev_mask: np.ndarray | None, new_prompts: list[Prompt] | tuple[Prompt, ...],
                 height: int, width: int) -> np.ndarray:
    """DFIMat's contrastive map: 1 where the previous prediction said background but the new input says foreground,
    2 where it said foreground but the new input says background, 0 elsewhere.

    New foreground input = positive clicks/scribbles; new background input = negative clicks/scribbles and the outside
    of a new box. Without a previous prediction everything counts as previously background. Pixels under a new soft
    stroke say neither, so they carry no conflict whatever else the round says there.
    """
    pos, neg = rasterise(new_prompts, height, width)
    out_box = box_outside(new_prompts, height, width)
    if out_box is not None:
        neg = neg | out_box
    prev = np.zeros((height, width), bool) if prev_mask is None else prev_mask.astype(bool)
    cmap = np.zeros((height, width), np.uint8)
    cmap[pos & ~prev] = CONFLICT_FG
    cmap[neg & prev & ~pos] = CONFLICT_BG
    cmap[soft_pixels(new_prompts, height, width)] = NO_CONFLICT
    return cmap
