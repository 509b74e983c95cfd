"""CRM (conflict-aware refinement, DFIMat): the conflict map (0 none, 1 previous bg -> new fg, 2 previous fg -> new bg)
as a learned dense embedding added to the image features. The previous prediction's role as the decoder's first
attention mask lives in :mod:`.decoder`."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..nn.layers import LayerNorm2d

CONFLICT_CLASSES = 3


def conflict_one_hot(conflict: torch.Tensor) -> torch.Tensor:
    """(B, H, W) integer map -> (B, 3, H, W) float one-hot."""
    return F.one_hot(conflict.long().clamp(0, CONFLICT_CLASSES - 1), CONFLICT_CLASSES).permute(0, 3, 1, 2).float()


class ConflictEmbedding(nn.Module):
    """One-hot conflict map at any resolution -> (B, dim, h, w) embedding at the feature resolution.

    The one-hot map is area-resized to 4x the feature size (the share of each class per cell), then two stride-2
    convolutions with layer norm and GELU, then a 1x1 projection (SAM's mask down-scaling path)."""

    def __init__(self, dim: int, hidden: int = 16):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(CONFLICT_CLASSES, hidden // 4, 2, 2), LayerNorm2d(hidden // 4), nn.GELU(),
                                 nn.Conv2d(hidden // 4, hidden, 2, 2), LayerNorm2d(hidden), nn.GELU(),
                                 nn.Conv2d(hidden, dim, 1))

    def forward(self, one_hot: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        x = F.interpolate(one_hot, size=(4 * size[0], 4 * size[1]), mode="area")
        return self.net(x)
