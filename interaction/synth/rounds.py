"""Simulated-user rounds for training (DFIMat's protocol): round 1 a box, a text or both (mixed), later rounds clicks
or scribbles placed by the benchmark's simulated user on the errors of the previous prediction, with the CRM
conflict map of that round. The previous prediction is either a corrupted ground truth (cheap, used by the stream) or
the network's own output (:func:`follow_up`, model in the loop)."""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

from mattestudio.models.training.samples import SegmentSample

from ..bench.simulator import round_clicks, round_scribbles, simulated_box
from ..prompts import Box, Click, Prompt, Scribble, Text, to_prompt_set
from ..raster import conflict_map
from .stream import Scene
from .text import expressions

TASKS = ("box", "text", "mixed", "clicks", "scribbles")
CLICKS_PER_ROUND = (1, 3)
SCRIBBLES_PER_ROUND = (1, 2)


def corrupt(rng: np.random.Generator, gt: np.ndarray, others: Optional[np.ndarray] = None) -> np.ndarray:
    """A plausible wrong previous prediction: the mask grown or shrunk, parts cut off, a neighbour's part added."""
    h, w = gt.shape
    m = gt.astype(np.uint8)
    k = max(3, int(rng.uniform(0.01, 0.05) * max(h, w)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    m = cv2.dilate(m, kernel) if rng.random() < 0.5 else cv2.erode(m, kernel)
    ys, xs = np.nonzero(gt)
    for _ in range(int(rng.integers(0, 3))):
        if len(xs) == 0:
            break
        i = int(rng.integers(len(xs)))
        r = max(3, int(rng.uniform(0.05, 0.2) * max(h, w)))
        cv2.circle(m, (int(xs[i]), int(ys[i])), r, 0, -1)
    if others is not None and others.any() and rng.random() < 0.5:
        m = m | (others & (cv2.dilate(gt.astype(np.uint8), kernel, iterations=4) > 0)).astype(np.uint8)
    return m.astype(bool)


def edge_corrupt(rng: np.random.Generator, gt: np.ndarray) -> np.ndarray:
    """A mostly right previous prediction: the mask only grown or shrunk at its edge by 0.5-2 % of the image side, as
    a good segmenter's mask is (a refiner trained only on :func:`corrupt` learns to distrust the mask altogether)."""
    h, w = gt.shape
    k = max(3, int(rng.uniform(0.005, 0.02) * max(h, w)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    m = gt.astype(np.uint8)
    return (cv2.dilate(m, kernel) if rng.random() < 0.5 else cv2.erode(m, kernel)).astype(bool)


def _prob(mask: np.ndarray) -> np.ndarray:
    return np.clip(cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 1.5), 0.0, 1.0)


def _sample(scene: Scene, idx: int, prompts: list[Prompt], new: list[Prompt], prev: Optional[np.ndarray],
            task: str, kind: str = "", prev_prob: Optional[np.ndarray] = None) -> SegmentSample:
    h, w = scene.image.shape[:2]
    cmap = conflict_map(prev, [p for p in new if not isinstance(p, Text)], h, w)
    if prev_prob is None and prev is not None:
        prev_prob = _prob(prev)
    return SegmentSample(scene.image, scene.masks[idx], to_prompt_set(prompts), cmap, prev_prob, task, kind)


def text_for(scene: Scene, idx: int, rng: np.random.Generator) -> Optional[tuple[str, str]]:
    """A random unambiguous expression naming instance ``idx`` (text, kind), or None when there is none."""
    exprs = expressions(scene.facts, rng, target=idx)
    if not exprs:
        return None
    e = exprs[int(rng.integers(len(exprs)))]
    return e.text, e.kind


def segment_sample(scene: Scene, idx: int, task: str, rng: np.random.Generator) -> Optional[SegmentSample]:
    """One training round of ``task`` for instance ``idx``; None when a text task has no expression for it."""
    gt = scene.masks[idx]
    box = simulated_box(gt)
    if task in ("text", "mixed"):
        found = text_for(scene, idx, rng)
        if found is None:
            return None
        text = Text(found[0])
        prompts = [text] if task == "text" else [box, text]
        return _sample(scene, idx, prompts, prompts, None, task, found[1])
    if task == "box":
        return _sample(scene, idx, [box], [box], None, task)
    others = np.zeros_like(gt)
    for j, m in enumerate(scene.masks):
        if j != idx:
            others |= m
    prev = corrupt(rng, gt, others)
    return _round_on(scene, idx, [box], prev, task, rng)


def _round_on(scene: Scene, idx: int, earlier: list[Prompt], prev: np.ndarray, task: str,
              rng: np.random.Generator, prev_prob: Optional[np.ndarray] = None) -> SegmentSample:
    gt = scene.masks[idx]
    if task == "scribbles":
        new: list[Prompt] = list(round_scribbles(gt, prev, int(rng.integers(SCRIBBLES_PER_ROUND[0],
                                                                            SCRIBBLES_PER_ROUND[1] + 1)), rng))
    else:
        clicked = np.zeros(gt.shape, bool)
        new = list(round_clicks(gt, prev, int(rng.integers(CLICKS_PER_ROUND[0], CLICKS_PER_ROUND[1] + 1)), clicked))
    return _sample(scene, idx, earlier + new, new, prev, task, prev_prob=prev_prob)


def follow_up(scene: Scene, idx: int, first: SegmentSample, prob: np.ndarray, rng: np.random.Generator) -> SegmentSample:
    """The next round after the network answered ``first`` with ``prob`` (H x W): clicks or scribbles on its errors,
    the prompts of ``first`` kept (model-in-the-loop training, as RITM / DFIMat's multi-round training)."""
    earlier: list[Prompt] = [Box(*b) for b in first.prompts.boxes]
    earlier += [Text(t) for t in first.prompts.texts]
    earlier += [Click(float(x), float(y), bool(p)) for (x, y), p in zip(first.prompts.clicks,
                                                                        first.prompts.click_labels)]
    earlier += [Scribble(tuple((float(x), float(y)) for x, y in s.points), float(s.radius), bool(s.positive))
                for s in first.prompts.strokes]
    task = "scribbles" if rng.random() < 0.5 else "clicks"
    return _round_on(scene, idx, earlier, prob >= 0.5, task, rng, prev_prob=prob.astype(np.float32))
