"""Registers the Mask2Alpha refiner."""

from __future__ import annotations

from ..registry import register
from .refiner import DINO_VITS16, MASK2ALPHA_WEIGHTS


@register("mask2alpha", ("refiner",),
          "mask-guided iterative decoding (1/8 -> 1/4 -> full) with sparse full-resolution detail recovery",
          needs_torch=True, devices=("cpu", "cuda"), weights=(MASK2ALPHA_WEIGHTS, DINO_VITS16))
def make_mask2alpha(role: str, device: str = "cpu", **options):  # noqa: ARG001 - refiner only
    from .refiner import Mask2AlphaRefiner

    return Mask2AlphaRefiner(device=device, **options)
