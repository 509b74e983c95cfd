"""``bench --large-unknown``: the refiners when a large share of the photo is unknown (soft strokes over fur, smoke or
a veil): time, peak memory and accuracy against a known alpha, each (refiner, size) in a fresh subprocess so that
its peak RSS is its own.

The photo is made so that the truth is known: the bundled sample photo, upscaled, is the background; the subject is
an opaque ellipse with a wide fringe of partial alpha (smooth noise falling off outwards, smoke or fur seen from
afar) in a smoothly varying colour. The request is the one a session builds after the user painted the fringe soft:
the coarse map is 1 in the core, 0.5 (soft) on the fringe and 0 outside; the trimap is unknown on the fringe and in a
band around the core.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ASPECT = 0.75
SHARE = 0.30  # of the photo painted soft
HEADER = (f"{'refiner':<12} {'MP':>5} {'size':>10} {'unknown':>7} {'trimap s':>8} {'refine s':>8} {'MAD unk':>8} "
          f"{'SAD':>8} {'SAD prob':>8} {'base RSS MB':>11} {'peak RSS MB':>11}")


def make_case(megapixels: float, share: float = SHARE, seed: int = 0) -> dict:
    """Image, true alpha, coarse map, soft pixels of a ``megapixels`` MP photo whose fringe covers ``share`` of it."""
    from ..imageio import load_image
    from ..samples import sample_path

    w = int(round(math.sqrt(megapixels * 1e6 / ASPECT)))
    h = int(round(w * ASPECT))
    rng = np.random.default_rng(seed)
    background = cv2.resize(load_image(sample_path()).rgb, (w, h), interpolation=cv2.INTER_CUBIC)
    # an ellipse's normalised radius r; the core is r < r0, the fringe r0 <= r < r1 with area share of the photo
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a, b = 0.30 * w, 0.30 * h
    r = np.hypot((xx - w / 2) / a, (yy - h / 2) / b)
    r0 = 0.7
    r1 = math.sqrt(r0 ** 2 + share * w * h / (math.pi * a * b))
    # smooth noise: random values on a coarse grid, upsampled
    grid = rng.random((max(2, h // 64), max(2, w // 64))).astype(np.float32)
    noise = cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
    falloff = np.clip((r1 - r) / (r1 - r0), 0.0, 1.0)
    alpha = np.where(r < r0, 1.0, np.clip(falloff * (0.3 + 0.7 * noise), 0.0, 0.95)).astype(np.float32)
    fringe = (r >= r0) & (r < r1)
    del yy, xx, noise, falloff
    fg = np.empty((h, w, 3), np.float32)
    fg[..., 0] = 200 + 40 * np.sin(r * 3)
    fg[..., 1] = 120 + 60 * np.cos(r * 2)
    fg[..., 2] = 60
    image = np.clip(alpha[..., None] * fg + (1 - alpha[..., None]) * background, 0, 255).astype(np.uint8)
    del fg, background
    prob = np.where(r < r0, 1.0, 0.0).astype(np.float32)
    return {"image": image, "alpha": alpha, "prob": prob, "soft": fringe}


def measure(megapixels: float, refiner: str, share: float = SHARE, device: str = "cpu") -> dict:
    """Run in the worker process: the session's trimap for the soft fringe, then one refiner call; times, peak RSS and
    errors against the truth (MAD over the unknown pixels, SAD over the photo, and the SAD of the coarse map itself
    for scale)."""
    from mattestudio.models import registry
    from mattestudio.models.protocol import RefineRequest, never_cancel, no_progress

    from ..trimap import UNKNOWN, cover_soft, trimap_from_prob
    from .runner import peak_rss_mb

    case = make_case(megapixels, share)
    image, truth, soft = case["image"], case["alpha"], case["soft"]
    prob = cover_soft(case["prob"], soft)
    ref = registry.create(refiner, "refiner", device)
    base = peak_rss_mb()
    t0 = time.perf_counter()
    trimap = trimap_from_prob(image, prob, soft=soft)
    t1 = time.perf_counter()
    uses_trimap = getattr(ref, "uses_trimap", True)
    res = ref.refine(RefineRequest(image, prob, trimap if uses_trimap else None, f"large-{megapixels}", soft),
                     no_progress, never_cancel)
    t2 = time.perf_counter()
    alpha = res.alpha
    unknown = trimap == UNKNOWN
    return {"refiner": refiner, "megapixels": megapixels, "width": image.shape[1], "height": image.shape[0],
            "unknown_share": float(unknown.mean()), "trimap_seconds": t1 - t0, "refine_seconds": t2 - t1,
            "mad_unknown": float(np.abs(alpha[unknown] - truth[unknown]).mean()),
            "sad": float(np.abs(alpha - truth).sum() / 1000.0),
            "sad_prob": float(np.abs(np.clip(prob, 0, 1) - truth).sum() / 1000.0),
            "finite": bool(np.isfinite(alpha).all()), "warnings": list(res.info.get("warnings", [])),
            "base_rss_mb": base, "peak_rss_mb": peak_rss_mb()}


def run_large_unknown(sizes: list[float], refiners: list[str], share: float = SHARE, device: str = "cpu",
                      on_row=None) -> list[dict]:
    """Every (refiner, size) in its own subprocess; ``on_row(row)`` is called as each finishes."""
    rows = []
    for refiner in refiners:
        for mp in sizes:
            cmd = [sys.executable, "-m", "mattestudio.interaction.bench.large_unknown", "--mp", str(mp), "--refiner",
                   refiner, "--share", str(share), "--device", device]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
                row = {"refiner": refiner, "megapixels": mp, "error": tail}
            else:
                row = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append(row)
            if on_row is not None:
                on_row(row)
    return rows


def format_row(r: dict) -> str:
    if "error" in r:
        return f"{r['refiner']:<12} {r['megapixels']:>5g} failed: {r['error']}"
    return (f"{r['refiner']:<12} {r['megapixels']:>5g} {r['width']:>5}x{r['height']:<4} {r['unknown_share']:>7.1%} "
            f"{r['trimap_seconds']:>8.2f} {r['refine_seconds']:>8.2f} {r['mad_unknown']:>8.4f} {r['sad']:>8.1f} "
            f"{r['sad_prob']:>8.1f} {r['base_rss_mb']:>11.0f} {r['peak_rss_mb']:>11.0f}"
            + ("" if r["finite"] else "  NON-FINITE ALPHA") + "".join(f"\n    warning: {w}" for w in r["warnings"]))


def _worker(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="mattestudio.interaction.bench.large_unknown")
    p.add_argument("--mp", type=float, required=True)
    p.add_argument("--refiner", default="classic")
    p.add_argument("--share", type=float, default=SHARE)
    p.add_argument("--device", default="cpu")
    a = p.parse_args(argv)
    print(json.dumps(measure(a.mp, a.refiner, a.share, a.device)))
    return 0


if __name__ == "__main__":
    sys.exit(_worker())
