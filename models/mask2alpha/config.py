"""Configurations of the Mask2Alpha network: ``default`` (the paper-sized network) and ``tiny`` (the preset the
project trains on a CPU and ships, also used by the tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PriorKind = Literal["small", "dino"]


@dataclass(frozen=True)
class DinoViTConfig:
    """DINO ViT hyper-parameters; ``vit_small`` is the official ViT-S/16 (``dino_deitsmall16_pretrain.pth``)."""

    patch_size: int = 16
    embed_dim: int = 384
    depth: int = 12
    num_heads: int = 6
    mlp_ratio: float = 4.0
    pretrain_size: int = 224  # the pos_embed grid is pretrain_size / patch_size squared (+1 class token)
    input_side: int = 448  # the prior sees the image resized to this longer side


DINO_VIT = {
    "vit_small": DinoViTConfig(),
    "vit_tiny": DinoViTConfig(embed_dim=48, depth=2, num_heads=2, pretrain_size=64, input_side=64),
}


@dataclass(frozen=True)
class SmallPriorConfig:
    widths: tuple[int, ...] = (16, 32, 48, 64)  # stride 2, 4, 8, 16
    input_side: int = 448


@dataclass(frozen=True)
class SparseConfig:
    width: int = 16
    dilations: tuple[int, ...] = (1, 2, 4, 1)  # one 3x3 submanifold conv per entry after the input conv
    site_dilation: int = 2  # uncertain pixels are dilated by this many pixels to give context sites
    tile: int = 256  # tile side of the dense fallback (256 measured faster than 128 and 512 at 12 MP)


@dataclass(frozen=True)
class Mask2AlphaConfig:
    widths: tuple[int, int, int] = (16, 32, 64)  # encoder widths at 1/2, 1/4, 1/8 of the working image
    attn_blocks: int = 2
    attn_heads: int = 4
    window: int = 8  # region-aware attention window (tokens per side) on the 1/8 grid
    decoder_width: int = 32  # stage-2 (1/4) feature width, also sampled at every sparse site
    max_side: int = 1024  # the dense stages work on the image resized to at most this longer side
    commit_confidence: tuple[float, float] = (0.9, 0.9)  # stage 1 (1/8) and stage 2 (1/4) commit thresholds
    solid_margin: float = 0.02  # a committed pixel with alpha within this of 0 / 1 becomes bg / fg, else detail
    prior: PriorKind = "small"
    prior_width: int = 64  # prior features are projected to this width, then to the 1/8 encoder width
    small_prior: SmallPriorConfig = field(default_factory=SmallPriorConfig)
    dino: DinoViTConfig = field(default_factory=DinoViTConfig)
    sparse: SparseConfig = field(default_factory=SparseConfig)


def tiny_config(prior: PriorKind = "small", **overrides) -> Mask2AlphaConfig:
    """A few-thousand-parameter configuration (the shipped CPU-trained preset, and the tests')."""
    base = dict(widths=(8, 8, 16), attn_blocks=1, attn_heads=2, window=4, decoder_width=8, max_side=128,
                commit_confidence=(0.5, 0.5), prior=prior, prior_width=16,
                small_prior=SmallPriorConfig(widths=(8, 8, 16, 16), input_side=64), dino=DINO_VIT["vit_tiny"],
                sparse=SparseConfig(width=8, dilations=(1, 2), site_dilation=2, tile=48))
    base.update(overrides)
    return Mask2AlphaConfig(**base)


#: preset -> configuration factory (keyword overrides)
PRESETS = {"tiny": tiny_config, "default": Mask2AlphaConfig}


def preset_config(preset: str, **overrides) -> Mask2AlphaConfig:
    """The configuration of ``preset`` (a key of :data:`PRESETS`) with ``overrides``."""
    if preset not in PRESETS:
        raise ValueError(f"unknown Mask2Alpha preset '{preset}' (known: {', '.join(PRESETS)})")
    return PRESETS[preset](**overrides)
