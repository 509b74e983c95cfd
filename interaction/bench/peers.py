"""Peers measured in the same run: GrabCut + closed-form (``grabcut-cf``) and closed-form on the official trimap
(``trimap-cf``). Both are weight-free tools a user could pick instead of MatteStudio."""

from __future__ import annotations

import contextlib
import io
import math
import time

import cv2
import numpy as np

from ..prompts import Box, Click, Prompt, Scribble
from ..raster import draw_stroke
from .methods import MethodRound

GRABCUT_ITERATIONS = 5
CLICK_DISK_RADIUS = 5  # px, hard label disk of a click
TRIMAP_RADIUS = 0.01  # of the image diagonal
GRABCUT_RNG_SEED = 0  # GrabCut's k-means draws from OpenCV's global RNG: reset it so every call is reproducible


def closed_form(image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    """pymatting's closed-form matting; trimaps without known foreground or background give the trimap itself."""
    fg, bg = trimap == 255, trimap == 0
    if not fg.any() or not bg.any() or not (trimap == 128).any():
        return fg.astype(np.float32)
    from pymatting import estimate_alpha_cf

    with contextlib.redirect_stdout(io.StringIO()):  # pymatting prints a note whenever ichol needs a shift
        alpha = estimate_alpha_cf(image.astype(np.float64) / 255.0, trimap.astype(np.float64) / 255.0)
    return np.clip(alpha, 0.0, 1.0).astype(np.float32)


def trimap_from_mask(mask: np.ndarray) -> np.ndarray:
    """Erode/dilate trimap of ``mask`` with radius 1% of the diagonal."""
    h, w = mask.shape
    r = max(1, int(round(TRIMAP_RADIUS * math.hypot(h, w))))
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    m = mask.astype(np.uint8)
    trimap = np.zeros(mask.shape, np.uint8)
    trimap[cv2.dilate(m, k) > 0] = 128
    trimap[cv2.erode(m, k) > 0] = 255
    return trimap


class GrabCutCF:
    """OpenCV GrabCut (5 iterations; box init; clicks as 5 px hard disks and scribbles as hard strokes on the previous
    mask) + erode/dilate trimap + closed-form matting."""

    name = "grabcut-cf"

    def start(self, image: np.ndarray, instances: list[str], key: str = "") -> None:  # noqa: ARG002
        self.image = image
        self.bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        self.masks: dict[str, np.ndarray | None] = {n: None for n in instances}
        self.results: dict[str, np.ndarray] = {}

    def _grabcut(self, gc: np.ndarray, rect: tuple[int, int, int, int] | None) -> np.ndarray:
        bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
        mode = cv2.GC_INIT_WITH_RECT if rect is not None else cv2.GC_INIT_WITH_MASK
        has_fg = np.isin(gc, (cv2.GC_FGD, cv2.GC_PR_FGD)).any()
        has_bg = np.isin(gc, (cv2.GC_BGD, cv2.GC_PR_BGD)).any()
        if rect is None and not (has_fg and has_bg):
            return gc
        cv2.setRNGSeed(GRABCUT_RNG_SEED)
        cv2.grabCut(self.bgr, gc, rect, bgd, fgd, GRABCUT_ITERATIONS, mode)
        return gc

    def run_round(self, instance: str, prompts: list[Prompt]) -> MethodRound:
        h, w = self.image.shape[:2]
        t0 = time.perf_counter()
        gc = self.masks[instance]
        boxes = [p for p in prompts if isinstance(p, Box)]
        rect = None
        if boxes:
            b = boxes[-1]
            x0, y0 = int(math.floor(b.x0)), int(math.floor(b.y0))
            rect = (x0, y0, max(1, int(math.ceil(b.x1)) - x0), max(1, int(math.ceil(b.y1)) - y0))
            gc = np.zeros((h, w), np.uint8)
        elif gc is None:
            gc = np.full((h, w), cv2.GC_PR_BGD, np.uint8)
        if rect is not None:
            gc = self._grabcut(gc, rect)
            rect = None
        hard = False
        for p in prompts:
            if isinstance(p, Click):
                cv2.circle(gc, (int(round(p.x)), int(round(p.y))), CLICK_DISK_RADIUS,
                           int(cv2.GC_FGD if p.positive else cv2.GC_BGD), -1)
                hard = True
            elif isinstance(p, Scribble):
                label = int(cv2.GC_FGD if p.positive else cv2.GC_BGD)
                draw_stroke(gc, p, label)
                cv2.circle(gc, (int(round(p.points[0][0])), int(round(p.points[0][1]))), int(round(p.radius)), label,
                           -1)
                hard = True
        if hard:
            gc = self._grabcut(gc, None)
        self.masks[instance] = gc
        mask = np.isin(gc, (cv2.GC_FGD, cv2.GC_PR_FGD))
        t1 = time.perf_counter()
        alpha = closed_form(self.image, trimap_from_mask(mask))
        t2 = time.perf_counter()
        self.results[instance] = alpha
        return MethodRound(mask, alpha, t1 - t0, t2 - t1)

    def alphas(self) -> dict[str, np.ndarray]:
        return dict(self.results)


def trimap_cf(image: np.ndarray, trimap: np.ndarray) -> MethodRound:
    """Closed-form matting on an expert trimap (not interactive: one result per image)."""
    t0 = time.perf_counter()
    alpha = closed_form(image, trimap)
    return MethodRound(alpha >= 0.5, alpha, 0.0, time.perf_counter() - t0)


PEERS = {"grabcut-cf": GrabCutCF, "trimap-cf": None}  # trimap-cf is run once per image by the runner
