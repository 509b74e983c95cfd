"""Training stream: synthetic multi-instance scenes with true soft alpha, RSSN-style augmentation, referring
expressions and simulated-user prompts for multi-round training.

A scene is a deterministic function of its seed: a background crop, 1-4 procedural foregrounds (the body, hair and
veils of :mod:`.shapes`, plus holes, thin structures and hard-edged parts), each textured by a tinted crop of a
background photo, composited back to front with occlusion. The composite (never the alpha) is then degraded as RSSN
does: colour harmonisation toward the background, resolution, blur or sharpening, noise and JPEG. Held-out scenes use a
different seed branch than training scenes (:func:`scene_seed`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .composite import random_crop
from .shapes import foreground_alpha
from .text import COLOURS, InstanceFacts, instance_facts

TRAIN, HELD_OUT = 0, 1
INSTANCES = (1, 4)  # inclusive
ASPECT = 0.75
OBJECT_HEIGHT = (0.45, 0.85)
MIN_VISIBLE = 0.01
#: base RGB of the tints (the names are the ones colour_name() gives them)
TINTS = {"red": (200, 30, 30), "orange": (235, 130, 20), "yellow": (230, 210, 40), "green": (40, 160, 60),
         "blue": (40, 80, 210), "purple": (130, 50, 180), "pink": (240, 140, 190), "white": (235, 235, 235),
         "black": (25, 25, 25), "grey": (128, 128, 128)}
HARD_PART = 0.35  # probability of a hard-edged polygon part
HOLES = 0.35
THIN = 0.35


@dataclass(frozen=True)
class AugmentConfig:
    """RSSN-style degradations of the composite (probabilities and ranges)."""

    harmonise: float = 0.5
    harmonise_strength: tuple[float, float] = (0.1, 0.35)
    resample: float = 0.3
    resample_scale: tuple[float, float] = (0.5, 0.9)
    blur: float = 0.25
    blur_sigma: tuple[float, float] = (0.4, 1.2)
    sharpen: float = 0.2
    noise: float = 0.6
    noise_sigma: tuple[float, float] = (1.0, 6.0)
    jpeg: float = 0.4
    jpeg_quality: tuple[int, int] = (40, 95)


@dataclass(frozen=True)
class SceneConfig:
    width: tuple[int, int] = (256, 384)  # scene width in px (resolution augmentation); height = 3/4 of it
    instances: tuple[int, int] = INSTANCES
    augment: AugmentConfig = field(default_factory=AugmentConfig)


@dataclass
class Scene:
    image: np.ndarray  # H x W x 3 uint8 RGB (augmented composite)
    alphas: list[np.ndarray]  # visible alpha per instance, back to front, float32 in [0, 1]
    full: list[np.ndarray]  # each instance's own alpha before occlusion
    colours: list[str]  # tint name per instance
    facts: list[InstanceFacts]
    background: np.ndarray  # H x W x 3 float32 (before augmentation), for composition losses
    foregrounds: list[np.ndarray]  # H x W x 3 float32 texture per instance

    @property
    def masks(self) -> list[np.ndarray]:
        return [a >= 0.5 for a in self.alphas]

    def for_rounds(self) -> "Scene":
        """The scene without the layers only composition needs (textures, background, unoccluded alphas): what a later
        round on it reads, a fifth of the bytes to send between processes."""
        return Scene(self.image, self.alphas, [], self.colours, self.facts, np.zeros((0, 0, 3), np.float32), [])


def scene_seed(split: int, seed: int, index: int) -> list[int]:
    """Seed of scene ``index`` in ``split`` (TRAIN or HELD_OUT): the two never share a seed."""
    return [int(seed), int(split), int(index)]


def _tinted_texture(rng: np.random.Generator, photos: list[np.ndarray], h: int, w: int, tint: str) -> np.ndarray:
    """A crop of a photo (its luminance and some of its colour) tinted toward a named colour."""
    tex = random_crop(rng, photos[int(rng.integers(len(photos)))], h, w, (0.15, 0.5)).astype(np.float32)
    lum = tex.mean(2, keepdims=True) / 255.0
    base = np.array(TINTS[tint], np.float32)
    contrast = rng.uniform(0.3, 0.7)
    shade = base * (1.0 - contrast + 2 * contrast * lum)
    mix = rng.uniform(0.0, 0.3)
    return np.clip((1 - mix) * shade + mix * tex, 0, 255)


def _extras(rng: np.random.Generator, alpha: np.ndarray) -> np.ndarray:
    """Holes, thin anti-aliased structures and a hard-edged polygon part on top of a procedural alpha."""
    h, w = alpha.shape
    body = alpha >= 0.5
    ys, xs = np.nonzero(body)
    if len(xs) == 0:
        return alpha
    out = alpha.copy()
    if rng.random() < HARD_PART:
        cx, cy = float(rng.uniform(0.2, 0.8) * w), float(rng.uniform(0.4, 0.9) * h)
        r = rng.uniform(0.1, 0.25) * min(h, w)
        ang = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(3, 7))))
        poly = np.stack([cx + r * np.cos(ang), cy + r * np.sin(ang)], 1).astype(np.int32)
        part = np.zeros((h, w), np.uint8)
        cv2.fillPoly(part, [poly], 255)
        out = np.maximum(out, part.astype(np.float32) / 255.0)
    if rng.random() < THIN:
        thin = np.zeros((h, w), np.uint8)
        for _ in range(int(rng.integers(1, 4))):
            i = int(rng.integers(len(xs)))
            ang = rng.uniform(-np.pi, 0)
            length = rng.uniform(0.2, 0.5) * min(h, w)
            p0 = (int(xs[i] * 16), int(ys[i] * 16))
            p1 = (int((xs[i] + length * np.cos(ang)) * 16), int((ys[i] + length * np.sin(ang)) * 16))
            cv2.line(thin, p0, p1, int(rng.integers(160, 256)), int(rng.integers(1, 3)), cv2.LINE_AA, shift=4)
        out = np.maximum(out, thin.astype(np.float32) / 255.0)
    if rng.random() < HOLES:
        holes = np.zeros((h, w), np.uint8)
        for _ in range(int(rng.integers(1, 4))):
            i = int(rng.integers(len(xs)))
            r = max(2, int(rng.uniform(0.03, 0.08) * min(h, w)))
            cv2.circle(holes, (int(xs[i]), int(ys[i])), r, 255, -1, cv2.LINE_AA)
        out = out * (1.0 - holes.astype(np.float32) / 255.0)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def _augment(rng: np.random.Generator, image: np.ndarray, cfg: AugmentConfig) -> np.ndarray:
    img = image
    h, w = img.shape[:2]
    if rng.random() < cfg.resample:
        s = rng.uniform(*cfg.resample_scale)
        small = cv2.resize(img, (max(8, int(w * s)), max(8, int(h * s))), interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < cfg.blur:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(*cfg.blur_sigma))
    elif rng.random() < cfg.sharpen:
        soft = cv2.GaussianBlur(img, (0, 0), 1.0)
        img = img + rng.uniform(0.3, 1.0) * (img - soft)
    if rng.random() < cfg.noise:
        img = img + rng.normal(0, rng.uniform(*cfg.noise_sigma), img.shape).astype(np.float32)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < cfg.jpeg:
        q = int(rng.integers(cfg.jpeg_quality[0], cfg.jpeg_quality[1] + 1))
        ok, buf = cv2.imencode(".jpg", cv2.cvtColor(out, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, q])
        if ok:
            out = cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    return out


def make_scene(seed: list[int] | int, photos: list[np.ndarray], cfg: SceneConfig = SceneConfig(),
               instances: int | None = None) -> Scene:
    """The scene for ``seed``: 1-4 soft-alpha instances (distinct tints) over a background crop, augmented."""
    rng = np.random.default_rng(seed)
    w = int(rng.integers(cfg.width[0], cfg.width[1] + 1))
    h = max(8, int(round(w * ASPECT)))
    n = int(instances if instances is not None else rng.integers(cfg.instances[0], cfg.instances[1] + 1))
    bg = random_crop(rng, photos[int(rng.integers(len(photos)))], h, w, (0.5, 1.0)).astype(np.float32)
    image = bg.copy()
    tints = [COLOURS[int(i)] for i in rng.permutation(len(COLOURS))[:n]]
    if n >= 3 and rng.random() < 0.3:  # shared colours, so that combinations ("the red one on the left") occur
        tints[1] = tints[0]
    slots = rng.permutation(n)
    spread = rng.uniform(0.45, 1.0)  # < 1 crowds the instances together, so that they occlude each other
    full, textures = [], []
    for i in range(n):
        oh = int(h * rng.uniform(*OBJECT_HEIGHT) * (1.0 if n < 3 else rng.uniform(0.6, 1.0)))
        ow = max(8, int(oh * rng.uniform(0.6, 1.0)))
        oh = max(8, oh)
        a = _extras(rng, foreground_alpha(rng, oh, ow))
        cx = (0.5 + spread * ((slots[i] + 0.5) / n - 0.5)) * w + rng.uniform(-0.1, 0.1) * w
        x0 = int(np.clip(cx - ow / 2, -ow // 4, w - 3 * ow // 4))
        y0 = int(h - oh * rng.uniform(0.8, 1.1))
        canvas = np.zeros((h, w), np.float32)
        sx0, sy0, sx1, sy1 = max(0, x0), max(0, y0), min(w, x0 + ow), min(h, y0 + oh)
        if sx1 > sx0 and sy1 > sy0:
            canvas[sy0:sy1, sx0:sx1] = a[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0]
        tex = _tinted_texture(rng, photos, h, w, tints[i])
        if rng.random() < cfg.augment.harmonise:  # RSSN colour harmonisation: pull fg statistics toward bg
            t = rng.uniform(*cfg.augment.harmonise_strength)
            tex = tex + t * (bg.mean((0, 1)) - tex.mean((0, 1)))
        image = canvas[..., None] * tex + (1.0 - canvas[..., None]) * image
        full.append(canvas)
        textures.append(tex)
    visible, front = [None] * n, np.ones((h, w), np.float32)
    for i in range(n - 1, -1, -1):
        visible[i] = np.clip(full[i] * front, 0.0, 1.0)
        front = front * (1.0 - full[i])
    keep = [i for i in range(n) if (visible[i] >= 0.5).mean() >= MIN_VISIBLE]
    out = _augment(rng, image, cfg.augment)
    vis = [visible[i] for i in keep]
    own = [full[i] for i in keep]
    facts = instance_facts(np.clip(image, 0, 255).astype(np.uint8), vis, own)
    return Scene(out, vis, own, [tints[i] for i in keep], facts, bg, [textures[i] for i in keep])
