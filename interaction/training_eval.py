"""Held-out evaluation of the shipped learned back-ends through the session, as a user runs them:

* text-only localisation: one round with a single referring expression per held-out scene; IoU of the round's mask
  with the named instance, by expression kind;
* refiners on the same coarse masks: a segmenter's round-1 box probability (the ISCN's, the classic engine's) or a
  corrupted ground truth, refined by each refiner with the session's trimap; whole-image SAD against the true alpha.

``python -m mattestudio.interaction.training_eval --data DIR [--count N] [--refiners ...] [--coarse ...]`` prints
the numbers as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

from mattestudio.models import registry
from mattestudio.models.protocol import RefineRequest, never_cancel, no_progress

from .bench.simulator import simulated_box
from .prompts import Text
from .session import Session
from .synth.rounds import corrupt, text_for
from .synth.stream import HELD_OUT, make_scene, scene_seed
from .training import COARSE_BLUR, EVAL_SEED
from .trimap import trimap_from_prob

SEEDS_PER_SCENE = 3  # expressions tried per held-out scene (different targets / kinds)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    u = (a | b).sum()
    return float((a & b).sum() / u) if u else 1.0


def text_localisation(photos: list[np.ndarray], count: int, segmenter: str = "iscn") -> dict:
    """Mean IoU of text-only rounds on ``count`` held-out scenes, by expression kind."""
    by_kind: dict[str, list[float]] = {}
    seg = registry.create(segmenter, "segmenter", "cpu")
    ref = registry.create("classic", "refiner", "cpu")
    for i in range(count):
        scene = make_scene(scene_seed(HELD_OUT, EVAL_SEED, 10_000 + i), photos)
        session = Session(scene.image, segmenter=seg, refiner=ref)
        rng = np.random.default_rng([EVAL_SEED, i, 13])
        for k in range(min(SEEDS_PER_SCENE, len(scene.alphas))):
            idx = (int(rng.integers(len(scene.alphas))) + k) % len(scene.alphas)
            found = text_for(scene, idx, rng)
            if found is None:
                continue
            name = session.add_instance().name
            res = seg.segment(session.begin_round(name, [Text(found[0])]).request(), no_progress, never_cancel)
            by_kind.setdefault(found[1], []).append(_iou(res.prob >= 0.5, scene.masks[idx]))
    out = {k: round(float(np.mean(v)), 4) for k, v in sorted(by_kind.items())}
    out.update({f"n_{k}": len(v) for k, v in sorted(by_kind.items())})
    return out


def _sad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).sum() / 1000.0)


def refiners_on_same_coarse(photos: list[np.ndarray], count: int, refiners: tuple[str, ...] = ("mrn", "classic"),
                            segmenter: str = "iscn") -> dict:
    """Mean whole-image SAD of each refiner given the same coarse probability: the segmenter's box round, or, with
    ``segmenter="corrupted"``, the ground-truth mask grown or shrunk with parts cut off and blurred."""
    seg = None if segmenter == "corrupted" else registry.create(segmenter, "segmenter", "cpu")
    refs = {r: registry.create(r, "refiner", "cpu") for r in refiners}
    sads: dict[str, list[float]] = {r: [] for r in refiners}
    sads["coarse"] = []
    for i in range(count):
        scene = make_scene(scene_seed(HELD_OUT, EVAL_SEED, 20_000 + i), photos)
        idx = i % len(scene.alphas)
        session = Session(scene.image, segmenter=seg or "classic", refiner=refs[refiners[0]])
        if seg is None:
            rng = np.random.default_rng([EVAL_SEED, i, 17])
            prob = cv2.GaussianBlur(corrupt(rng, scene.masks[idx]).astype(np.float32), (0, 0), COARSE_BLUR)
        else:
            name = session.add_instance().name
            req = session.begin_round(name, [simulated_box(scene.masks[idx])]).request()
            prob = seg.segment(req, no_progress, never_cancel).prob
        trimap = trimap_from_prob(scene.image, prob)
        gt = scene.alphas[idx]
        sads["coarse"].append(_sad(prob, gt))
        for r, ref in refs.items():
            alpha = ref.refine(RefineRequest(scene.image, prob, trimap, session.key), no_progress, never_cancel).alpha
            sads[r].append(_sad(alpha, gt))
    return {f"sad_{k}": round(float(np.mean(v)), 3) for k, v in sads.items()} | {"n": count}


def main(argv: list[str] | None = None) -> int:
    from .synth.dataset import default_backgrounds, load_backgrounds

    p = argparse.ArgumentParser(prog="python -m mattestudio.interaction.training_eval")
    p.add_argument("--data", type=Path, default=None, help="background photos (default $MATTESTUDIO_DATA)")
    p.add_argument("--count", type=int, default=40, help="held-out scenes per measurement")
    p.add_argument("--skip-refiners", action="store_true")
    p.add_argument("--skip-text", action="store_true")
    p.add_argument("--refiners", default="mrn,mask2alpha,gfm,classic",
                   help="comma-separated refiners compared on the same coarse masks (the first runs the session)")
    p.add_argument("--coarse", default="iscn,classic,corrupted",
                   help="comma-separated sources of the coarse masks: segmenters' box rounds, or 'corrupted'")
    args = p.parse_args(argv)
    photos = load_backgrounds(args.data or default_backgrounds())
    result = {} if args.skip_text else {"text_only_iou": text_localisation(photos, args.count)}
    refiners = tuple(args.refiners.split(","))
    for source in ([] if args.skip_refiners else args.coarse.split(",")):
        key = "refiners_on_corrupted_gt" if source == "corrupted" else f"refiners_on_{source}_box_round"
        result[key] = refiners_on_same_coarse(photos, args.count, refiners, segmenter=source)
    json.dump(result, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
