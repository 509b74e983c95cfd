"""Region-aware window attention on the 1/8 grid: foreground and background tokens never attend to each other, every
(query region, key region) pair has a learned bias per head, and uncertain tokens attend to everything."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .regions import NUM_REGIONS, REGION_BG, REGION_FG, REGION_PAD


def region_mask(q_regions: torch.Tensor, k_regions: torch.Tensor) -> torch.Tensor:
    """True where a query may attend to a key (N x T x T): fg <-/-> bg and padding keys are forbidden; a padding
    query attends to padding only, so that no row is empty."""
    q = q_regions[:, :, None]
    k = k_regions[:, None, :]
    forbidden = ((q == REGION_FG) & (k == REGION_BG)) | ((q == REGION_BG) & (k == REGION_FG)) | (k == REGION_PAD)
    pad_rows = (q == REGION_PAD) & (k == REGION_PAD)
    return ~forbidden | pad_rows


class RegionWindowAttention(nn.Module):
    """Pre-norm window attention + MLP on a B x C x H x W map whose tokens carry region codes (B x H x W)."""

    def __init__(self, dim: int, heads: int, window: int, mlp_ratio: float = 2.0):
        super().__init__()
        self.heads, self.window = heads, window
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.region_bias = nn.Parameter(torch.zeros(heads, NUM_REGIONS, NUM_REGIONS))
        self.norm2 = nn.LayerNorm(dim)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def _windows(self, x: torch.Tensor, regions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, tuple]:
        B, C, H, W = x.shape
        s = self.window
        ph, pw = (-H) % s, (-W) % s
        x = F.pad(x, (0, pw, 0, ph))
        regions = F.pad(regions, (0, pw, 0, ph), value=REGION_PAD)
        Hp, Wp = H + ph, W + pw
        x = x.view(B, C, Hp // s, s, Wp // s, s).permute(0, 2, 4, 3, 5, 1).reshape(-1, s * s, C)
        regions = regions.view(B, Hp // s, s, Wp // s, s).permute(0, 1, 3, 2, 4).reshape(-1, s * s)
        return x, regions, (B, C, H, W, Hp, Wp)

    @staticmethod
    def _unwindow(x: torch.Tensor, shape: tuple, s: int) -> torch.Tensor:
        B, C, H, W, Hp, Wp = shape
        x = x.view(B, Hp // s, Wp // s, s, s, C).permute(0, 5, 1, 3, 2, 4).reshape(B, C, Hp, Wp)
        return x[:, :, :H, :W]

    def forward(self, x: torch.Tensor, regions: torch.Tensor) -> torch.Tensor:
        tokens, reg, shape = self._windows(x, regions)
        N, T, C = tokens.shape
        h = self.norm1(tokens)
        q, k, v = self.qkv(h).view(N, T, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        bias = self.region_bias[:, reg[:, :, None], reg[:, None, :]].permute(1, 0, 2, 3)  # N x heads x T x T
        allowed = region_mask(reg, reg)[:, None]
        bias = bias.masked_fill(~allowed, float("-inf"))
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        tokens = tokens + self.proj(out.transpose(1, 2).reshape(N, T, C))
        tokens = tokens + self.mlp(self.norm2(tokens))
        return self._unwindow(tokens, shape, self.window)
