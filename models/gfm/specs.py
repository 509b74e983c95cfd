"""Weights files of GFM: the project's own trained GFM (the ``tiny`` preset ships in ``weights/``)."""

from __future__ import annotations

from ..registry import WeightSpec

#: preset -> the project's trained GFM weights
OWN: dict[str, WeightSpec] = {
    "tiny": WeightSpec("gfm_tiny", "gfm_tiny.safetensors",
                       "bd8018af775e081a99fb226f9260009db7617010a3f654ad32c1a064477c625f", "bundled",
                       "Apache-2.0 (MatteStudio; trained on synthetic composites, see weights/gfm_tiny.md)", 0,
                       bundled=True, env_var="MATTESTUDIO_GFM_TINY"),
}
ALL = tuple(OWN.values())
