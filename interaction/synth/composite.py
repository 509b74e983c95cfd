"""Compositing procedural foregrounds over background photos: one image + per-instance visible alphas for a seed."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .shapes import foreground_alpha

INSTANCES = (2, 4)  # inclusive
ASPECT = 0.75  # height / width of the composites
OBJECT_HEIGHT = (0.55, 0.9)  # of the image height
MIN_VISIBLE = 0.01  # share of the image an instance must still cover after occlusion


@dataclass
class Composite:
    image: np.ndarray  # H x W x 3 uint8 RGB
    alphas: dict[str, np.ndarray] = field(default_factory=dict)  # instance -> visible alpha (after occlusion)


def random_crop(rng: np.random.Generator, photo: np.ndarray, h: int, w: int, zoom: tuple[float, float]) -> np.ndarray:
    """A random crop of ``photo`` with the aspect of h x w, covering ``zoom`` of its shorter fit, resized to h x w."""
    ph, pw = photo.shape[:2]
    fit = min(ph / h, pw / w)
    s = fit * rng.uniform(*zoom)
    ch, cw = max(2, int(h * s)), max(2, int(w * s))
    y0 = int(rng.integers(0, ph - ch + 1))
    x0 = int(rng.integers(0, pw - cw + 1))
    crop = photo[y0:y0 + ch, x0:x0 + cw]
    interp = cv2.INTER_AREA if ch > h else cv2.INTER_CUBIC
    return cv2.resize(crop, (w, h), interpolation=interp)


def _texture(rng: np.random.Generator, photos: list[np.ndarray], h: int, w: int) -> np.ndarray:
    """Foreground colour: a crop of a background photo, colour-shifted so objects do not copy their backdrop."""
    tex = random_crop(rng, photos[int(rng.integers(len(photos)))], h, w, (0.2, 0.6)).astype(np.float32)
    gain = rng.uniform(0.6, 1.4, 3).astype(np.float32)
    tex = tex * gain + rng.uniform(-40, 40, 3).astype(np.float32)
    if rng.random() < 0.5:
        tex = tex[:, :, rng.permutation(3)]
    return np.clip(tex, 0, 255)


def make_composite(seed: int | list[int], photos: list[np.ndarray], size: int = 640,
                   instances: int | None = None) -> Composite:
    """The composite for ``seed``: a background crop and 2-4 procedural objects (back to front, overlapping)."""
    rng = np.random.default_rng(seed)
    w = int(size)
    h = max(8, int(round(size * ASPECT)))
    n = int(instances if instances is not None else rng.integers(INSTANCES[0], INSTANCES[1] + 1))
    image = random_crop(rng, photos[int(rng.integers(len(photos)))], h, w, (0.5, 1.0)).astype(np.float32)
    full: list[np.ndarray] = []
    slots = rng.permutation(n)
    for i in range(n):
        oh = int(h * rng.uniform(*OBJECT_HEIGHT))
        ow = int(oh * rng.uniform(0.6, 1.0))
        a = foreground_alpha(rng, oh, ow)
        # spread the objects over the width so neighbours overlap partly
        cx = (slots[i] + 0.5) / n * w + rng.uniform(-0.08, 0.08) * w
        x0 = int(np.clip(cx - ow / 2, -ow // 4, w - 3 * ow // 4))
        y0 = int(h - oh * rng.uniform(0.85, 1.05))
        canvas = np.zeros((h, w), np.float32)
        sx0, sy0 = max(0, x0), max(0, y0)
        sx1, sy1 = min(w, x0 + ow), min(h, y0 + oh)
        canvas[sy0:sy1, sx0:sx1] = a[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0]
        tex = _texture(rng, photos, h, w)
        image = canvas[..., None] * tex + (1.0 - canvas[..., None]) * image
        full.append(canvas)
    # visible alpha = own alpha times the transparency of everything in front of it
    alphas = {}
    front = np.ones((h, w), np.float32)
    for i in range(n - 1, -1, -1):
        vis = full[i] * front
        front = front * (1.0 - full[i])
        if (vis >= 0.5).mean() >= MIN_VISIBLE:
            alphas[f"inst{i + 1}"] = np.clip(vis, 0.0, 1.0)
    noise = rng.normal(0, 2.0, image.shape).astype(np.float32)  # sensor noise over the whole composite
    out = np.clip(image + noise, 0, 255).astype(np.uint8)
    return Composite(out, dict(sorted(alphas.items())))
