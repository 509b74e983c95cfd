"""Configurations of the ISCN and of its parts (tiny for tests and CPU, official backbones for SAM / CLIP)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

EncoderKind = Literal["cnn", "sam_vit", "mobile_sam"]


@dataclass(frozen=True)
class CNNEncoderConfig:
    widths: tuple[int, ...] = (16, 32, 48, 64)  # stride 2, 4, 8, 16
    blocks: tuple[int, ...] = (1, 1, 1, 1)


@dataclass(frozen=True)
class SamViTConfig:
    """segment-anything's ``ImageEncoderViT`` hyper-parameters (``sam_vit_b``: 768/12/12, global at 2,5,8,11)."""

    img_size: int = 1024
    patch_size: int = 16
    embed_dim: int = 768
    depth: int = 12
    num_heads: int = 12
    mlp_ratio: float = 4.0
    out_chans: int = 256
    window_size: int = 14
    global_attn_indexes: tuple[int, ...] = (2, 5, 8, 11)
    use_rel_pos: bool = True


SAM_VIT = {
    "vit_b": SamViTConfig(),
    "vit_l": SamViTConfig(embed_dim=1024, depth=24, num_heads=16, global_attn_indexes=(5, 11, 17, 23)),
    "vit_h": SamViTConfig(embed_dim=1280, depth=32, num_heads=16, global_attn_indexes=(7, 15, 23, 31)),
    # same key structure, tiny sizes: for tests of the checkpoint mapping
    "vit_tiny": SamViTConfig(img_size=64, embed_dim=32, depth=2, num_heads=2, out_chans=32, window_size=2,
                             global_attn_indexes=(1,)),
}


@dataclass(frozen=True)
class TextConfig:
    """open_clip's text tower (``ViT-B-32``: context 77, vocab 49408, width 512, 8 heads, 12 layers, embed 512)."""

    context_length: int = 77
    vocab_size: int = 49408
    width: int = 512
    heads: int = 8
    layers: int = 12
    embed_dim: int = 512
    quick_gelu: bool = True  # OpenAI's CLIP weights were trained with QuickGELU


CLIP_VIT_B_32 = TextConfig()
TINY_TEXT = TextConfig(context_length=24, vocab_size=4096, width=64, heads=4, layers=2, embed_dim=64,
                       quick_gelu=False)


@dataclass(frozen=True)
class ISCNConfig:
    encoder: EncoderKind = "cnn"
    input_size: int = 512  # the long side is resized to this and the image padded to a square
    cnn: CNNEncoderConfig = field(default_factory=CNNEncoderConfig)
    sam_variant: str = "vit_b"
    dim: int = 64  # decoder width
    heads: int = 4
    layers: int = 3
    object_queries: int = 4
    points_per_stroke: int = 8  # visual sampler: points sampled along each scribble
    box_interior: int = 3  # visual sampler: an n x n grid of interior points per box
    box_border: int = 2  # visual sampler: points per box side (between the corners)
    max_prompt_tokens: int = 64
    text: TextConfig = TINY_TEXT
    mask_stride: int = 4  # per-pixel embeddings at input_size / mask_stride
    crm: bool = True

    def with_options(self, **options) -> "ISCNConfig":
        return replace(self, **options)


TINY = ISCNConfig()
SAM_B = ISCNConfig(encoder="sam_vit", input_size=1024, sam_variant="vit_b", dim=256, heads=8, layers=6,
                   object_queries=8, text=CLIP_VIT_B_32)
MOBILE_SAM = ISCNConfig(encoder="mobile_sam", input_size=1024, dim=256, heads=8, layers=6, object_queries=8,
                        text=CLIP_VIT_B_32)
PRESETS = {"tiny": TINY, "sam_b": SAM_B, "sam_l": replace(SAM_B, sam_variant="vit_l"),
           "sam_h": replace(SAM_B, sam_variant="vit_h"), "mobile_sam": MOBILE_SAM}
