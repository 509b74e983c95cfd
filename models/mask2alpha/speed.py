"""Prints the CPU time and peak memory of the Mask2Alpha refiner on a synthetic 12 MP image, sparse vs dense.

``python -m mattestudio.models.mask2alpha.speed`` runs each detail back-end in its own process (so that peak RSS is
per back-end) and prints one line per back-end plus the dense / sparse time ratio of the detail stage. Random-init
weights: the numbers measure cost, not quality."""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings

import numpy as np

from ..nn.timing import synthetic_request

MODULE = "mattestudio.models.mask2alpha.speed"


def measure(backend: str, threads: int) -> dict:
    import torch

    from ..protocol import never_cancel
    from .refiner import Mask2AlphaRefiner

    torch.set_num_threads(threads)
    torch.manual_seed(0)  # the same random-init weights in every process, so the back-ends' alphas are comparable
    request = synthetic_request()
    refiner = Mask2AlphaRefiner(preset="default", backend=backend)  # the paper-sized network, random weights
    marks: dict[str, float] = {}

    def progress(fraction: float, message: str) -> None:
        marks[message] = time.perf_counter()

    t0 = time.perf_counter()
    result = refiner.refine(request, progress, never_cancel)
    total = time.perf_counter() - t0
    detail = marks["done"] - marks["detail recovery"]
    return {"backend": backend, "megapixels": request.image.shape[0] * request.image.shape[1] / 1e6,
            "unknown_px": int((request.trimap == 128).sum()), "sparse_sites": result.info["sparse_sites"],
            "total_s": round(total, 2), "detail_stage_s": round(detail, 2),
            "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
            "alpha_checksum": float(result.alpha.astype(np.float64).sum())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("spconv", "dense"), help="measure one back-end in this process")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    if args.backend:
        print(json.dumps(measure(args.backend, args.threads)))
        return 0
    from .sparse import spconv_available

    rows = {}
    for backend in (("spconv", "dense") if spconv_available() else ("dense",)):
        cmd = [sys.executable, "-m", MODULE, "--backend", backend, "--threads", str(args.threads)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        rows[backend] = json.loads(out)
        print(out)
    if len(rows) == 2:
        r = rows["dense"]["detail_stage_s"] / max(rows["spconv"]["detail_stage_s"], 1e-9)
        print(f"detail stage dense / sparse time ratio: {r:.2f}; total ratio: "
              f"{rows['dense']['total_s'] / rows['spconv']['total_s']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
