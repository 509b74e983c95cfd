"""GFM (Li et al., "Bridging Composite and Real: Towards End-to-end Deep Image Matting"): a shared encoder, a glance
decoder (PSP module on the deepest features, 3-class map bg / transition / fg) and a focus decoder (bridge block of
dilated convolutions, U-Net skips, detail alpha in the transition region), fused collaboratively:
alpha = focus in the transition, 1 in the foreground, 0 in the background."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..nn.layers import ResidualBlock, UpFuse, conv_bn_act
from .config import GFMConfig

BG, TRANSITION, FG = 0, 1, 2
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


@dataclass
class GFMOutput:
    glance: torch.Tensor  # (B, 3, H, W) logits
    focus: torch.Tensor  # (B, 1, H, W) alpha in [0, 1]
    fused: torch.Tensor  # (B, 1, H, W) alpha in [0, 1]


class PSP(nn.Module):
    """Pyramid pooling: average pools at ``bins`` scales, 1x1 convs, upsampled and concatenated with the input."""

    def __init__(self, c_in: int, c_out: int, bins: tuple[int, ...]):
        super().__init__()
        c_branch = max(c_in // len(bins), 8)
        self.bins = bins
        # no batch norm on the pooled branches: a 1 x 1 bin has one value per channel (batch 1 cannot normalise)
        self.branches = nn.ModuleList(nn.Sequential(nn.Conv2d(c_in, c_branch, 1), nn.ReLU(inplace=True)) for _ in bins)
        self.out = conv_bn_act(c_in + c_branch * len(bins), c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[-2:]
        feats = [x] + [F.interpolate(br(F.adaptive_avg_pool2d(x, b)), size=size, mode="bilinear", align_corners=False)
                       for b, br in zip(self.bins, self.branches)]
        return self.out(torch.cat(feats, 1))


class Bridge(nn.Module):
    """The focus path's bridge block: three dilated 3x3 convolutions (dilation 1, 2, 5) with a residual."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.proj = conv_bn_act(c_in, c_out, kernel=1)
        self.convs = nn.Sequential(*(nn.Sequential(nn.Conv2d(c_out, c_out, 3, padding=d, dilation=d, bias=False),
                                                   nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)) for d in (1, 2, 5)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.proj(x)
        return x + self.convs(x)




class Decoder(nn.Module):
    """Deepest features -> (PSP or bridge) -> upsampling with encoder skips at strides 16, 8, 4, 2 -> head."""

    def __init__(self, enc: tuple[int, ...], widths: tuple[int, ...], top: nn.Module, out_channels: int):
        super().__init__()
        self.top = top
        skips = list(enc[:-1])[::-1]  # strides 16, 8, 4, 2
        c, ups = widths[0], []
        for skip, w in zip(skips, widths):
            ups.append(UpFuse(c, skip, w))
            c = w
        self.ups = nn.ModuleList(ups)
        self.head = nn.Conv2d(c, out_channels, 3, padding=1)

    def forward(self, feats: list[torch.Tensor], size: tuple[int, int]) -> torch.Tensor:
        x = self.top(feats[-1])
        for up, skip in zip(self.ups, feats[:-1][::-1]):
            x = up(x, skip)
        return F.interpolate(self.head(x), size=size, mode="bilinear", align_corners=False)


def collaborative_fusion(glance_logits: torch.Tensor, focus: torch.Tensor) -> torch.Tensor:
    """alpha = focus where the glance says transition, 1 where foreground, 0 where background."""
    label = glance_logits.argmax(1, keepdim=True)
    return torch.where(label == TRANSITION, focus, (label == FG).to(focus.dtype))


class GFM(nn.Module):
    def __init__(self, cfg: GFMConfig):
        super().__init__()
        self.cfg = cfg
        enc = cfg.encoder_widths
        stages, c = [], 3
        for w in enc:
            stages.append(nn.Sequential(ResidualBlock(c, w, stride=2), ResidualBlock(w, w)))
            c = w
        self.encoder = nn.ModuleList(stages)
        self.glance = Decoder(enc, cfg.glance_widths, PSP(enc[-1], cfg.glance_widths[0], cfg.psp_bins), 3)
        self.focus = Decoder(enc, cfg.focus_widths, Bridge(enc[-1], cfg.focus_widths[0]), 1)
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, image: torch.Tensor) -> GFMOutput:
        """``image`` (B, 3, H, W) RGB in [0, 1], H and W multiples of 32."""
        # contiguous: a channels-last view (e.g. a permuted numpy batch) crashes conv backward on CPU torch 2.13
        x = ((image - self.mean) / self.std).contiguous()
        feats = []
        for stage in self.encoder:
            x = stage(x)
            feats.append(x)
        size = tuple(image.shape[-2:])
        glance = self.glance(feats, size)
        focus = torch.sigmoid(self.focus(feats, size))
        return GFMOutput(glance, focus, collaborative_fusion(glance, focus))
