"""Region codes of the trimap and of the unidirectional per-pixel decoding state."""

from __future__ import annotations

import torch
import torch.nn.functional as F

# region of a token for the region-aware attention
REGION_FG, REGION_BG, REGION_UNCERTAIN, REGION_PAD = 0, 1, 2, 3
NUM_REGIONS = 4

# decoding state of a full-resolution pixel: UNDECIDED -> FG / BG / DETAIL, never back
UNDECIDED, FG, BG, DETAIL = 0, 1, 2, 3

TRIMAP_BG, TRIMAP_UNKNOWN, TRIMAP_FG = 0, 128, 255


def trimap_planes(trimap: torch.Tensor) -> torch.Tensor:
    """B x 1 x H x W uint8 trimap -> B x 3 x H x W float (fg, bg, unknown)."""
    t = trimap.to(torch.int16)
    return torch.cat([t == TRIMAP_FG, t == TRIMAP_BG, t == TRIMAP_UNKNOWN], 1).float()


def token_regions(planes: torch.Tensor, stride: int) -> torch.Tensor:
    """Region of each ``stride`` x ``stride`` cell: fg / bg only when the whole cell is, uncertain otherwise."""
    fg = -F.max_pool2d(-planes[:, 0:1], stride, stride)  # min over the cell
    bg = -F.max_pool2d(-planes[:, 1:2], stride, stride)
    regions = torch.full_like(fg, REGION_UNCERTAIN, dtype=torch.long)
    regions[fg > 0.5] = REGION_FG
    regions[bg > 0.5] = REGION_BG
    return regions[:, 0]


def initial_state(trimap: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(state uint8, alpha float32) from the trimap: known pixels are committed at once, unknown ones undecided."""
    state = torch.full(trimap.shape, UNDECIDED, dtype=torch.uint8, device=trimap.device)
    state[trimap == TRIMAP_FG] = FG
    state[trimap == TRIMAP_BG] = BG
    alpha = (state == FG).float()
    return state, alpha
