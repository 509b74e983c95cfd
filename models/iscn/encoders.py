"""Pluggable image encoders of the ISCN: a small trainable CNN, SAM's ViT (own code, official key names) and
MobileSAM's TinyViT (from the optional ``mobilesam-mirror`` package). Each maps an RGB batch normalised with SAM's
pixel statistics to a dict of feature maps by stride: ``{16: ...}`` always, ``{4: ..., 8: ...}`` when available."""

from __future__ import annotations

import torch
from torch import nn

from ..nn.layers import ResidualBlock, conv_bn_act
from .config import SAM_VIT, CNNEncoderConfig, ISCNConfig
from .sam_vit import SamViTEncoder

PIXEL_MEAN = (123.675, 116.28, 103.53)
PIXEL_STD = (58.395, 57.12, 57.375)


class CNNEncoder(nn.Module):
    """Four stride-2 stages of residual blocks (strides 2, 4, 8, 16): small enough to train and to run on a CPU."""

    def __init__(self, cfg: CNNEncoderConfig):
        super().__init__()
        stages, c_in = [], 3
        for width, n in zip(cfg.widths, cfg.blocks):
            layers = [ResidualBlock(c_in, width, stride=2)] + [ResidualBlock(width, width) for _ in range(n - 1)]
            stages.append(nn.Sequential(*layers))
            c_in = width
        self.stages = nn.ModuleList(stages)
        self.out_channels = cfg.widths[-1]
        self.skip_channels = {4: cfg.widths[1], 8: cfg.widths[2]}

    def forward(self, x: torch.Tensor) -> dict[int, torch.Tensor]:
        out = {}
        for i, stage in enumerate(self.stages):
            x = stage(x)
            out[2 ** (i + 1)] = x
        return {4: out[4], 8: out[8], 16: out[16]}


class MobileSamEncoder(nn.Module):
    """MobileSAM's TinyViT image encoder (``vit_t``); needs the optional ``mobilesam-mirror`` and ``timm``."""

    def __init__(self):
        super().__init__()
        from ..torchvision_compat import ensure_torchvision

        ensure_torchvision()
        try:
            from mobile_sam.modeling import TinyViT
        except ImportError as exc:
            from ..protocol import BackendError

            raise BackendError("the MobileSAM encoder needs the optional packages 'mobilesam-mirror' and 'timm' "
                               f"(pip install mobilesam-mirror timm -c constraints.txt): {exc}") from None
        self.net = TinyViT(img_size=1024, in_chans=3, num_classes=1000, embed_dims=[64, 128, 160, 320],
                           depths=[2, 2, 6, 2], num_heads=[2, 4, 5, 10], window_sizes=[7, 7, 14, 7], mlp_ratio=4.0,
                           drop_rate=0.0, drop_path_rate=0.0, use_checkpoint=False, mbconv_expand_ratio=4.0,
                           local_conv_size=3, layer_lr_decay=0.8)
        self.out_channels = 256
        self.skip_channels: dict[int, int] = {}

    def forward(self, x: torch.Tensor) -> dict[int, torch.Tensor]:
        return {16: self.net(x)}


class SamEncoder(nn.Module):
    def __init__(self, variant: str):
        super().__init__()
        self.net = SamViTEncoder(SAM_VIT[variant])
        self.out_channels = self.net.out_channels
        self.skip_channels: dict[int, int] = {}

    def forward(self, x: torch.Tensor) -> dict[int, torch.Tensor]:
        return {16: self.net(x)}


def build_encoder(cfg: ISCNConfig) -> nn.Module:
    if cfg.encoder == "cnn":
        return CNNEncoder(cfg.cnn)
    if cfg.encoder == "sam_vit":
        return SamEncoder(cfg.sam_variant)
    if cfg.encoder == "mobile_sam":
        return MobileSamEncoder()
    raise ValueError(f"unknown image encoder '{cfg.encoder}'")


class PixelDecoder(nn.Module):
    """Stride-16 features (+ optional stride-8/4 skips) -> per-pixel embeddings at stride 4 (FPN-style)."""

    def __init__(self, c16: int, skips: dict[int, int], dim: int):
        super().__init__()
        self.lateral = nn.ModuleDict({str(s): nn.Conv2d(c, dim, 1) for s, c in skips.items()})
        self.up8 = nn.Sequential(nn.ConvTranspose2d(c16, dim, 2, 2), nn.GroupNorm(1, dim), nn.GELU())
        self.up4 = nn.Sequential(nn.ConvTranspose2d(dim, dim, 2, 2), nn.GroupNorm(1, dim), nn.GELU())
        self.out = conv_bn_act(dim, dim)
        self.proj = nn.Conv2d(dim, dim, 1)

    def forward(self, feats: dict[int, torch.Tensor]) -> torch.Tensor:
        x = self.up8(feats[16])
        if "8" in self.lateral:
            x = x + self.lateral["8"](feats[8])
        x = self.up4(x)
        if "4" in self.lateral:
            x = x + self.lateral["4"](feats[4])
        return self.proj(self.out(x))
