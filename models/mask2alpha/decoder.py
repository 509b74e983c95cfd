"""Dense decoding stages on the working image: stage 1 at 1/8, stage 2 at 1/4. Each predicts an alpha and a
confidence (both logits); stage 2 also returns its features, which the sparse stage samples at full resolution."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _head(c: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c, c, 3, 1, 1), nn.GELU(), nn.Conv2d(c, 2, 1))


class Stage8(nn.Module):
    def __init__(self, c8: int):
        super().__init__()
        self.head = _head(c8)

    def forward(self, f8: torch.Tensor) -> torch.Tensor:
        """-> B x 2 x H/8 x W/8 (alpha logit, confidence logit)."""
        return self.head(f8)


class Stage4(nn.Module):
    def __init__(self, c4: int, c8: int, width: int):
        super().__init__()
        self.fuse = nn.Sequential(nn.Conv2d(c4 + c8 + 2, width, 3, 1, 1), nn.GroupNorm(1, width), nn.GELU(),
                                  nn.Conv2d(width, width, 3, 1, 1), nn.GELU())
        self.head = _head(width)

    def forward(self, f4: torch.Tensor, f8: torch.Tensor, out8: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """-> (B x 2 x H/4 x W/4 logits, B x width x H/4 x W/4 features)."""
        size = f4.shape[-2:]
        up = F.interpolate(torch.cat([f8, out8], 1), size=size, mode="bilinear", align_corners=False)
        feats = self.fuse(torch.cat([f4, up], 1))
        return self.head(feats), feats
