"""``bench --speed``: wall time of one round (segment + refine), a follow-up click round, the alpha PNG export
(exclusive alphas + 8-bit PNG) and the RGBA cut-out export (foreground estimation + PNG) on generated photo-like
images of several sizes, each size in a fresh subprocess so that its
peak RSS is its own. Needs no shared data: the image is the bundled sample photo with a procedural composited object,
upscaled to the size asked for."""

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

MAX_MP = 40.0
ASPECT = 0.75
HEADER = (f"{'back-ends':<24} {'MP':>5} {'size':>10} {'segment s':>9} {'refine s':>8} {'alpha s':>7} {'round s':>8} "
          f"{'click round s':>13} {'click alpha s':>13} {'export s':>8} {'rgba s':>7} {'base RSS MB':>11} "
          f"{'peak RSS MB':>11}")


class SpeedError(ValueError):
    """Bad speed-mode settings; the message is meant for the user."""


def speed_image(megapixels: float) -> tuple[np.ndarray, np.ndarray]:
    """A photo-like RGB image of about ``megapixels`` MP (4:3) and the ground-truth alpha of its object."""
    from ..imageio import load_image
    from ..samples import sample_path
    from ..synth.composite import make_composite

    photo = load_image(sample_path()).rgb
    comp = make_composite([2026, 11, 21], [photo], size=800, instances=1)
    alpha = next(iter(comp.alphas.values()))
    w = int(round(math.sqrt(megapixels * 1e6 / ASPECT)))
    h = int(round(w * ASPECT))
    image = cv2.resize(comp.image, (w, h), interpolation=cv2.INTER_CUBIC)
    alpha = np.clip(cv2.resize(alpha, (w, h), interpolation=cv2.INTER_LINEAR), 0, 1)
    return image, alpha


WARM_MP = 0.25  # the untimed round that starts an accelerator (its context, first kernels) before the timed ones


def _session(megapixels: float, segmenter: str, refiner: str, device: str):
    """A session on the speed image of that size with one instance; returns it, the image and its true mask."""
    from ..session import Session

    image, alpha = speed_image(megapixels)
    session = Session(image, segmenter, refiner, device)
    session.add_instance("object")
    return session, image, alpha >= 0.5


def warm_up(segmenter: str, refiner: str, device: str) -> None:
    """One untimed box round on a small image of its own, so that the timed rounds do not pay the accelerator's start
    (and no back-end's per-image cache is shared with them)."""
    from . import simulator as sim

    session, _, gt = _session(WARM_MP, segmenter, refiner, device)
    session.run_round("object", [sim.simulated_box(gt)])


def measure(megapixels: float, segmenter: str, refiner: str, device: str, warm: bool | None = None) -> dict:
    """Run in the worker process: box round, click round, export; times and peak RSS. ``warm`` (default: on any device
    but the CPU) runs :func:`warm_up` first; on the CPU the first round's figures are what a user's first round costs."""
    from . import simulator as sim
    from .runner import peak_rss_mb

    warm = device != "cpu" if warm is None else warm
    if warm:
        warm_up(segmenter, refiner, device)
    session, image, gt = _session(megapixels, segmenter, refiner, device)
    base = peak_rss_mb()
    r1 = session.run_round("object", [sim.simulated_box(gt)])
    clicks = sim.round_clicks(gt, r1.mask, 3, np.zeros(gt.shape, bool))
    t0 = time.perf_counter()
    r2 = session.run_round("object", clicks) if clicks else r1
    click_s = time.perf_counter() - t0 if clicks else None
    import tempfile

    from ..export import export_alpha, export_rgba

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        export_alpha(session.alphas()["object"], f"{tmp}/alpha.png")
        export_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        export_rgba(image, session.alphas()["object"], f"{tmp}/cutout.png")
        rgba_s = time.perf_counter() - t0
    return {"segmenter": segmenter, "refiner": refiner, "megapixels": megapixels, "width": image.shape[1],
            "height": image.shape[0], "segment_seconds": r1.segment_seconds, "refine_seconds": r1.refine_seconds,
            "alpha_seconds": r1.alpha_seconds, "round_seconds": r1.segment_seconds + r1.refine_seconds,
            "click_round_seconds": click_s, "click_segment_seconds": r2.segment_seconds,
            "click_refine_seconds": r2.refine_seconds, "click_alpha_seconds": r2.alpha_seconds,
            "export_seconds": export_s, "rgba_export_seconds": rgba_s, "warmed_up": warm, "base_rss_mb": base,
            "peak_rss_mb": peak_rss_mb()}


def check_backends(segmenter: str, refiners: list[str]) -> None:
    from mattestudio.models import registry
    from mattestudio.models.protocol import BackendError

    if not refiners:
        raise SpeedError("--refiner needs at least one back-end")
    for name, role in [(segmenter, "segmenter")] + [(r, "refiner") for r in refiners]:
        try:
            info = registry.info(name)
        except BackendError as exc:
            raise SpeedError(str(exc)) from None
        if role not in info.roles:
            raise SpeedError(f"back-end '{name}' cannot act as {role}")


def worker_row(cmd: list[str], failed: dict) -> dict:
    """The JSON row a worker subprocess prints last; ``failed`` plus its last line of stderr when it fails."""
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return {**failed, "error": (proc.stderr.strip().splitlines() or ["(no output)"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_speed(sizes: list[float], segmenter: str, refiners: list[str], device: str = "cpu", on_row=None,
              header=None) -> list[dict]:
    """Every (refiner, size) in its own subprocess; ``on_row(row)`` is called as each finishes."""
    check_backends(segmenter, refiners)
    if header is not None:
        header()
    rows = []
    for refiner in refiners:
        for mp in sizes:
            cmd = [sys.executable, "-m", "mattestudio.interaction.bench.speed", "--mp", str(mp), "--segmenter",
                   segmenter, "--refiner", refiner, "--device", device]
            row = worker_row(cmd, {"segmenter": segmenter, "refiner": refiner, "megapixels": mp})
            rows.append(row)
            if on_row is not None:
                on_row(row)
    return rows


def _s(v) -> str:
    return "-" if v is None else f"{v:.3f}"


def format_row(r: dict) -> str:
    name = r["segmenter"] if r["segmenter"] == r["refiner"] else f"{r['segmenter']}+{r['refiner']}"
    if "error" in r:
        return f"{name:<24} {r['megapixels']:>5g} failed: {r['error']}"
    return (f"{name:<24} {r['megapixels']:>5g} {r['width']:>5}x{r['height']:<4} {_s(r['segment_seconds']):>9} "
            f"{_s(r['refine_seconds']):>8} {_s(r.get('alpha_seconds')):>7} {_s(r['round_seconds']):>8} "
            f"{_s(r['click_round_seconds']):>13} {_s(r.get('click_alpha_seconds')):>13} "
            f"{_s(r['export_seconds']):>8} {_s(r.get('rgba_export_seconds')):>7} {r['base_rss_mb']:>11.0f} "
            f"{r['peak_rss_mb']:>11.0f}")


def write_json(rows: list[dict], path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps({"rows": rows}, indent=1), encoding="utf-8")


def _worker(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="mattestudio.interaction.bench.speed")
    p.add_argument("--mp", type=float, required=True)
    p.add_argument("--segmenter", default="classic")
    p.add_argument("--refiner", default="classic")
    p.add_argument("--device", default="cpu")
    a = p.parse_args(argv)
    print(json.dumps(measure(a.mp, a.segmenter, a.refiner, a.device)))
    return 0


if __name__ == "__main__":
    sys.exit(_worker())
