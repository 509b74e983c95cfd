"""Registers the MRN as the ``mrn`` refiner. Options: ``preset`` (tiny), ``work_size``, ``tile``."""

from __future__ import annotations

import torch

from ..nn.checkpoint import load_spec_into
from ..nn.runtime import resolve_device
from ..protocol import BackendError, CancelFn, ProgressFn, RefineRequest, RefineResult
from ..registry import register
from . import specs
from .config import PRESETS
from .network import MRN
from .predictor import MRNPredictor

NO_WEIGHTS = ("no trained MRN weights are installed: the refiner runs with random weights and its alpha is "
              "meaningless (see 'mattestudio models')")


def build(preset: str = "tiny", device: str = "cpu", seed: int = 0, **overrides) -> MRNPredictor:
    if preset not in PRESETS:
        raise BackendError(f"unknown MRN preset '{preset}' (known: {', '.join(PRESETS)})")
    torch.manual_seed(seed)
    net = MRN(PRESETS[preset].with_options(**overrides))
    own = specs.OWN.get(preset)
    loaded = own is not None and load_spec_into(net, own) is not None
    return MRNPredictor(net, resolve_device(device), () if loaded else (NO_WEIGHTS,))


class MRNRefiner:
    name = "mrn"
    uses_trimap = False  # the alpha comes from the image and the coarse map alone

    def __init__(self, predictor: MRNPredictor):
        self.predictor = predictor

    @property
    def on_accelerator(self) -> bool:
        """True when the device pipeline runs on a GPU: the session then computes the trimap beside the alpha."""
        return self.predictor.device_pass is not None and self.predictor.device.type != "cpu"

    def refine(self, request: RefineRequest, progress: ProgressFn, cancel: CancelFn) -> RefineResult:
        return self.predictor.refine(request, progress, cancel)


@register("mrn", ("refiner",),
          "DFIMat MRN: local CNN + global transformer, progressive fusion, PRM at strides 4 and 1; full resolution "
          "by a coarse pass and tiles over the uncertain band",
          needs_torch=True, devices=("cpu", "cuda"), weights=specs.ALL)
def make_mrn(role: str, device: str = "cpu", **options):  # noqa: ARG001 - one role
    return MRNRefiner(build(device=device, **options))
