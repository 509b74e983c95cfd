"""Corrections at the scale of a part: which stretch of the label a new seed contradicts belongs with the seed.

The geodesic pull of a seed (segment.py) fades with colour distance, so on a textured or striped region (a wooden
dock, a badge) it reaches a disc around the click. Two rules widen it to the part the seed lands on:

- *enclosed parts*: a positive seed in a hole of the previous foreground that touches neither the image border nor
  the box's outside, or a negative seed on a piece of the previous foreground apart from its largest one, pulls all
  of it (decision 0008);
- *local colour parts*: a click's own neighbourhood in the wrong label is a sample of the stuff it is about; the
  connected stretch of the wrong label that this sample's colours explain better than the rest of that label does
  is pulled with it (decision 0008).
"""

from __future__ import annotations

import cv2
import numpy as np


def enclosed_parts(seeds: np.ndarray, wrong: np.ndarray, outside: np.ndarray | None,
                   keep_largest: bool = False) -> np.ndarray:
    """The connected parts of ``wrong`` (the label the seeds contradict) that hold a seed and are enclosed: they touch
    neither the image border nor ``outside`` (a hole of the previous foreground: a badge, a collar, the shirt inside
    it); with ``keep_largest`` the largest part of ``wrong`` never counts (an island of the previous foreground
    apart from the subject's main body: a clutter object, a stray patch). One click there means the whole part."""
    out = np.zeros(seeds.shape, np.float32)
    if not (seeds & wrong).any():
        return out
    n, comp, stats, _ = cv2.connectedComponentsWithStats(wrong.astype(np.uint8), connectivity=4)
    h, w = seeds.shape
    border = np.zeros((h, w), bool)
    border[[0, -1], :] = True
    border[:, [0, -1]] = True
    if outside is not None:
        border |= cv2.dilate(outside.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    touching = set(np.unique(comp[border]).tolist())
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA])) if keep_largest and n > 1 else -1
    for c in np.unique(comp[seeds & wrong]):
        if c != 0 and c not in touching and c != largest:
            out[comp == c] = 1.0
    return out


def colour_part(idx: np.ndarray, colour, seed: np.ndarray, wrong: np.ndarray, blocked: np.ndarray, cfg) -> np.ndarray:
    """The connected stretch of ``wrong`` around ``seed`` whose colours the seed's own neighbourhood explains better
    than the rest of ``wrong`` does, by ``cfg.local_margin`` nats, within ``cfg.local_reach`` times the seed's depth
    into ``wrong``. The sample is the part of ``wrong`` within ``cfg.local_window`` times that depth; a seed less deep
    than ``cfg.local_min_depth`` of the diagonal (a correction at the edge: a disc is right there), or whose sample is
    a mixture (less than ``cfg.local_purity`` of it explained better by itself: wisps of hair over the background),
    gets no stretch. ``blocked`` pixels (the other side's hard seeds) never join."""
    none = np.zeros(seed.shape, bool)
    inside = cv2.distanceTransform(wrong.astype(np.uint8), cv2.DIST_L2, 3)
    depth = float(inside[seed].max()) if seed.any() else 0.0
    if depth < max(1.0, cfg.local_min_depth * float(np.hypot(*seed.shape))):
        return none
    from_seed = cv2.distanceTransform((~seed).astype(np.uint8), cv2.DIST_L2, 3)
    near = from_seed <= max(3.0, cfg.local_window * depth)
    sample, rest = near & wrong, wrong & ~near
    if sample.sum() < 8 or rest.sum() < 8:
        return none
    score = colour.neg_log_likelihood(idx, rest) - colour.neg_log_likelihood(idx, sample)
    if (score[sample] > cfg.local_margin).mean() < cfg.local_purity:
        return none
    cand = (score > cfg.local_margin) & wrong & ~blocked & (from_seed <= cfg.local_reach * depth)
    cand = (cv2.morphologyEx(cand.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)) > 0) & wrong
    cand |= seed & wrong
    n, comp = cv2.connectedComponents(cand.astype(np.uint8), connectivity=8)
    keep = np.unique(comp[seed & cand])
    return np.isin(comp, keep[keep > 0])


def part_pulls(colour, idx, pull_new, new_fg, new_bg, prev_fg, outside, fg_hard, bg_hard, clicks, cfg):
    """The new seeds' pulls (closeness to the new bg seeds, to the new fg seeds) widened to the parts they land on.
    Local colour parts are for clicks (``clicks``: the new clicks' centres): a stroke paints the extent of what it
    corrects itself, and its sample would be whatever it was dragged across."""
    to_bg, to_fg = pull_new
    if cfg.part_pull > 0:
        hole = enclosed_parts(new_fg, ~prev_fg, outside)
        island = enclosed_parts(new_bg, prev_fg, None, keep_largest=True)
        to_bg, to_fg = np.maximum(to_bg, cfg.part_pull * island), np.maximum(to_fg, cfg.part_pull * hole)
    if cfg.local_pull > 0:
        for seeds, wrong, blocked in ((new_fg, ~prev_fg, bg_hard), (new_bg, prev_fg, fg_hard)):
            n, comp = cv2.connectedComponents(seeds.astype(np.uint8), connectivity=8)
            parts = np.zeros(seeds.shape, bool)
            for c in range(1, n):
                seed = comp == c
                if clicks is not None and clicks[seed].any():
                    parts |= colour_part(idx, colour, seed, wrong, blocked, cfg)
            if seeds is new_fg:
                to_fg = np.maximum(to_fg, cfg.local_pull * parts)
            else:
                to_bg = np.maximum(to_bg, cfg.local_pull * parts)
    return to_bg, to_fg
