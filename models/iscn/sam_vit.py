"""segment-anything's ViT image encoder (ViTDet backbone: windowed + global attention, decomposed relative
positions, conv neck), written with the same parameter names as ``ImageEncoderViT`` so that the official
``sam_vit_{b,l,h}`` checkpoints load key for key without the ``segment-anything`` package."""

from __future__ import annotations

from typing import Callable, Optional

import torch
import torch.nn.functional as F
from torch import nn

from ..nn.attention import FeedForward
from ..nn.layers import LayerNorm2d
from .config import SamViTConfig


#: SAM's MLP block has the same parameter names (lin1, lin2) and GELU as our feed-forward block
MLPBlock = FeedForward


def _rel_pos(q_size: int, k_size: int, rel_pos: torch.Tensor) -> torch.Tensor:
    max_dist = 2 * max(q_size, k_size) - 1
    if rel_pos.shape[0] != max_dist:
        rel_pos = F.interpolate(rel_pos.T[None], size=max_dist, mode="linear")[0].T
    q = torch.arange(q_size, device=rel_pos.device)[:, None] * max(k_size / q_size, 1.0)
    k = torch.arange(k_size, device=rel_pos.device)[None, :] * max(q_size / k_size, 1.0)
    return rel_pos[((q - k) + (k_size - 1) * max(q_size / k_size, 1.0)).long()]


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int, use_rel_pos: bool, size: tuple[int, int]):
        super().__init__()
        self.num_heads = heads
        head_dim = dim // heads
        self.scale = head_dim ** -0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)
        self.use_rel_pos = use_rel_pos
        if use_rel_pos:
            self.rel_pos_h = nn.Parameter(torch.zeros(2 * size[0] - 1, head_dim))
            self.rel_pos_w = nn.Parameter(torch.zeros(2 * size[1] - 1, head_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, h, w, _ = x.shape
        qkv = self.qkv(x).reshape(b, h * w, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.reshape(3, b * self.num_heads, h * w, -1).unbind(0)
        attn = (q * self.scale) @ k.transpose(-2, -1)
        if self.use_rel_pos:
            rh, rw = _rel_pos(h, h, self.rel_pos_h), _rel_pos(w, w, self.rel_pos_w)
            r_q = q.reshape(q.shape[0], h, w, -1)
            rel_h = torch.einsum("bhwc,hkc->bhwk", r_q, rh)
            rel_w = torch.einsum("bhwc,wkc->bhwk", r_q, rw)
            attn = (attn.view(-1, h, w, h, w) + rel_h[..., None] + rel_w[..., None, :]).view(-1, h * w, h * w)
        x = (attn.softmax(-1) @ v).view(b, self.num_heads, h, w, -1).permute(0, 2, 3, 1, 4).reshape(b, h, w, -1)
        return self.proj(x)


def _partition(x: torch.Tensor, win: int) -> tuple[torch.Tensor, tuple[int, int]]:
    b, h, w, c = x.shape
    ph, pw = (win - h % win) % win, (win - w % win) % win
    x = F.pad(x, (0, 0, 0, pw, 0, ph))
    hp, wp = h + ph, w + pw
    x = x.view(b, hp // win, win, wp // win, win, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(-1, win, win, c), (hp, wp)


def _unpartition(x: torch.Tensor, win: int, padded: tuple[int, int], size: tuple[int, int]) -> torch.Tensor:
    hp, wp = padded
    b = x.shape[0] // (hp * wp // win // win)
    x = x.view(b, hp // win, wp // win, win, win, -1).permute(0, 1, 3, 2, 4, 5).reshape(b, hp, wp, -1)
    return x[:, :size[0], :size[1]].contiguous()


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, mlp_ratio: float, use_rel_pos: bool, window: int,
                 grid: tuple[int, int]):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads, use_rel_pos, grid if window == 0 else (window, window))
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = MLPBlock(dim, int(dim * mlp_ratio))
        self.window_size = window

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.norm1(x)
        if self.window_size > 0:
            size = (x.shape[1], x.shape[2])
            x, padded = _partition(x, self.window_size)
            x = _unpartition(self.attn(x), self.window_size, padded, size)
        else:
            x = self.attn(x)
        x = shortcut + x
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, patch: int, in_chans: int, dim: int):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, dim, patch, patch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).permute(0, 2, 3, 1)


class SamViTEncoder(nn.Module):
    """Image (B, 3, S, S), SAM-normalised -> features (B, out_chans, S/16, S/16)."""

    def __init__(self, cfg: SamViTConfig):
        super().__init__()
        self.cfg = cfg
        grid = (cfg.img_size // cfg.patch_size,) * 2
        self.patch_embed = PatchEmbed(cfg.patch_size, 3, cfg.embed_dim)
        self.pos_embed = nn.Parameter(torch.zeros(1, grid[0], grid[1], cfg.embed_dim))
        self.blocks = nn.ModuleList(
            Block(cfg.embed_dim, cfg.num_heads, cfg.mlp_ratio, cfg.use_rel_pos,
                  0 if i in cfg.global_attn_indexes else cfg.window_size, grid)
            for i in range(cfg.depth))
        self.neck = nn.Sequential(nn.Conv2d(cfg.embed_dim, cfg.out_chans, 1, bias=False), LayerNorm2d(cfg.out_chans),
                                  nn.Conv2d(cfg.out_chans, cfg.out_chans, 3, padding=1, bias=False),
                                  LayerNorm2d(cfg.out_chans))
        self.out_channels = cfg.out_chans
        self.stride = cfg.patch_size
        self.img_size = cfg.img_size

    def forward(self, x: torch.Tensor, on_block: Optional[Callable[[int, int], None]] = None) -> torch.Tensor:
        """``on_block(done, total)`` is called after every block (progress; it may raise to cancel)."""
        x = self.patch_embed(x)
        pos = self.pos_embed
        if pos.shape[1:3] != x.shape[1:3]:
            pos = F.interpolate(pos.permute(0, 3, 1, 2), size=x.shape[1:3], mode="bicubic",
                                align_corners=False).permute(0, 2, 3, 1)
        x = x + pos
        for i, blk in enumerate(self.blocks):
            x = blk(x)
            if on_block is not None:
                on_block(i + 1, len(self.blocks))
        return self.neck(x.permute(0, 3, 1, 2))
