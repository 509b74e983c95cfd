"""DINO's ViT (``vision_transformer.py`` of facebookresearch/dino) with the official parameter names, so that an
official checkpoint (``dino_deitsmall16_pretrain.pth``) loads with ``strict=True`` after :func:`map_dino_state_dict`."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .config import DinoViTConfig

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
_PREFIXES = ("module.", "backbone.")


class PatchEmbed(nn.Module):
    def __init__(self, patch: int, dim: int):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, patch, patch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, N, C = x.shape
        q, k, v = self.qkv(x).view(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(q, k, v)
        return self.proj(out.transpose(1, 2).reshape(B, N, C))


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, mlp_ratio: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class DinoViT(nn.Module):
    """Image (B x 3 x H x W in [0, 1]) -> patch features (B x dim x H/p x W/p) of the last block, normalised."""

    def __init__(self, cfg: DinoViTConfig):
        super().__init__()
        self.cfg = cfg
        self.out_channels = cfg.embed_dim
        grid = cfg.pretrain_size // cfg.patch_size
        self.patch_embed = PatchEmbed(cfg.patch_size, cfg.embed_dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, cfg.embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, grid * grid + 1, cfg.embed_dim))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        self.blocks = nn.ModuleList(Block(cfg.embed_dim, cfg.num_heads, cfg.mlp_ratio) for _ in range(cfg.depth))
        self.norm = nn.LayerNorm(cfg.embed_dim, eps=1e-6)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def _pos(self, h: int, w: int) -> torch.Tensor:
        cls, grid = self.pos_embed[:, :1], self.pos_embed[:, 1:]
        n = int(math.sqrt(grid.shape[1]))
        if (h, w) == (n, n):
            return self.pos_embed
        grid = grid.reshape(1, n, n, -1).permute(0, 3, 1, 2)
        grid = F.interpolate(grid, size=(h, w), mode="bicubic", align_corners=False)
        return torch.cat([cls, grid.flatten(2).transpose(1, 2)], 1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        p = self.cfg.patch_size
        B, _, H, W = image.shape
        h, w = H // p, W // p
        x = (image[:, :, :h * p, :w * p] - self.mean) / self.std
        x = self.patch_embed(x)
        x = torch.cat([self.cls_token.expand(B, -1, -1), x], 1) + self._pos(h, w)
        for blk in self.blocks:
            x = blk(x)
        x = self.norm(x)[:, 1:]
        return x.transpose(1, 2).reshape(B, -1, h, w)


def map_dino_state_dict(sd: dict) -> dict:
    """An official DINO checkpoint (backbone-only, or the full training checkpoint with ``teacher``/``student``) ->
    the state dict of :class:`DinoViT`: the teacher is preferred, ``module.``/``backbone.`` prefixes are stripped and
    the projection head (``head.*``) is dropped."""
    for key in ("teacher", "student"):
        if key in sd and isinstance(sd[key], dict):
            sd = sd[key]
            break
    out = {}
    for name, value in sd.items():
        for prefix in _PREFIXES:
            if name.startswith(prefix):
                name = name[len(prefix):]
        if name.startswith("head."):
            continue
        out[name] = value
    return out
