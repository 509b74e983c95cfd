"""The MRN network: image (3) + coarse mask (1) -> alpha at strides 8, 4 and 1 and their PRM fusion.

* local branch: a CNN of four stride-2 stages (strides 2..16) on the full-resolution input;
* global branch: transformer blocks over patches of the input resized to ``global_size`` (the whole-object view);
* feature assembling: the global tokens, resized to the stride-16 grid, are concatenated with the local features;
* progressive fusion from low to high resolution with the local skips; alpha heads at strides 8, 4 and 1;
* PRM at the top two levels (widths 15 and 7 px)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..nn.attention import TransformerBlock
from ..nn.layers import ResidualBlock, UpFuse, conv_bn_act
from ..nn.posenc import sine_encoding_2d
from .config import MRNConfig
from .prm import progressive_refine

IN_CHANNELS = 4
MEAN = 0.5
STD = 0.25


@dataclass
class MRNOutput:
    alpha: torch.Tensor  # (B, 1, H, W) PRM fusion
    os8: torch.Tensor
    os4: torch.Tensor
    os1: torch.Tensor

    def levels(self) -> list[torch.Tensor]:
        return [self.alpha, self.os8, self.os4, self.os1]


class GlobalBranch(nn.Module):
    def __init__(self, cfg: MRNConfig):
        super().__init__()
        self.size = cfg.global_size
        self.embed = nn.Conv2d(IN_CHANNELS, cfg.global_dim, cfg.global_patch, cfg.global_patch)
        self.blocks = nn.ModuleList(TransformerBlock(cfg.global_dim, cfg.global_heads) for _ in range(cfg.global_depth))
        self.norm = nn.LayerNorm(cfg.global_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, size=(self.size, self.size), mode="bilinear", align_corners=False)
        x = self.embed(x)
        b, c, h, w = x.shape
        pos = sine_encoding_2d(h, w, c, x.device).flatten(2).transpose(1, 2)
        t = x.flatten(2).transpose(1, 2)
        for blk in self.blocks:
            t = blk(t, pos)
        return self.norm(t).transpose(1, 2).reshape(b, c, h, w)




def _alpha(x: torch.Tensor) -> torch.Tensor:
    return (torch.tanh(x) + 1.0) / 2.0  # MGMatting's output activation


class MRN(nn.Module):
    def __init__(self, cfg: MRNConfig):
        super().__init__()
        self.cfg = cfg
        lw, dw = cfg.local_widths, cfg.decoder_widths
        self.stem = conv_bn_act(IN_CHANNELS, dw[3])  # full-resolution skip
        c_in, stages = IN_CHANNELS, []
        for w in lw:
            stages.append(nn.Sequential(ResidualBlock(c_in, w, stride=2), ResidualBlock(w, w)))
            c_in = w
        self.local = nn.ModuleList(stages)
        self.global_branch = GlobalBranch(cfg)
        self.assemble = conv_bn_act(lw[3] + cfg.global_dim, lw[3], kernel=1)
        self.up8 = UpFuse(lw[3], lw[2], dw[0])
        self.up4 = UpFuse(dw[0], lw[1], dw[1])
        self.up2 = UpFuse(dw[1], lw[0], dw[2])
        self.up1 = UpFuse(dw[2], dw[3], dw[3])
        self.head8 = nn.Conv2d(dw[0], 1, 3, padding=1)
        self.head4 = nn.Conv2d(dw[1], 1, 3, padding=1)
        self.head1 = nn.Conv2d(dw[3], 1, 3, padding=1)

    def forward(self, image: torch.Tensor, coarse: torch.Tensor) -> MRNOutput:
        """``image`` (B, 3, H, W) in [0, 1], ``coarse`` (B, 1, H, W) in [0, 1]; H, W multiples of 16."""
        x = ((torch.cat([image, coarse], 1) - MEAN) / STD).contiguous()
        skips = []
        f = x
        for stage in self.local:
            f = stage(f)
            skips.append(f)
        g = F.interpolate(self.global_branch(x), size=f.shape[-2:], mode="bilinear", align_corners=False)
        f = self.assemble(torch.cat([f, g], 1))
        size = image.shape[-2:]

        def up(t: torch.Tensor) -> torch.Tensor:
            return F.interpolate(t, size=size, mode="bilinear", align_corners=False)

        d8 = self.up8(f, skips[2])
        d4 = self.up4(d8, skips[1])
        d1 = self.up1(self.up2(d4, skips[0]), self.stem(x))
        os8, os4, os1 = _alpha(up(self.head8(d8))), _alpha(up(self.head4(d4))), _alpha(self.head1(d1))
        return MRNOutput(progressive_refine(os8, [os4, os1], self.cfg.prm_widths), os8, os4, os1)
