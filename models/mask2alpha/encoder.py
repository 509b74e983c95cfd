"""Mask-guided image encoder: image (+) coarse mask (+) trimap planes -> features at 1/4 and 1/8, with the semantic
prior added at 1/8 and region-aware attention over the 1/8 grid."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .attention import RegionWindowAttention
from .config import Mask2AlphaConfig
from .prior import SemanticPrior
from .regions import token_regions

IN_CHANNELS = 3 + 1 + 3  # RGB, coarse probability, trimap fg / bg / unknown planes
STRIDE = 8


def _down(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, 2, 1), nn.GroupNorm(1, c_out), nn.GELU(),
                         nn.Conv2d(c_out, c_out, 3, 1, 1), nn.GroupNorm(1, c_out), nn.GELU())


@dataclass
class EncoderOutput:
    f4: torch.Tensor  # B x widths[1] x H/4 x W/4
    f8: torch.Tensor  # B x widths[2] x H/8 x W/8
    regions8: torch.Tensor  # B x H/8 x W/8 region codes


class MaskGuidedEncoder(nn.Module):
    def __init__(self, cfg: Mask2AlphaConfig):
        super().__init__()
        c2, c4, c8 = cfg.widths
        self.down2 = _down(IN_CHANNELS, c2)
        self.down4 = _down(c2, c4)
        self.down8 = _down(c4, c8)
        self.prior = SemanticPrior(cfg)
        self.prior_in = nn.Conv2d(cfg.prior_width, c8, 1)
        self.blocks = nn.ModuleList(RegionWindowAttention(c8, cfg.attn_heads, cfg.window)
                                    for _ in range(cfg.attn_blocks))

    def forward(self, image: torch.Tensor, prob: torch.Tensor, planes: torch.Tensor) -> EncoderOutput:
        """``image`` B x 3 x H x W in [0, 1], ``prob`` B x 1 x H x W, ``planes`` B x 3 x H x W (H, W multiples of 8)."""
        x = torch.cat([image * 2.0 - 1.0, prob * 2.0 - 1.0, planes], 1)
        f4 = self.down4(self.down2(x))
        f8 = self.down8(f4)
        prior = F.interpolate(self.prior(image), size=f8.shape[-2:], mode="bilinear", align_corners=False)
        f8 = f8 + self.prior_in(prior)
        regions = token_regions(planes, STRIDE)
        for blk in self.blocks:
            f8 = blk(f8, regions)
        return EncoderOutput(f4, f8, regions)
