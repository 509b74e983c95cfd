"""open_clip's text tower (causal transformer over BPE tokens, pooled at the end-of-text token, projected), with
open_clip's parameter names (``token_embedding``, ``positional_embedding``, ``transformer.resblocks.N.{ln_1, attn,
ln_2, mlp.c_fc, mlp.c_proj}``, ``ln_final``, ``text_projection``) so official CLIP weights load key for key."""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from .config import TextConfig


class QuickGELU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    def __init__(self, width: int, heads: int, quick_gelu: bool):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(OrderedDict([("c_fc", nn.Linear(width, width * 4)),
                                              ("gelu", QuickGELU() if quick_gelu else nn.GELU()),
                                              ("c_proj", nn.Linear(width * 4, width))]))

    def forward(self, x: torch.Tensor, attn_mask: torch.Tensor) -> torch.Tensor:
        y = self.ln_1(x)
        x = x + self.attn(y, y, y, need_weights=False, attn_mask=attn_mask)[0]
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, width: int, layers: int, heads: int, quick_gelu: bool):
        super().__init__()
        self.width, self.layers = width, layers
        self.resblocks = nn.ModuleList(ResidualAttentionBlock(width, heads, quick_gelu) for _ in range(layers))

    def forward(self, x: torch.Tensor, attn_mask: torch.Tensor) -> torch.Tensor:
        for block in self.resblocks:
            x = block(x, attn_mask)
        return x


class TextTower(nn.Module):
    """Token ids (B, L) -> (pooled embedding (B, embed_dim), token features (B, L, width))."""

    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.cfg = cfg
        self.token_embedding = nn.Embedding(cfg.vocab_size, cfg.width)
        self.positional_embedding = nn.Parameter(torch.empty(cfg.context_length, cfg.width))
        self.transformer = Transformer(cfg.width, cfg.layers, cfg.heads, cfg.quick_gelu)
        self.ln_final = nn.LayerNorm(cfg.width)
        self.text_projection = nn.Parameter(torch.empty(cfg.width, cfg.embed_dim))
        mask = torch.full((cfg.context_length, cfg.context_length), float("-inf")).triu_(1)
        self.register_buffer("attn_mask", mask, persistent=False)
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        nn.init.normal_(self.positional_embedding, std=0.01)
        nn.init.normal_(self.text_projection, std=cfg.width ** -0.5)

    def forward(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.token_embedding(tokens) + self.positional_embedding
        x = self.transformer(x.transpose(0, 1), self.attn_mask).transpose(0, 1)  # (L, B, W) as nn.MHA wants
        x = self.ln_final(x)
        pooled = x[torch.arange(x.shape[0], device=x.device), tokens.argmax(-1)] @ self.text_projection
        return pooled, x


#: keys of a CLIP checkpoint that belong to the text tower
TEXT_KEYS = ("token_embedding.", "positional_embedding", "transformer.", "ln_final.", "text_projection")


def text_state_from_clip(state: dict) -> dict:
    """The text-tower entries of a full CLIP / open_clip state dict (``visual.*``, ``logit_scale`` etc. dropped)."""
    prefix = "text." if any(k.startswith("text.transformer.") for k in state) else ""
    out = {}
    for key, value in state.items():
        if not key.startswith(prefix):
            continue
        k = key[len(prefix):]
        if k.startswith(TEXT_KEYS):
            out[k] = value
    return out
