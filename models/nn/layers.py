"""Small layers: 2-D layer norm, MLP, conv-norm-activation."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class LayerNorm2d(nn.Module):
    """Layer norm over the channels of a B x C x H x W map (segment-anything's ``LayerNorm2d``: weight, bias)."""

    def __init__(self, channels: int, eps: float = 1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + self.eps)
        return self.weight[:, None, None] * x + self.bias[:, None, None]


class MLP(nn.Module):
    """``layers`` linear layers with ReLU between them (Mask2Former's mask-embedding head)."""

    def __init__(self, dim_in: int, dim_hidden: int, dim_out: int, layers: int):
        super().__init__()
        dims = [dim_in] + [dim_hidden] * (layers - 1) + [dim_out]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = torch.relu(x)
        return x


def conv_bn_act(c_in: int, c_out: int, stride: int = 1, kernel: int = 3, groups: int = 1,
                act: bool = True) -> nn.Sequential:
    """Conv (no bias) + BatchNorm + ReLU."""
    layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, groups=groups, bias=False),
                               nn.BatchNorm2d(c_out)]
    if act:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class ResidualBlock(nn.Module):
    """Basic residual block (two 3x3 convs), optional stride-2 downsampling."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1):
        super().__init__()
        self.body = nn.Sequential(conv_bn_act(c_in, c_out, stride), conv_bn_act(c_out, c_out, act=False))
        self.skip = (nn.Identity() if stride == 1 and c_in == c_out
                     else conv_bn_act(c_in, c_out, stride, kernel=1, act=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.skip(x))


class UpFuse(nn.Module):
    """Upsample to the skip's size, concatenate the skip, two conv-BN-ReLU (decoder step of U-Net-style networks)."""

    def __init__(self, c_in: int, c_skip: int, c_out: int):
        super().__init__()
        self.body = nn.Sequential(conv_bn_act(c_in + c_skip, c_out), conv_bn_act(c_out, c_out))

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
        return self.body(torch.cat([x, skip], 1))
