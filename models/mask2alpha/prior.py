"""Pluggable semantic prior: DINO ViT-S/16 (official weights when present) or our own small convolutional encoder.

Either one maps the working image (B x 3 x H x W in [0, 1]) to a coarse feature map at stride 16; the encoder
resizes it to its 1/8 grid."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import Mask2AlphaConfig, SmallPriorConfig
from .dino_vit import DinoViT


class SmallPrior(nn.Module):
    """Four stride-2 conv blocks: our own prior when no DINO checkpoint is available."""

    def __init__(self, cfg: SmallPriorConfig):
        super().__init__()
        layers, c_in = [], 3
        for c in cfg.widths:
            layers += [nn.Conv2d(c_in, c, 3, 2, 1), nn.GroupNorm(1, c), nn.GELU(), nn.Conv2d(c, c, 3, 1, 1), nn.GELU()]
            c_in = c
        self.body = nn.Sequential(*layers)
        self.out_channels = c_in

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.body(image * 2.0 - 1.0)


class SemanticPrior(nn.Module):
    """Resizes the image to the prior's input side, runs the prior, projects to ``cfg.prior_width`` channels."""

    def __init__(self, cfg: Mask2AlphaConfig):
        super().__init__()
        if cfg.prior == "dino":
            self.net: nn.Module = DinoViT(cfg.dino)
            self.side, self.multiple = cfg.dino.input_side, cfg.dino.patch_size
        else:
            self.net = SmallPrior(cfg.small_prior)
            self.side, self.multiple = cfg.small_prior.input_side, 16
        self.proj = nn.Conv2d(self.net.out_channels, cfg.prior_width, 1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        H, W = image.shape[-2:]
        s = self.side / max(H, W)
        h = max(self.multiple, round(H * s / self.multiple) * self.multiple)
        w = max(self.multiple, round(W * s / self.multiple) * self.multiple)
        x = F.interpolate(image, size=(h, w), mode="bilinear", align_corners=False, antialias=s < 1)
        return self.proj(self.net(x))
