"""The ISCN network: image encoder + pixel decoder (encode once per image) and the prompt path - visual sampler,
text tower, CRM embedding, decoder (run every round). Holds no loss, no I/O and no device choice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
from torch import nn

from ..nn.posenc import sine_encoding_2d
from .config import ISCNConfig
from .crm import ConflictEmbedding
from .decoder import DecoderOutput, ISCNDecoder
from .encoders import PIXEL_MEAN, PIXEL_STD, PixelDecoder, build_encoder
from .sampler import VisualSampler
from .text_tower import TextTower


@dataclass
class ImageEmbedding:
    feats: torch.Tensor  # (B, dim, S/16, S/16) projected image features
    pixel_emb: torch.Tensor  # (B, dim, S/4, S/4) per-pixel embeddings

    def to(self, device) -> "ImageEmbedding":
        return ImageEmbedding(self.feats.to(device), self.pixel_emb.to(device))


@dataclass
class PromptTensors:
    xy: torch.Tensor  # (B, N, 2) in [0, 1] of the encoder frame
    positive: torch.Tensor  # (B, N) bool
    kind: torch.Tensor  # (B, N) long
    valid: torch.Tensor  # (B, N) bool (padding False)
    text_tokens: Optional[torch.Tensor] = None  # (B, L) token ids, or None


class ISCN(nn.Module):
    def __init__(self, cfg: ISCNConfig):
        super().__init__()
        self.cfg = cfg
        self.image_encoder = build_encoder(cfg)
        self.input_proj = nn.Conv2d(self.image_encoder.out_channels, cfg.dim, 1)
        self.pixel_decoder = PixelDecoder(self.image_encoder.out_channels, self.image_encoder.skip_channels, cfg.dim)
        self.crm = ConflictEmbedding(cfg.dim)
        self.sampler = VisualSampler(cfg.dim, cfg.dim)
        self.text_encoder = TextTower(cfg.text)
        self.text_token_proj = nn.Linear(cfg.text.width, cfg.dim)
        self.text_pooled_proj = nn.Linear(cfg.text.embed_dim, cfg.dim)
        self.text_type = nn.Parameter(torch.zeros(1, 1, cfg.dim))
        self.decoder = ISCNDecoder(cfg.dim, cfg.heads, cfg.layers, cfg.object_queries)
        self.register_buffer("pixel_mean", torch.tensor(PIXEL_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("pixel_std", torch.tensor(PIXEL_STD).view(1, 3, 1, 1), persistent=False)

    def encode(self, image: torch.Tensor) -> ImageEmbedding:
        """``image`` (B, 3, S, S) float RGB in 0..255, padded to the square frame."""
        # contiguous: a channels-last view (e.g. a permuted numpy batch) crashes conv backward on CPU torch 2.13
        feats = self.image_encoder(((image - self.pixel_mean) / self.pixel_std).contiguous())
        return ImageEmbedding(self.input_proj(feats[16]), self.pixel_decoder(feats))

    def text_tokens(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids (B, L) -> text query tokens (B, 1 + L, dim) and their validity (B, 1 + L)."""
        pooled, per_token = self.text_encoder(tokens)
        toks = torch.cat([self.text_pooled_proj(pooled)[:, None], self.text_token_proj(per_token)], 1)
        valid = torch.cat([torch.ones_like(tokens[:, :1], dtype=torch.bool), tokens != 0], 1)
        return toks + self.text_type, valid

    def decode(self, emb: ImageEmbedding, prompts: PromptTensors, conflict_one_hot: Optional[torch.Tensor] = None,
               prev_mask_logits: Optional[torch.Tensor] = None) -> DecoderOutput:
        """One round: prompts (+ CRM inputs when ``cfg.crm``) -> per-query class and mask logits at stride 4."""
        feats = emb.feats
        if self.cfg.crm and conflict_one_hot is not None:
            feats = feats + self.crm(conflict_one_hot, tuple(feats.shape[-2:]))
        if not self.cfg.crm:
            prev_mask_logits = None
        tokens = self.sampler(feats, prompts.xy, prompts.positive, prompts.kind)
        valid = prompts.valid
        if prompts.text_tokens is not None:
            t, tv = self.text_tokens(prompts.text_tokens)
            tokens, valid = torch.cat([tokens, t], 1), torch.cat([valid, tv], 1)
        pos = sine_encoding_2d(feats.shape[-2], feats.shape[-1], self.cfg.dim, feats.device)
        return self.decoder(feats, pos, emb.pixel_emb, tokens, valid, prev_mask_logits)

    def forward(self, image: torch.Tensor, prompts: PromptTensors, conflict_one_hot: Optional[torch.Tensor] = None,
                prev_mask_logits: Optional[torch.Tensor] = None) -> DecoderOutput:
        return self.decode(self.encode(image), prompts, conflict_one_hot, prev_mask_logits)


def select_query(out: DecoderOutput) -> torch.Tensor:
    """Index (B,) of the object query the class head rates most likely to be the target."""
    return out.final_class.argmax(1)
