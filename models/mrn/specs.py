"""Weights files of the MRN: the project's own trained MRN (added with its sha256 when it ships in ``weights/``)."""

from __future__ import annotations

from ..registry import WeightSpec

#: preset -> the project's trained MRN weights (filled when trained weights ship in weights/)
OWN: dict[str, WeightSpec] = {
    "tiny": WeightSpec("mrn_tiny", "mrn_tiny.safetensors",
                       "190d9f69a7fa5dd32a6c69a01bb349b0be502c12143b8e4942a7f3fd24d59fb6", "bundled",
                       "Apache-2.0 (MatteStudio; trained on synthetic composites, see weights/mrn_tiny.md)", 0,
                       bundled=True, env_var="MATTESTUDIO_MRN_TINY"),
}
ALL = tuple(OWN.values())
