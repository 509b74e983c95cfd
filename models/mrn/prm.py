"""Progressive refinement (MGMatting's PRM): keep the coarser alpha where it is certain and replace a dilated band
around its uncertain pixels by the finer level's output."""

from __future__ import annotations

import torch
import torch.nn.functional as F

CERTAIN_EPS = 1.0 / 255.0


def uncertain_band(alpha: torch.Tensor, width: int) -> torch.Tensor:
    """(B, 1, H, W) alpha -> bool band: pixels within ``width // 2`` of an alpha strictly between 0 and 1."""
    unc = ((alpha > CERTAIN_EPS) & (alpha < 1.0 - CERTAIN_EPS)).float()
    k = width | 1
    return F.max_pool2d(unc, k, stride=1, padding=k // 2) > 0


def progressive_refine(coarse: torch.Tensor, finer: list[torch.Tensor], widths: tuple[int, ...]) -> torch.Tensor:
    """``coarse`` and each of ``finer`` (B, 1, H, W) at the same size; level i replaces the band of width
    ``widths[i]`` around the current uncertain region."""
    alpha = coarse
    for fine, width in zip(finer, widths):
        band = uncertain_band(alpha.detach(), width)
        alpha = torch.where(band, fine, alpha)
    return alpha
