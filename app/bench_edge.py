"""``bench --edge``: how long one change of an edge control takes to reach the canvas while a slider is dragged.

What the window does per change is timed: the alphas at the preview size (each instance's reduced alpha and support
map are made once per round and kept, so they are timed apart as the first preview's cost), the edge controls, the
exclusivity, and the overlay images (mask tint, composite, alpha) with their QImage conversion, on a generated photo
of each size (the speed benchmark's image and its true alpha as the round's result)."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import numpy as np

from mattestudio.interaction.bench.speed import speed_image
from mattestudio.interaction.edge import EdgeSettings
from mattestudio.interaction.instance_alphas import AlphaSource, edged_alphas, preview_size
from mattestudio.interaction.prompts import Box
from mattestudio.interaction.results import RoundResult

from . import overlays as ov
from .main_window import PREVIEW_SIDE
from .overlay_render import OverlayRequest, render

#: one change of each control, then all of them together
CHANGES = {"smooth": EdgeSettings(smooth=50), "feather": EdgeSettings(feather=6), "contrast": EdgeSettings(contrast=50),
           "shift": EdgeSettings(shift=40), "decontaminate": EdgeSettings(decontaminate=60),
           "all": EdgeSettings(smooth=30, feather=3, contrast=20, shift=-30, decontaminate=60)}
#: the views timed: the default overlays (mask tint, conflict map, markers) and the composite over a checkerboard
VIEWS = {"mask": {ov.Overlay.MASK: True, ov.Overlay.CONFLICT: True},
         "composite": {ov.Overlay.COMPOSITE: True}}
HEADER = (f"{'MP':>5} {'preview':>10} {'change':>14} " + " ".join(f"{v + ' ms':>13}" for v in VIEWS)
          + " " + " ".join(f"{v + ' cpu ms':>17}" for v in VIEWS))


def measure(megapixels: float, repeats: int = 5, side: int = PREVIEW_SIDE) -> dict:
    """Median wall and CPU milliseconds of one change of each control, in each view, at the preview size."""
    import cv2

    image, alpha = speed_image(megapixels)
    h, w = alpha.shape
    size = preview_size(h, w, side) or (w, h)
    result = RoundResult(prob=(alpha >= 0.5).astype(np.float32), alpha=alpha.astype(np.float32),
                         conflict=np.zeros((h, w), np.uint8), trimap=np.zeros((h, w), np.uint8))
    prompts = (Box(0, 0, w - 1, h - 1),)

    def change(settings: EdgeSettings, visible: dict) -> None:
        src = [AlphaSource("object", result, prompts, settings)]
        req = OverlayRequest(small, lambda: edged_alphas(src, size), {"object": (60, 140, 230)}, result.trimap,
                             result.conflict, visible, None, {"object": settings.decontaminate}, (h, w))
        render(req)

    t0 = time.perf_counter()
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    change(EdgeSettings(), VIEWS["mask"])  # the first preview: reduces the photo, the alpha and the support map
    row = {"megapixels": megapixels, "width": w, "height": h, "preview": list(size),
           "first_ms": 1000 * (time.perf_counter() - t0), "changes": {}}
    for name, settings in CHANGES.items():
        row["changes"][name] = {}
        for view, visible in VIEWS.items():
            wall, cpu = [], []
            for _ in range(repeats):
                t, c = time.perf_counter(), time.process_time()
                change(settings, visible)
                wall.append(1000 * (time.perf_counter() - t))
                cpu.append(1000 * (time.process_time() - c))
            row["changes"][name][view] = {"wall_ms": statistics.median(wall), "cpu_ms": statistics.median(cpu)}
    return row


def format_row(r: dict) -> str:
    lines = [f"{r['megapixels']:>5g} {r['width']:>5}x{r['height']:<4} first preview (reductions made once per round): "
             f"{r['first_ms']:.0f} ms"]
    for name, views in r["changes"].items():
        lines.append(f"{r['megapixels']:>5g} {r['preview'][0]:>5}x{r['preview'][1]:<4} {name:>14} "
                     + " ".join(f"{views[v]['wall_ms']:>13.0f}" for v in VIEWS) + " "
                     + " ".join(f"{views[v]['cpu_ms']:>17.0f}" for v in VIEWS))
    return "\n".join(lines)


def run_edge(sizes: list[float], json_path: Path | None = None, on_row=None) -> list[dict]:
    rows = []
    for mp in sizes:
        row = measure(mp)
        rows.append(row)
        if on_row is not None:
            on_row(row)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps({"preview_side": PREVIEW_SIDE, "rows": rows}, indent=1), encoding="utf-8")
    return rows
