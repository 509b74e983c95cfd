"""Positional encodings: DETR's 2-D sine encoding of feature maps and random-Fourier encoding of points (SAM)."""

from __future__ import annotations

import math

import torch
from torch import nn


def sine_encoding_2d(height: int, width: int, dim: int, device=None, temperature: float = 10000.0) -> torch.Tensor:
    """(1, dim, H, W) sine/cosine encoding of normalised (y, x) positions (DETR, Mask2Former)."""
    if dim % 4:
        raise ValueError("sine encoding needs a width divisible by 4")
    n = dim // 4
    y = (torch.arange(height, device=device, dtype=torch.float32) + 0.5) / height * 2 * math.pi
    x = (torch.arange(width, device=device, dtype=torch.float32) + 0.5) / width * 2 * math.pi
    freq = temperature ** (torch.arange(n, device=device, dtype=torch.float32) / n)
    py, px = y[:, None] / freq, x[:, None] / freq  # (H, n), (W, n)
    ey = torch.cat([py.sin(), py.cos()], 1)[:, None, :].expand(height, width, 2 * n)
    ex = torch.cat([px.sin(), px.cos()], 1)[None, :, :].expand(height, width, 2 * n)
    return torch.cat([ey, ex], -1).permute(2, 0, 1)[None]


class FourierPointEncoding(nn.Module):
    """Random-Fourier encoding of normalised points in [0, 1]^2 (SAM's ``PositionEmbeddingRandom``)."""

    def __init__(self, dim: int, scale: float = 1.0, seed: int = 0):
        super().__init__()
        if dim % 2:
            raise ValueError("Fourier encoding needs an even width")
        g = torch.Generator().manual_seed(seed)
        self.register_buffer("gaussian", scale * torch.randn(2, dim // 2, generator=g))

    def forward(self, xy: torch.Tensor) -> torch.Tensor:
        """``xy`` (..., 2) in [0, 1] -> (..., dim)."""
        proj = (2 * xy - 1) @ self.gaussian * (2 * math.pi)
        return torch.cat([proj.sin(), proj.cos()], -1)

    def grid(self, height: int, width: int) -> torch.Tensor:
        """(1, dim, H, W) encoding of every cell centre of an H x W map."""
        dev = self.gaussian.device
        y = (torch.arange(height, device=dev, dtype=torch.float32) + 0.5) / height
        x = (torch.arange(width, device=dev, dtype=torch.float32) + 0.5) / width
        xy = torch.stack(torch.meshgrid(x, y, indexing="xy"), -1)  # (H, W, 2) as (x, y)
        return self.forward(xy).permute(2, 0, 1)[None]
