"""Times the MRN's refine call at a given size: from a uint8 photo and a coarse map in host memory to the alpha there.

``python -m mattestudio.models.mrn.speed [--device cuda] [--mp 4] [--pipeline auto|host|device] [--precision fp16]``
prints one JSON line: the median of ``--repeats`` calls after warm-up calls (device synchronised), the tiles refined,
and how far this configuration's alpha lies from the fp32 host pipeline's on the same device (mean and largest
absolute difference). The shipped weights when installed; the photo is a synthetic textured disc with a wavy edge."""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
import torch

from ..nn.runtime import resolve_device
from ..nn.timing import median_ms, synthetic_request
from ..protocol import never_cancel, no_progress
from .backend import NO_WEIGHTS, build

ASPECT = 0.75


def measure(device: str, megapixels: float, pipeline: str, precision: str, tile_batch: int, repeats: int) -> dict:
    dev = resolve_device(device)
    w = int(round(math.sqrt(megapixels * 1e6 / ASPECT)))
    request = synthetic_request((int(round(w * ASPECT)), w), band=max(2, w // 100))
    predictor = build(device=dev.type, pipeline=pipeline, precision=precision, tile_batch=tile_batch)
    result = predictor.refine(request, no_progress, never_cancel)
    ms = median_ms(lambda: predictor.refine(request, no_progress, never_cancel), dev, repeats)
    reference = build(device=dev.type, pipeline="host", precision="fp32").refine(request, no_progress, never_cancel)
    diff = np.abs(result.alpha - reference.alpha)
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    return {"device": name, "megapixels": megapixels, "width": w, "height": request.prob.shape[0],
            "pipeline": result.info["pipeline"], "precision": precision if dev.type == "cuda" else "fp32",
            "tile_batch": tile_batch, "tiles": result.info.get("tiles", 0), "refine_ms": round(ms, 2),
            "vs_fp32_host_mean": float(diff.mean()), "vs_fp32_host_max": float(diff.max()), "repeats": repeats,
            "trained_weights": NO_WEIGHTS not in result.info["warnings"]}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m mattestudio.models.mrn.speed", description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"))
    p.add_argument("--mp", type=float, default=4.0, help="megapixels of the 4:3 test photo (default 4)")
    p.add_argument("--pipeline", default="auto", choices=("auto", "host", "device"))
    p.add_argument("--precision", default="fp16", choices=("fp16", "fp32"), help="on an accelerator")
    p.add_argument("--tile-batch", type=int, default=16)
    p.add_argument("--repeats", type=int, default=10)
    args = p.parse_args(argv)
    if args.repeats < 1 or args.tile_batch < 1 or not 0.01 <= args.mp <= 40:
        p.error("--repeats and --tile-batch must be at least 1, --mp between 0.01 and 40")
    print(json.dumps(measure(args.device, args.mp, args.pipeline, args.precision, args.tile_batch, args.repeats)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
