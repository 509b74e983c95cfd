"""CLIP (OpenAI's layout) for zero-shot ranking: the vision tower (``visual.conv1``, ``visual.class_embedding``,
``visual.positional_embedding``, ``visual.ln_pre``, ``visual.transformer.resblocks.N``, ``visual.ln_post``,
``visual.proj``) next to the text tower of :mod:`.text_tower`, both sized from a checkpoint's tensors as OpenAI's
``build_model`` does, so ``ViT-B-32.pt`` and any same-layout file load key for key."""

from __future__ import annotations

import re

import torch
import torch.nn.functional as F
from torch import nn

from ..nn.checkpoint import strict_load
from .config import TextConfig
from .text_tower import TextTower, Transformer, text_state_from_clip

#: CLIP's image statistics (RGB in [0, 1]) and the keys of OpenAI's archive that are not weights
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
NOT_WEIGHTS = ("input_resolution", "context_length", "vocab_size")


class VisionTower(nn.Module):
    """Image (B, 3, R, R) normalised -> embedding (B, output_dim)."""

    def __init__(self, resolution: int, patch: int, width: int, layers: int, heads: int, output_dim: int):
        super().__init__()
        self.input_resolution = resolution
        scale = width ** -0.5
        self.conv1 = nn.Conv2d(3, width, kernel_size=patch, stride=patch, bias=False)
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn((resolution // patch) ** 2 + 1, width))
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = Transformer(width, layers, heads, quick_gelu=True)
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, output_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x).flatten(2).permute(0, 2, 1)  # (B, grid^2, width)
        cls = self.class_embedding.to(x.dtype) + torch.zeros(x.shape[0], 1, x.shape[-1], dtype=x.dtype,
                                                              device=x.device)
        x = self.ln_pre(torch.cat([cls, x], dim=1) + self.positional_embedding.to(x.dtype))
        x = self.transformer(x.permute(1, 0, 2), None).permute(1, 0, 2)
        return self.ln_post(x[:, 0, :]) @ self.proj


class ClipModel(nn.Module):
    def __init__(self, vision: VisionTower, text: TextTower):
        super().__init__()
        self.visual = vision
        self.text = text
        self.logit_scale = nn.Parameter(torch.tensor(4.6052))  # ln(100), OpenAI's trained value

    def encode_image(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.visual(x), dim=-1)

    def encode_text(self, tokens: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.text(tokens)[0], dim=-1)


def _layers(state: dict, prefix: str) -> int:
    return len({m[1] for k in state if (m := re.match(re.escape(prefix) + r"(\d+)\.", k))})


def clip_from_state(state: dict) -> ClipModel:
    """A CLIP sized from an OpenAI-layout state dict, with its weights loaded exactly (fp16 becomes fp32)."""
    state = {k: v.float() if v.is_floating_point() else v for k, v in state.items() if k not in NOT_WEIGHTS}
    conv = state["visual.conv1.weight"]
    width, patch = conv.shape[0], conv.shape[-1]
    grid = round((state["visual.positional_embedding"].shape[0] - 1) ** 0.5)
    vision = VisionTower(patch * grid, patch, width, _layers(state, "visual.transformer.resblocks."),
                         max(1, width // 64), state["visual.proj"].shape[1])
    text_width = state["ln_final.weight"].shape[0]
    text = TextTower(TextConfig(context_length=state["positional_embedding"].shape[0],
                                vocab_size=state["token_embedding.weight"].shape[0], width=text_width,
                                heads=max(1, text_width // 64), layers=_layers(state, "transformer.resblocks."),
                                embed_dim=state["text_projection"].shape[1], quick_gelu=True))
    model = ClipModel(vision, text)
    strict_load(vision, {k[len("visual."):]: v for k, v in state.items() if k.startswith("visual.")})
    strict_load(text, text_state_from_clip(state))
    if "logit_scale" in state:
        model.logit_scale.data.copy_(state["logit_scale"].reshape(()))
    return model.eval()
