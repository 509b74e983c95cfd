"""The ISCN decoder (X-Decoder / Mask2Former style, DFIMat Eq. 2-3).

Object queries cross-attend to the image features (masked attention: only where the previous prediction is
foreground; at the first stage the previous *round's* mask when CRM is on), then self-attend jointly with the visual
prompt tokens and the text tokens, then a feed-forward layer. After every stage the heads predict, per object query,
a class logit ("is the target") and a mask embedding whose dot product with the per-pixel embeddings is the mask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from ..nn.attention import Attention, FeedForward
from ..nn.layers import MLP

MASK_THRESHOLD = 0.0  # logit 0 = probability 0.5


@dataclass
class DecoderOutput:
    class_logits: list[torch.Tensor]  # per stage (initial + each layer): (B, Q)
    mask_logits: list[torch.Tensor]  # per stage: (B, Q, H4, W4)

    @property
    def final_class(self) -> torch.Tensor:
        return self.class_logits[-1]

    @property
    def final_masks(self) -> torch.Tensor:
        return self.mask_logits[-1]


class DecoderLayer(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.cross = Attention(dim, heads)
        self.norm_cross = nn.LayerNorm(dim)
        self.self_attn = Attention(dim, heads)
        self.norm_self = nn.LayerNorm(dim)
        self.ffn = FeedForward(dim, dim * 4)
        self.norm_ffn = nn.LayerNorm(dim)

    def forward(self, queries: torch.Tensor, query_pos: torch.Tensor, prompts: torch.Tensor, prompt_valid: torch.Tensor,
                memory: torch.Tensor, memory_pos: torch.Tensor, attn_mask: Optional[torch.Tensor]):
        q = queries
        # Eq. 2: object queries <- masked cross-attention to the image features
        q = self.norm_cross(q + self.cross(q + query_pos, memory + memory_pos, memory, attn_mask))
        # Eq. 3: joint self-attention of object queries and prompt tokens
        tokens = torch.cat([q, prompts], 1)
        pos = torch.cat([query_pos, torch.zeros_like(prompts)], 1)
        valid = torch.cat([torch.ones(q.shape[:2], dtype=torch.bool, device=q.device), prompt_valid], 1)
        tokens = self.norm_self(tokens + self.self_attn(tokens + pos, tokens + pos, tokens, valid[:, None, :]))
        tokens = self.norm_ffn(tokens + self.ffn(tokens))
        n = q.shape[1]
        return tokens[:, :n], tokens[:, n:]


class ISCNDecoder(nn.Module):
    def __init__(self, dim: int, heads: int, layers: int, queries: int):
        super().__init__()
        self.query_feat = nn.Embedding(queries, dim)
        self.query_pos = nn.Embedding(queries, dim)
        self.layers = nn.ModuleList(DecoderLayer(dim, heads) for _ in range(layers))
        self.norm = nn.LayerNorm(dim)
        self.class_head = nn.Linear(dim, 1)
        self.mask_embed = MLP(dim, dim, dim, 3)

    def predict(self, queries: torch.Tensor, pixel_emb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        q = self.norm(queries)
        cls = self.class_head(q)[..., 0]
        masks = torch.einsum("bqc,bchw->bqhw", self.mask_embed(q), pixel_emb)
        return cls, masks

    @staticmethod
    def attention_mask(mask_logits: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """(B, Q or 1, H4, W4) logits -> bool (B, Q or 1, h*w): True where a query may attend."""
        m = F.interpolate(mask_logits, size=size, mode="bilinear", align_corners=False)
        return (m.flatten(2) >= MASK_THRESHOLD).detach()

    def forward(self, memory: torch.Tensor, memory_pos: torch.Tensor, pixel_emb: torch.Tensor,
                prompts: torch.Tensor, prompt_valid: torch.Tensor,
                prev_mask_logits: Optional[torch.Tensor] = None) -> DecoderOutput:
        """``memory`` (B, C, h, w) image features (CRM embedding included); ``memory_pos`` same shape;
        ``pixel_emb`` (B, C, H4, W4); ``prompts`` (B, P, C) visual + text tokens, ``prompt_valid`` (B, P) bool;
        ``prev_mask_logits`` (B, 1, H4, W4): the previous round's mask, the first stage's attention mask."""
        b, _, h, w = memory.shape
        mem = memory.flatten(2).transpose(1, 2)
        mem_pos = memory_pos.flatten(2).transpose(1, 2).expand(b, -1, -1)
        queries = self.query_feat.weight[None].expand(b, -1, -1)
        query_pos = self.query_pos.weight[None].expand(b, -1, -1)
        cls, masks = self.predict(queries, pixel_emb)
        out = DecoderOutput([cls], [masks])
        attn = None if prev_mask_logits is None else self.attention_mask(prev_mask_logits, (h, w))
        for layer in self.layers:
            queries, prompts = layer(queries, query_pos, prompts, prompt_valid, mem, mem_pos, attn)
            cls, masks = self.predict(queries, pixel_emb)
            out.class_logits.append(cls)
            out.mask_logits.append(masks)
            attn = self.attention_mask(masks, (h, w))
        return out
