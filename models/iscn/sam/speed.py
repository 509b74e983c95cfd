"""Times the SAM presets on this machine: the image encode (once per photo) and one round's decode (every round) for
SAM ViT-B and MobileSAM with torch, and for an ONNX pair (the ViT-B encoder exported with ``torch.onnx.export``, the
decoder with segment-anything's ``SamOnnxModel``, fp32 and dynamically quantised to 8-bit weights), at 1 MP; peak
memory per variant (each runs in its own process; Linux counts the parent's size at the start, so the parent stays
small).

``python -m mattestudio.models.iscn.sam.speed [--variants vit_b,vit_t,onnx,onnx_q8] [--repeats 20] [--json F]``

Random weights of the real shapes (seed 0): the numbers measure cost, not quality. A round is a box, three clicks and
a negative scribble with the previous round's logits as ``mask_input`` and a conflict map (CRM on), as in a session's
later rounds; ``round_ms`` is the whole segmenter call (mapping, decode, upscaling to the photo), ``decode_ms`` the
decoder alone (medians, and the fastest of the repeats: on a shared machine the closest to its unloaded speed);
``*_cpu_*`` the CPU time of all the process's threads (on a loaded machine the steadier figure: an idle machine's
wall time lies between it divided by the threads and it)."""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

VARIANTS = ("vit_b", "vit_t", "onnx", "onnx_q8")
SIZE = (864, 1152)  # H x W, 1.0 MP


def _image() -> np.ndarray:
    rng = np.random.default_rng(0)
    h, w = SIZE
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([xx * 0.2, yy * 0.25, 128 + 0 * xx], -1) + rng.normal(0, 12, (h, w, 3))
    img[np.hypot(yy - h / 2, xx - w / 2) < 0.3 * h] = (220, 60, 50)
    return np.clip(img, 0, 255).astype(np.uint8)


def _torch_segmenter(variant: str):
    from .engine import TorchEngine
    from .model import SamModel
    from .segmenter import SamSegmenter, zero_conflict_embedding

    torch.manual_seed(0)  # the weights the ONNX pair was exported from, for vit_b
    return SamSegmenter(TorchEngine(SamModel(variant).eval(), torch.device("cpu"), f"speed:{variant}", variant),
                        zero_conflict_embedding())


def export_pair(folder: Path) -> dict:
    """The ONNX pair of the random-init vit_b (seed 0): one encoder, an fp32 and an 8-bit decoder."""
    from .model import SamModel
    from .onnx_export import export_decoder, export_encoder

    torch.manual_seed(0)
    model = SamModel("vit_b").eval()
    t0 = time.perf_counter()
    export_encoder(model, folder / "speed.encoder.onnx")
    export_decoder(model, folder / "speed.onnx.decoder.onnx")
    export_decoder(model, folder / "speed.onnx_q8.decoder.onnx", quantize=True)
    return {"export_s": round(time.perf_counter() - t0, 1)}


def _onnx_segmenter(variant: str, folder: Path):
    from .onnx_engine import OnnxEngine
    from .segmenter import SamSegmenter, zero_conflict_embedding

    enc, dec = folder / "speed.encoder.onnx", folder / f"speed.{variant}.decoder.onnx"
    extra = {"encoder_mb": round(enc.stat().st_size / 2 ** 20), "decoder_mb": round(dec.stat().st_size / 2 ** 20, 1)}
    return SamSegmenter(OnnxEngine(enc, dec, torch.device("cpu")), zero_conflict_embedding()), extra


def _requests(image: np.ndarray):
    from mattestudio.models.protocol import PromptSet, SegmentRequest, Stroke

    h, w = image.shape[:2]
    box = (0.2 * w, 0.15 * h, 0.8 * w, 0.85 * h)
    first = PromptSet(boxes=(box,))
    later = PromptSet(clicks=np.array([[0.5 * w, 0.5 * h], [0.35 * w, 0.6 * h], [0.1 * w, 0.1 * h]], np.float32),
                      click_labels=np.array([True, True, False]), boxes=(box,),
                      strokes=(Stroke(np.array([[0.7 * w, 0.2 * h], [0.78 * w, 0.4 * h]], np.float32), 4.0, False),))
    conflict = np.zeros((h, w), np.uint8)
    conflict[int(0.55 * h):int(0.65 * h), int(0.3 * w):int(0.4 * w)] = 1
    conflict[int(0.2 * h):int(0.4 * h), int(0.69 * w):int(0.79 * w)] = 2
    return (SegmentRequest(image, first, first, None, None, np.zeros((h, w), np.uint8), image_key="speed"),
            lambda prev: SegmentRequest(image, later, later, None, None, conflict, prev_prob=prev.prob,
                                        prev_logits=prev.logits, image_key="speed"))


def _timed_rounds(seg, image: np.ndarray, repeats: int) -> tuple[dict, object, object]:
    from ...protocol import never_cancel, no_progress
    from .frame import SamFrame
    from .prompts import sam_prompt
    from .segmenter import _CACHE

    frame = SamFrame(*image.shape[:2])
    t0, c0 = time.perf_counter(), time.process_time()
    x = frame.tensor(image)
    emb = seg.engine.encode(x, no_progress, never_cancel)
    encode_s, encode_cpu = time.perf_counter() - t0, time.process_time() - c0
    _CACHE[(seg.engine.fingerprint, "speed")] = emb
    first_req, later_req = _requests(image)
    req = later_req(seg.segment(first_req, no_progress, never_cancel))
    prompt = sam_prompt(req.prompts, frame, req.conflict)
    mask_input = seg.mask_input(req, frame)
    rounds, decodes, cpu = [], [], 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        res = seg.segment(req, no_progress, never_cancel)
        rounds.append(time.perf_counter() - t)
        t, c = time.perf_counter(), time.process_time()
        seg.decode(emb, frame, prompt, mask_input)
        decodes.append(time.perf_counter() - t)
        cpu += time.process_time() - c
    row = {"image": f"{image.shape[1]}x{image.shape[0]}", "encode_s": round(encode_s, 2),
           "encode_cpu_s": round(encode_cpu, 2), "round_ms": round(1000 * float(np.median(rounds)), 1),
           "round_min_ms": round(1000 * min(rounds), 1), "decode_ms": round(1000 * float(np.median(decodes)), 1),
           "decode_min_ms": round(1000 * min(decodes), 1), "decode_cpu_ms": round(1000 * cpu / repeats, 1),
           "points": len(prompt.coords), "threads": torch.get_num_threads()}
    return row, req, res


def _peak_rss_gb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20, 2)


def measure(variant: str, repeats: int, pair: Path | None = None) -> dict:
    from ...protocol import never_cancel, no_progress

    image = _image()
    if variant in ("vit_b", "vit_t"):
        row, _, _ = _timed_rounds(_torch_segmenter(variant), image, repeats)
        return {"variant": variant, **row, "peak_rss_gb": _peak_rss_gb()}
    seg, extra = _onnx_segmenter(variant, pair)
    row, req, res = _timed_rounds(seg, image, repeats)
    out = {"variant": variant, **row, **extra, "peak_rss_gb": _peak_rss_gb()}  # before the torch reference below
    ref = _torch_segmenter("vit_b")  # the same weights through torch: how close the pair's round is
    from .frame import SamFrame

    ref_emb = ref.engine.encode(SamFrame(*image.shape[:2]).tensor(image), no_progress, never_cancel)
    out["embedding_max_abs_diff"] = float(np.abs(ref_emb.numpy() - seg.embedding(image, "speed", no_progress,
                                                                                 never_cancel)).max())
    from .segmenter import _CACHE

    _CACHE[(ref.engine.fingerprint, "speed")] = ref_emb
    mask = ref.segment(req, no_progress, never_cancel).mask
    out["mask_iou_vs_torch"] = round(float((mask & res.mask).sum() / max((mask | res.mask).sum(), 1)), 4)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m mattestudio.models.iscn.sam.speed", description=__doc__.splitlines()[0])
    p.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of {', '.join(VARIANTS)}")
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--json", help="also write the rows to this JSON file")
    p.add_argument("--one", help=argparse.SUPPRESS)  # run one variant in this process (the parent spawns it)
    p.add_argument("--pair", help=argparse.SUPPRESS)  # the folder of the exported ONNX pair
    p.add_argument("--export", help=argparse.SUPPRESS)  # export the pair into this folder (in a process of its own)
    p.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's choice)")
    args = p.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if args.export:
        print(json.dumps(export_pair(Path(args.export))), flush=True)
        return 0
    if args.one:
        print(json.dumps(measure(args.one, args.repeats, Path(args.pair) if args.pair else None)), flush=True)
        return 0
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown or args.repeats < 1:
        p.error(f"unknown variant {unknown[0]}" if unknown else "--repeats must be at least 1")
    rows = []
    base = [sys.executable, "-m", __spec__.name, "--threads", str(args.threads)]
    with tempfile.TemporaryDirectory(prefix="mattestudio-sam-speed-") as tmp:
        exported = {}
        if any(v.startswith("onnx") for v in variants):  # in a process of its own: a child's peak memory counts
            done = subprocess.run(base + ["--export", tmp], capture_output=True, text=True, check=True)  # its parent's
            exported = json.loads(done.stdout.strip().splitlines()[-1])
        for v in variants:
            cmd = base + ["--one", v, "--repeats", str(args.repeats), "--pair", tmp]
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                err = done.stderr.strip().splitlines()
                print(f"{v}: failed: {err[-1] if err else done.returncode}")
                continue
            row = json.loads(done.stdout.strip().splitlines()[-1])
            if v.startswith("onnx"):
                row.update(exported)
            rows.append(row)
            print(json.dumps(row), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
