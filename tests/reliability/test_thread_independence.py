"""Results do not depend on thread counts: a synthetic-stream batch, a bench round and a CLI run give the same arrays
bit for bit under 1 and 2 threads of OpenCV, OpenMP / BLAS, numba and torch."""

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

PROBE = Path(__file__).with_name("thread_probe.py")


def _make_inputs(work: Path) -> None:
    rng = np.random.default_rng(3)
    (work / "backgrounds").mkdir()
    for i in range(2):
        yy, xx = np.mgrid[0:90, 0:120]
        img = np.stack([xx * 2, yy * 2, 128 + 0 * xx], -1) + rng.normal(0, 12, (90, 120, 3))
        cv2.imwrite(str(work / "backgrounds" / f"bg{i}.jpg"), np.clip(img, 0, 255).astype(np.uint8))
    # a textured photo with a soft-edged two-coloured blob, and its alpha
    yy, xx = np.mgrid[0:180, 0:240]
    alpha = np.clip((60.0 - np.hypot(xx - 120, (yy - 90) * 1.3)) / 6.0, 0, 1)
    fg = np.where((xx < 120)[..., None], [200, 60, 40], [230, 200, 60])
    bg = 90 + 60 * np.sin(xx / 7.0)[..., None] * np.cos(yy / 5.0)[..., None] + rng.normal(0, 8, (180, 240, 3))
    img = alpha[..., None] * fg + (1 - alpha[..., None]) * bg
    cv2.imwrite(str(work / "photo.png"), np.clip(img, 0, 255).astype(np.uint8)[..., ::-1])
    cv2.imwrite(str(work / "alpha.png"), np.round(alpha * 255).astype(np.uint8))


def _run(threads: int, work: Path) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads),
           "MKL_NUM_THREADS": str(threads), "NUMBA_NUM_THREADS": str(threads)}
    proc = subprocess.run([sys.executable, str(PROBE), str(threads), str(work)], capture_output=True, text=True,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_results_are_the_same_under_one_and_two_threads(tmp_path):
    _make_inputs(tmp_path)
    one, two = _run(1, tmp_path), _run(2, tmp_path)
    assert set(one) == set(two) and len(one) == 8
    assert one == two, [k for k in one if one[k] != two[k]]
