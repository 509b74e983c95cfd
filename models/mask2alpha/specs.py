"""Weights files of Mask2Alpha by preset: the project's own trained networks (the ``tiny`` preset ships in
``weights/``; the ``default`` preset has no trained file yet) and the official DINO ViT-S/16 prior."""

from __future__ import annotations

from ..registry import WeightSpec

#: preset -> the project's trained Mask2Alpha weights
OWN: dict[str, WeightSpec] = {
    "tiny": WeightSpec("mask2alpha_tiny", "mask2alpha_tiny.safetensors",
                       "64404b87b4c12b25aceb0786e1c9fda96c626b4747bb96b2b7b35246fa5bd985", "bundled",
                       "Apache-2.0 (MatteStudio; trained on synthetic composites, see weights/mask2alpha_tiny.md)", 0,
                       bundled=True, env_var="MATTESTUDIO_MASK2ALPHA_TINY"),
    "default": WeightSpec("mask2alpha", "mask2alpha.safetensors", "", "bundled", "Apache-2.0", bundled=True,
                          env_var="MATTESTUDIO_MASK2ALPHA_WEIGHTS"),
}
#: the official DINO ViT-S/16 backbone (facebookresearch/dino, Apache-2.0); never downloaded implicitly
DINO_VITS16 = WeightSpec(name="dino_vits16", filename="dino_deitsmall16_pretrain.pth", sha256="",
                         source="https://dl.fbaipublicfiles.com/dino/dino_deitsmall16_pretrain/"
                                "dino_deitsmall16_pretrain.pth",
                         licence="Apache-2.0", input_size=224, env_var="MATTESTUDIO_DINO_VITS16")
ALL = tuple(OWN.values()) + (DINO_VITS16,)
