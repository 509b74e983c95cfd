"""Registers GFM as the ``gfm`` segmenter ("Auto", prompt-free) and refiner. The two roles created for the same
device and preset share one predictor, so an image is run through the network once."""

from __future__ import annotations

import torch

from ..nn.checkpoint import load_spec_into
from ..nn.runtime import keep_one, resolve_device
from ..protocol import (BackendError, CancelFn, ProgressFn, RefineRequest, RefineResult, SegmentRequest,
                        SegmentResult)
from ..registry import register
from . import specs
from .config import PRESETS
from .network import GFM
from .predictor import GFMPredictor

NO_WEIGHTS = ("no trained GFM weights are installed: GFM runs with random weights and its matte is meaningless "
              "(see 'mattestudio models')")
_SHARED: dict[tuple, GFMPredictor] = {}


def build(preset: str = "tiny", device: str = "cpu", seed: int = 0) -> GFMPredictor:
    if preset not in PRESETS:
        raise BackendError(f"unknown GFM preset '{preset}' (known: {', '.join(PRESETS)})")
    dev = resolve_device(device)

    def make() -> GFMPredictor:
        torch.manual_seed(seed)
        net = GFM(PRESETS[preset])
        own = specs.OWN.get(preset)
        loaded = own is not None and load_spec_into(net, own) is not None
        return GFMPredictor(net, dev, () if loaded else (NO_WEIGHTS,))

    return keep_one(_SHARED, (preset, str(dev), seed), make)


class GFMBackend:
    name = "gfm"
    accepts_text = False

    def __init__(self, predictor: GFMPredictor):
        self.predictor = predictor

    def segment(self, request: SegmentRequest, progress: ProgressFn, cancel: CancelFn) -> SegmentResult:
        return self.predictor.segment(request, progress, cancel)

    def refine(self, request: RefineRequest, progress: ProgressFn, cancel: CancelFn) -> RefineResult:
        return self.predictor.refine(request, progress, cancel)


@register("gfm", ("segmenter", "refiner"),
          "GFM glance-and-focus matting: prompt-free salient subject (Auto); as a refiner, GFM's alpha in the "
          "trimap's unknown band",
          needs_torch=True, devices=("cpu", "cuda"), weights=specs.ALL)
def make_gfm(role: str, device: str = "cpu", **options):  # noqa: ARG001 - both roles share the predictor
    return GFMBackend(build(device=device, **options))
