"""Shared by the models' timing commands (``python -m mattestudio.models.<model>.speed``): a synchronised median
and a synthetic refine request of any size."""

from __future__ import annotations

import time

import cv2
import numpy as np
import torch

from ..protocol import RefineRequest

SIZE = (3000, 4000)  # H x W = 12 MP
BAND = 60  # half-width in pixels of the synthetic trimap's unknown band (0.6 % of the diagonal x 2)
WARMUP = 3


def median_ms(fn, device: torch.device, repeats: int) -> float:
    """Median wall time of ``repeats`` calls of ``fn`` after WARMUP untimed ones, the device synchronised around
    each."""

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    for _ in range(WARMUP):
        fn()
    times = []
    for _ in range(repeats):
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return 1000.0 * float(np.median(times))


def synthetic_request(size: tuple[int, int] = SIZE, band: int = BAND, seed: int = 0):
    """A textured disc with a wavy boundary on a gradient, its coarse probability and a trimap band around it."""
    rng = np.random.default_rng(seed)
    H, W = size
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    theta = np.arctan2(yy - H / 2, xx - W / 2)
    radius = 0.35 * min(H, W) * (1 + 0.08 * np.sin(12 * theta))
    d = np.hypot(yy - H / 2, xx - W / 2) - radius
    prob = np.clip(0.5 - d / 40, 0, 1).astype(np.float32)
    del yy, xx, theta, radius
    image = np.empty((H, W, 3), np.uint8)
    noise = rng.integers(0, 24, (H, W), dtype=np.uint8)
    image[..., 0] = np.where(d < 0, 200, 30) + noise
    image[..., 1] = np.where(d < 0, 60, 140) + noise
    image[..., 2] = np.where(d < 0, 50, 190)
    mask = (prob >= 0.5).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))
    trimap = np.full((H, W), 128, np.uint8)
    trimap[cv2.erode(mask, kernel) > 0] = 255
    trimap[cv2.dilate(mask, kernel) == 0] = 0
    return RefineRequest(image, prob, trimap, f"synthetic-{H}x{W}")
