"""Run in a subprocess by ``test_thread_independence``: one synthetic-stream batch, two bench rounds and one CLI run
with the thread counts given on the command line; prints a sha256 per result array as JSON.

``OMP_NUM_THREADS`` / ``NUMBA_NUM_THREADS`` are set by the caller's environment (they must be set before import)."""

import hashlib
import json
import sys
from pathlib import Path

import cv2
import numpy as np


def _digest(a) -> str:
    a = np.ascontiguousarray(a)
    return hashlib.sha256(str((a.dtype, a.shape)).encode() + a.tobytes()).hexdigest()


def main(threads: int, work: Path) -> dict:
    cv2.setNumThreads(threads)
    import torch

    torch.set_num_threads(threads)
    from mattestudio.app.cli import main as cli
    from mattestudio.interaction.bench.data import LoadedItem
    from mattestudio.interaction.bench.methods import EngineMethod
    from mattestudio.interaction.bench.protocols import make_protocol
    from mattestudio.interaction.bench.runner import run_method
    from mattestudio.interaction.samples import sample_path, sample_prompts_path
    from mattestudio.interaction.synth.dataset import load_backgrounds
    from mattestudio.interaction.synth.stream import SceneConfig
    from mattestudio.interaction.training import SynthSource

    out = {}
    src = SynthSource(load_backgrounds(work / "backgrounds"), seed=2, scene=SceneConfig(width=(96, 112)),
                      tasks={"box": 1, "text": 1, "clicks": 1}, segmenter_coarse=0.0)
    for j, s in enumerate(src.segment_batch(0, 2)):
        for f in ("image", "target", "conflict"):
            out[f"stream/{j}/{f}"] = _digest(getattr(s, f))
    image = cv2.cvtColor(cv2.imread(str(work / "photo.png")), cv2.COLOR_BGR2RGB)
    alpha = cv2.imread(str(work / "alpha.png"), cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255.0
    item = LoadedItem("photo", image, {"object": alpha})
    method = EngineMethod()
    run_method(method, item, make_protocol("click", 2, accepts_text=False), seed=0)
    out["bench/alpha"] = _digest(method.alphas()["object"])
    png = work / f"cli-{threads}.png"
    assert cli(["matte", str(sample_path()), "--prompts", str(sample_prompts_path()), "-o", str(png)]) == 0
    out["cli/png"] = hashlib.sha256(png.read_bytes()).hexdigest()
    return out


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), Path(sys.argv[2]))))
