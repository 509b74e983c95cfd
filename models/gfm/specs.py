"""Weights files of GFM: the project's own trained GFM (added with its sha256 when it ships in ``weights/``)."""

from __future__ import annotations

from ..registry import WeightSpec

#: preset -> the project's trained GFM weights (filled when trained weights ship in weights/)
OWN: dict[str, WeightSpec] = {}
ALL = tuple(OWN.values())
