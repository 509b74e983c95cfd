"""``bench --large-unknown``: the refiners when a large share of the photo is unknown (soft strokes over fur, smoke or
a veil): time, peak memory and accuracy against a known alpha, each (refiner, size) in a fresh subprocess so that
its peak RSS is its own.

The photo is made so that the truth is known: the bundled sample photo, upscaled, is the background; the subject is
an opaque disc with a wide fringe of partial alpha (smooth noise falling off outwards, smoke or fur seen from afar)
in a smoothly varying colour. One session round paints the fringe soft, as a user would, with a segmenter that
answers the opaque disc, so that the refiner gets what a session gives it: the coarse map 1 in the core, 0.5 on the
fringe, 0 outside, and a trimap unknown on the fringe. A refiner not made for soft strokes is run as the session runs
it (``interaction/soft_refine.py``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

import cv2
import numpy as np

from .speed import worker_row

ASPECT = 0.75
SHARE = 0.30  # of the photo painted soft
HEADER = (f"{'refiner':<18} {'MP':>5} {'size':>10} {'unknown':>7} {'trimap s':>8} {'refine s':>8} {'cpu s':>7} "
          f"{'MAD unk':>8} {'SAD':>8} {'SAD prob':>8} {'base RSS MB':>11} {'peak RSS MB':>11}")


class CaseSegmenter:
    """The benchmark's segmenter: it answers every round with the case's coarse map (the opaque core), so that the
    time and the error measured are the refiner's and the session's own."""

    name, accepts_text = "case", False

    def __init__(self, prob: np.ndarray):
        self.prob = prob

    def segment(self, request, progress, cancel):
        from mattestudio.models.protocol import SegmentResult

        return SegmentResult(self.prob)


def make_case(megapixels: float, share: float = SHARE, seed: int = 0) -> dict:
    """Image, true alpha, coarse map and the soft stroke of a ``megapixels`` MP photo: an opaque disc whose fringe,
    an annulus covering ``share`` of the photo, is painted soft by one stroke along its middle."""
    from ..imageio import load_image
    from ..prompts import Soft
    from ..samples import sample_path

    w = int(round(math.sqrt(megapixels * 1e6 / ASPECT)))
    h = int(round(w * ASPECT))
    rng = np.random.default_rng(seed)
    background = cv2.resize(load_image(sample_path()).rgb, (w, h), interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.hypot(xx - w / 2, yy - h / 2)
    r0 = 0.22 * h
    r1 = math.sqrt(r0 ** 2 + share * w * h / math.pi)
    del yy, xx
    # smooth noise: random values on a coarse grid, upsampled
    grid = rng.random((max(2, h // 64), max(2, w // 64))).astype(np.float32)
    noise = cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
    falloff = np.clip((r1 - r) / (r1 - r0), 0.0, 1.0)
    alpha = np.where(r < r0, 1.0, np.clip(falloff * (0.3 + 0.7 * noise), 0.0, 0.95)).astype(np.float32)
    del noise, falloff
    fg = np.empty((h, w, 3), np.float32)
    fg[..., 0] = 200 + 40 * np.sin(r / h * 9)
    fg[..., 1] = 120 + 60 * np.cos(r / h * 6)
    fg[..., 2] = 60
    image = np.clip(alpha[..., None] * fg + (1 - alpha[..., None]) * background, 0, 255).astype(np.uint8)
    del fg, background
    prob = (r < r0).astype(np.float32)
    mid, half = (r0 + r1) / 2, (r1 - r0) / 2
    n = max(16, int(2 * math.pi * mid / max(4.0, half / 2)))
    angles = np.linspace(0, 2 * math.pi, n + 1)
    stroke = Soft(tuple((float(np.clip(w / 2 + mid * math.cos(t), 0, w - 1)),
                         float(np.clip(h / 2 + mid * math.sin(t), 0, h - 1))) for t in angles), half)
    return {"image": image, "alpha": alpha, "prob": prob, "stroke": stroke}


def measure(megapixels: float, refiner: str, share: float = SHARE, device: str = "cpu", direct: bool = False) -> dict:
    """Run in the worker process: one session round of the soft stroke (as a user's), with the case's coarse map as
    the segmenter's answer; the round's times, the peak RSS and the errors against the truth (MAD over the round's
    unknown pixels, SAD over the photo, and the SAD of the coarse map itself for scale). ``direct``: the refiner gets
    the soft-covered map and trimap itself, as if it declared ``handles_soft`` (what the session's fallback avoids)."""
    from ..session import Session
    from ..trimap import UNKNOWN
    from .runner import peak_rss_mb

    case = make_case(megapixels, share)
    image, truth = case["image"], case["alpha"]
    session = Session(image, CaseSegmenter(case["prob"]), refiner, device)
    if direct:
        session.refiner.handles_soft = True
    session.add_instance("subject")
    base = peak_rss_mb()
    cpu = time.process_time()
    res = session.run_round("subject", [case["stroke"]])
    cpu = time.process_time() - cpu
    unknown = res.trimap == UNKNOWN
    alpha = res.alpha
    return {"refiner": refiner, "direct": direct, "megapixels": megapixels, "width": image.shape[1],
            "height": image.shape[0], "unknown_share": float(unknown.mean()),
            "trimap_seconds": res.refine_seconds - res.alpha_seconds, "refine_seconds": res.alpha_seconds,
            "round_cpu_seconds": cpu, "mad_unknown": float(np.abs(alpha[unknown] - truth[unknown]).mean()),
            "sad": float(np.abs(alpha - truth).sum() / 1000.0),
            "sad_prob": float(np.abs(case["prob"] - truth).sum() / 1000.0),
            "finite": bool(np.isfinite(alpha).all()), "warnings": list(res.warnings),
            "base_rss_mb": base, "peak_rss_mb": peak_rss_mb()}


def run_large_unknown(sizes: list[float], refiners: list[str], share: float = SHARE, device: str = "cpu",
                      on_row=None, direct: bool = False) -> list[dict]:
    """Every (refiner, size) in its own subprocess; ``on_row(row)`` is called as each finishes."""
    rows = []
    for refiner in refiners:
        for mp in sizes:
            cmd = [sys.executable, "-m", "mattestudio.interaction.bench.large_unknown", "--mp", str(mp), "--refiner",
                   refiner, "--share", str(share), "--device", device] + (["--direct"] if direct else [])
            row = worker_row(cmd, {"refiner": refiner, "megapixels": mp})
            rows.append(row)
            if on_row is not None:
                on_row(row)
    return rows


def format_row(r: dict) -> str:
    if "error" in r:
        return f"{r['refiner']:<18} {r['megapixels']:>5g} failed: {r['error']}"
    name = r["refiner"] + (" direct" if r.get("direct") else "")
    return (f"{name:<18} {r['megapixels']:>5g} {r['width']:>5}x{r['height']:<4} {r['unknown_share']:>7.1%} "
            f"{r['trimap_seconds']:>8.2f} {r['refine_seconds']:>8.2f} {r['round_cpu_seconds']:>7.1f} "
            f"{r['mad_unknown']:>8.4f} {r['sad']:>8.1f} "
            f"{r['sad_prob']:>8.1f} {r['base_rss_mb']:>11.0f} {r['peak_rss_mb']:>11.0f}"
            + ("" if r["finite"] else "  NON-FINITE ALPHA") + "".join(f"\n    warning: {w}" for w in r["warnings"]))


def _worker(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="mattestudio.interaction.bench.large_unknown")
    p.add_argument("--mp", type=float, required=True)
    p.add_argument("--refiner", default="classic")
    p.add_argument("--share", type=float, default=SHARE)
    p.add_argument("--device", default="cpu")
    p.add_argument("--direct", action="store_true")
    a = p.parse_args(argv)
    print(json.dumps(measure(a.mp, a.refiner, a.share, a.device, a.direct)))
    return 0


if __name__ == "__main__":
    sys.exit(_worker())
