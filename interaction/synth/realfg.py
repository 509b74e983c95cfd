"""Real foregrounds over real backgrounds, the way Composition-1k was made: each photo of a matting set (``image/`` +
``alpha/``) gets its foreground colours estimated from photo and alpha, then is placed over K different background
photos, scaled (never up) and framed so that the subject covers 10-60 % of the composite.

A subject that touches an edge of its photo (a plant in its pot cut by the frame, a toy standing on the bottom edge)
keeps touching the same edge of the composite, so no straight cut floats in the middle of the new background.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from mattestudio.models.protocol import CancelFn, ProgressFn, check_cancel, never_cancel, no_progress

from ..imageio import load_image
from .composite import random_crop

COVERAGE = (0.10, 0.60)  # share of the composite the subject's alpha covers
EDGE = 2  # px: a subject this close to a photo edge touches it
MARGIN = 0.04  # free space kept around a subject that touches no edge in an axis, of that axis' length
ASPECT = (0.5, 1.6)  # height / width a composite may have when one axis is fixed by a subject spanning it


@dataclass(frozen=True)
class Placement:
    """Where a foreground lands: composite size, the scale of the subject and the offset of its box's corner."""

    width: int
    height: int
    scale: float  # <= 1: never upscaled
    x: int  # composite pixel of the subject box's left / top edge
    y: int
    coverage: float  # mean alpha of the composite


@dataclass
class RealComposite:
    image: np.ndarray  # H x W x 3 uint8 RGB
    alpha: np.ndarray  # H x W uint8: the alpha the image was composited with
    trimap: np.ndarray | None  # H x W uint8 0 / 128 / 255, placed like the alpha (when the source has one)
    placement: Placement


def subject_box(alpha: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1), exclusive ends, of every pixel with alpha > 0."""
    ys, xs = np.nonzero(alpha > 0)
    if len(xs) == 0:
        raise ValueError("the alpha matte is empty")
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _axis(lo: int, hi: int, size: int) -> tuple[bool, bool]:
    return lo <= EDGE, hi >= size - EDGE


def plan(alpha: np.ndarray, rng: np.random.Generator, max_side: int) -> Placement:
    """Choose the composite's size, the subject's scale and its position for one background."""
    h0, w0 = alpha.shape
    x0, y0, x1, y1 = subject_box(alpha)
    bw, bh = x1 - x0, y1 - y0
    area = float(alpha.sum()) / (255.0 if alpha.dtype == np.uint8 else 1.0)
    left, right = _axis(x0, x1, w0)
    top, bottom = _axis(y0, y1, h0)
    target = rng.uniform(*COVERAGE)
    aspect = (h0 / w0) * rng.uniform(0.85, 1.15)  # H / W, near the photo's own
    # the smallest frame each axis allows: the box itself when it spans the axis, else the box plus a margin
    min_w = bw if (left and right) else bw / (1 - (0 if (left or right) else 2 * MARGIN))
    min_h = bh if (top and bottom) else bh / (1 - (0 if (top or bottom) else 2 * MARGIN))
    if left and right and top and bottom:
        w, h = float(bw), float(bh)
    elif left and right:
        w, h = float(bw), max(min_h, min(area / (target * bw), ASPECT[1] * bw))
    elif top and bottom:
        w, h = max(min_w, min(area / (target * bh), bh / ASPECT[0])), float(bh)
    else:
        w = np.sqrt(area / (target * aspect))
        h = aspect * w
        grow = max(min_w / w, min_h / h, 1.0)
        w, h = w * grow, h * grow
    scale = min(1.0, max_side / max(w, h))
    width, height = max(8, int(round(w * scale))), max(8, int(round(h * scale)))
    sw, sh = max(1, int(round(bw * scale))), max(1, int(round(bh * scale)))
    width, height = max(width, sw), max(height, sh)
    x = 0 if left else (width - sw if right else int(rng.integers(0, width - sw + 1)))
    y = 0 if top else (height - sh if bottom else int(rng.integers(0, height - sh + 1)))
    coverage = area * scale * scale / (width * height)
    return Placement(width, height, scale, x, y, coverage)


def _place(layer: np.ndarray, box: tuple[int, int, int, int], p: Placement, interp: int) -> np.ndarray:
    """``layer`` cropped to ``box``, scaled by ``p.scale`` and put at (p.x, p.y) of an empty composite-sized array."""
    x0, y0, x1, y1 = box
    crop = layer[y0:y1, x0:x1]
    if p.scale < 1.0:
        size = (max(1, int(round((x1 - x0) * p.scale))), max(1, int(round((y1 - y0) * p.scale))))
        crop = cv2.resize(crop, size, interpolation=interp)
    out = np.zeros((p.height, p.width) + layer.shape[2:], layer.dtype)
    h, w = min(crop.shape[0], p.height - p.y), min(crop.shape[1], p.width - p.x)
    out[p.y:p.y + h, p.x:p.x + w] = crop[:h, :w]
    return out


def estimate_foreground(image: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Foreground colours (H x W x 3 float32 in [0, 255]) by pymatting's multi-level estimate."""
    from pymatting import estimate_foreground_ml

    fg = estimate_foreground_ml(image.astype(np.float64) / 255.0, alpha.astype(np.float64) / 255.0)
    return (np.clip(fg, 0.0, 1.0) * 255.0).astype(np.float32)


def composite(image: np.ndarray, alpha: np.ndarray, foreground: np.ndarray, background: np.ndarray,
              rng: np.random.Generator, max_side: int, trimap: np.ndarray | None = None,
              jpeg_quality: int | None = None) -> RealComposite:
    """One composite of a photo's subject (``alpha`` uint8, ``foreground`` from :func:`estimate_foreground`) over
    ``background``; the alpha written with it is the one it was composited with (exactly the source's at scale 1)."""
    p = plan(alpha, rng, max_side)
    box = subject_box(alpha)
    a8 = _place(alpha, box, p, cv2.INTER_AREA)
    fg = _place(foreground, box, p, cv2.INTER_AREA)
    bg = random_crop(rng, background, p.height, p.width, (0.6, 1.0)).astype(np.float32)
    a = (a8.astype(np.float32) / 255.0)[..., None]
    out = np.clip(np.round(a * fg + (1.0 - a) * bg), 0, 255).astype(np.uint8)
    if jpeg_quality is not None:
        ok, buf = cv2.imencode(".jpg", out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)])
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].copy()
    tri = None if trimap is None else _place(trimap, box, p, cv2.INTER_NEAREST)
    return RealComposite(out, a8, tri, p)


@dataclass(frozen=True)
class Source:
    name: str
    image: Path
    alpha: Path
    trimap: Path | None


def discover_foregrounds(folder: str | Path) -> list[Source]:
    """The photos of a matting set: ``image/NAME.(png|jpg)`` with ``alpha/NAME.png`` (and ``trimap/Trimap1``)."""
    folder = Path(folder)
    if not (folder / "image").is_dir() or not (folder / "alpha").is_dir():
        raise ValueError(f"{folder}: a foreground set needs image/ and alpha/ folders")
    out = []
    for img in sorted((folder / "image").iterdir()):
        if img.suffix.lower() not in (".png", ".jpg", ".jpeg"):
            continue
        alpha = folder / "alpha" / f"{img.stem}.png"
        if not alpha.is_file():
            raise ValueError(f"{img}: no alpha matte {alpha}")
        tri = folder / "trimap" / "Trimap1" / f"{img.stem}.png"
        out.append(Source(img.stem, img, alpha, tri if tri.is_file() else None))
    if not out:
        raise ValueError(f"{folder}/image: no photos")
    return out


def read_grey(path: Path) -> np.ndarray:
    a = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if a is None:
        raise ValueError(f"{path}: cannot read")
    if a.ndim == 3:
        a = a[..., 3] if a.shape[2] == 4 else a[..., 0]
    if a.dtype != np.uint8:
        a = np.round(a.astype(np.float32) / 257.0).astype(np.uint8)
    return a


def write_set(out: str | Path, sources: list[Source], backgrounds: list[tuple[str, np.ndarray]], per_foreground: int,
              seed: int, max_side: int, jpeg_quality: int | None = None, credits: dict[str, str] | None = None,
              progress: ProgressFn = no_progress, cancel: CancelFn = never_cancel) -> list[str]:
    """Write ``image/``, ``alpha/`` (and ``trimap/Trimap1``) plus ``SOURCES.md`` naming each pair; photo NAME over
    background k is ``NAME-k``, with seed [seed, crc32(NAME)] so one photo's composites do not depend on the others."""
    if per_foreground > len(backgrounds):
        raise ValueError(f"--per-foreground {per_foreground} needs as many backgrounds; the folder has "
                         f"{len(backgrounds)}")
    out = Path(out)
    for sub in ("image", "alpha", "trimap/Trimap1"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    rows, names = [], []
    for i, src in enumerate(sources):
        check_cancel(cancel)
        rng = np.random.default_rng([seed, zlib.crc32(src.name.encode())])
        image = load_image(src.image).rgb
        alpha = read_grey(src.alpha)
        if alpha.shape != image.shape[:2]:
            raise ValueError(f"{src.alpha}: alpha {alpha.shape[::-1]} does not match the photo {image.shape[1::-1]}")
        tri = read_grey(src.trimap) if src.trimap is not None else None
        fg = estimate_foreground(image, alpha)
        for k, b in enumerate(rng.choice(len(backgrounds), per_foreground, replace=False)):
            bg_name, bg = backgrounds[int(b)]
            comp = composite(image, alpha, fg, bg, rng, max_side, tri, jpeg_quality)
            name = f"{src.name}-{k}"
            cv2.imwrite(str(out / "image" / f"{name}.png"), comp.image[..., ::-1])
            cv2.imwrite(str(out / "alpha" / f"{name}.png"), comp.alpha)
            if comp.trimap is not None:
                cv2.imwrite(str(out / "trimap" / "Trimap1" / f"{name}.png"), comp.trimap)
            p = comp.placement
            rows.append(f"| {name} | {src.image.name} | {bg_name} | {p.width}x{p.height} | {p.scale:.3f} "
                        f"| {p.coverage * 100:.0f} % | {(credits or {}).get(bg_name, '')} |")
            names.append(name)
        progress((i + 1) / len(sources), src.name)
    head = ["# Composites of real foregrounds over real backgrounds", "",
            "Made by `mattestudio synth --foregrounds` (seed %d, %d backgrounds per photo, longest side <= %d px%s)."
            % (seed, per_foreground, max_side, f", JPEG quality {jpeg_quality}" if jpeg_quality else ""),
            "Foreground colours estimated from each photo and its alpha (pymatting `estimate_foreground_ml`); the "
            "subject is never upscaled. Evaluation only: these are composites of the source photos and share their "
            "terms; never train on them.", "",
            "| composite | foreground photo | background | size | scale | subject covers | background licence |",
            "|---|---|---|---|---:|---:|---|"]
    (out / "SOURCES.md").write_text("\n".join(head + rows) + "\n", encoding="utf-8")
    return names
