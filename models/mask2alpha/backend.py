"""Registers the Mask2Alpha refiner. Options: ``preset`` (tiny: the shipped weights; default: the paper-sized
network, trained weights not shipped), ``backend`` (spconv / dense / auto), ``prior``, ``weights``."""

from __future__ import annotations

from ..registry import register
from . import specs


@register("mask2alpha", ("refiner",),
          "mask-guided iterative decoding (1/8 -> 1/4 -> full) with sparse full-resolution detail recovery; options "
          "preset=tiny|default, backend=spconv|dense|auto",
          needs_torch=True, devices=("cpu", "cuda"), weights=specs.ALL)
def make_mask2alpha(role: str, device: str = "cpu", **options):  # noqa: ARG001 - refiner only
    from .refiner import Mask2AlphaRefiner

    return Mask2AlphaRefiner(device=device, **options)
