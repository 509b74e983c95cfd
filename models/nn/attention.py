"""Multi-head attention with an optional boolean mask (True = may attend), and a pre-norm transformer block."""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn


class Attention(nn.Module):
    """Multi-head attention: ``q`` (B, Lq, C) attends to ``k``/``v`` (B, Lk, C).

    ``mask``: bool (B, Lq, Lk) or (B, 1, Lk), True where attention is allowed. A query row with no allowed key
    attends everywhere (Mask2Former's rule, so that an empty mask never produces NaNs)."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        if dim % heads:
            raise ValueError(f"attention width {dim} is not divisible by {heads} heads")
        self.heads = heads
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        b, lq, c = q.shape
        lk = k.shape[1]
        h = self.heads

        def split(x: torch.Tensor, n: int) -> torch.Tensor:
            return x.view(b, n, h, c // h).transpose(1, 2)

        qh, kh, vh = split(self.q_proj(q), lq), split(self.k_proj(k), lk), split(self.v_proj(v), lk)
        logits = (qh @ kh.transpose(-2, -1)) * (c // h) ** -0.5  # (B, heads, Lq, Lk)
        if mask is not None:
            mask = mask.expand(b, lq, lk)
            allowed = (mask | ~mask.any(-1, keepdim=True))[:, None]
            logits = logits.masked_fill(~allowed, float("-inf"))
        out = logits.softmax(-1) @ vh
        return self.out_proj(out.transpose(1, 2).reshape(b, lq, c))


class FeedForward(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.lin1 = nn.Linear(dim, hidden)
        self.lin2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin2(F.gelu(self.lin1(x)))


class TransformerBlock(nn.Module):
    """Pre-norm self-attention + feed-forward block over (B, L, C) tokens."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float = 4.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = FeedForward(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor, pos: Optional[torch.Tensor] = None) -> torch.Tensor:
        y = self.norm1(x)
        qk = y if pos is None else y + pos
        x = x + self.attn(qk, qk, y)
        return x + self.mlp(self.norm2(x))
