"""Registers the classic engine (segmenter and refiner roles)."""

from __future__ import annotations

from ..registry import register
from .refine import ClassicRefiner
from .segment import ClassicSegmenter


@register("classic", ("segmenter", "refiner"),
          "weight-free: graph cut with colour and geodesic seed terms; closed-form matting in an adaptive band")
def make_classic(role: str, device: str = "cpu", **options):  # noqa: ARG001 - CPU only, any device accepted
    return ClassicSegmenter(**options) if role == "segmenter" else ClassicRefiner(**options)
