"""Training losses of Mask2Alpha: per stage, L1 + Laplacian-pyramid loss on the region that stage decided (its
uncertain set) and a confidence term that teaches the stage when it may commit; on the final alpha, L1 + Laplacian on
the sparse sites plus the composition loss over the trimap's unknown region."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn.functional as F

from .model import Mask2AlphaOutput

EPS = 1e-6
_GAUSS = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


@dataclass(frozen=True)
class LossWeights:
    l1: float = 1.0
    laplacian: float = 1.0
    composition: float = 1.0
    confidence: float = 0.5
    confidence_tolerance: float = 0.05  # a stage's pixel counts as "right" (target confidence 1) within this error
    pyramid_levels: int = 4


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (x * mask).sum() / (mask.sum() * x.shape[1] / mask.shape[1] + EPS)


def _blur(x: torch.Tensor) -> torch.Tensor:
    k = (_GAUSS[:, None] * _GAUSS[None, :]).to(x)[None, None]
    return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="replicate"), k)


def laplacian_loss(pred: torch.Tensor, gt: torch.Tensor, mask: torch.Tensor, levels: int) -> torch.Tensor:
    """Masked L1 between the Laplacian pyramids of two B x 1 x H x W maps, each level weighted 2^level."""
    total = pred.new_zeros(())
    for level in range(levels):
        if min(pred.shape[-2:]) < 4:
            break
        bp, bg = _blur(pred), _blur(gt)
        total = total + (2 ** level) * masked_mean((pred - bp - (gt - bg)).abs(), mask)
        pred, gt = F.avg_pool2d(bp, 2), F.avg_pool2d(bg, 2)
        mask = F.max_pool2d(mask, 2)
    return total


def composition_loss(alpha: torch.Tensor, image: torch.Tensor, fg: torch.Tensor, bg: torch.Tensor,
                     mask: torch.Tensor) -> torch.Tensor:
    comp = alpha * fg + (1 - alpha) * bg
    return masked_mean((comp - image).abs(), mask)


def mask2alpha_loss(out: Mask2AlphaOutput, gt: torch.Tensor, trimap: torch.Tensor, image: torch.Tensor,
                    fg: Optional[torch.Tensor] = None, bg: Optional[torch.Tensor] = None,
                    weights: LossWeights = LossWeights()) -> dict[str, torch.Tensor]:
    """``gt`` B x 1 x H x W alpha; ``image``/``fg``/``bg`` B x 3 x H x W in [0, 1]; returns the terms and ``total``."""
    w = weights
    terms: dict[str, torch.Tensor] = {}
    total = gt.new_zeros(())
    for i, (logits, uncertain) in enumerate(zip(out.stage_logits, out.stage_uncertain), start=1):
        gt_s = F.interpolate(gt, size=logits.shape[-2:], mode="area")
        m = uncertain.float()
        a = torch.sigmoid(logits[:, :1])
        right = ((a - gt_s).abs() < w.confidence_tolerance).float().detach()
        conf = F.binary_cross_entropy_with_logits(logits[:, 1:], right, reduction="none")
        terms[f"stage{i}_l1"] = masked_mean((a - gt_s).abs(), m)
        terms[f"stage{i}_laplacian"] = laplacian_loss(a, gt_s, m, w.pyramid_levels)
        terms[f"stage{i}_confidence"] = masked_mean(conf, m)
        total = total + w.l1 * terms[f"stage{i}_l1"] + w.laplacian * terms[f"stage{i}_laplacian"] \
            + w.confidence * terms[f"stage{i}_confidence"]
    sites = (out.sites if out.sites is not None else (trimap == 128)).float()
    terms["detail_l1"] = masked_mean((out.alpha - gt).abs(), sites)
    terms["detail_laplacian"] = laplacian_loss(out.alpha, gt, sites, w.pyramid_levels)
    total = total + w.l1 * terms["detail_l1"] + w.laplacian * terms["detail_laplacian"]
    if fg is not None and bg is not None:
        terms["composition"] = composition_loss(out.alpha, image, fg, bg, (trimap == 128).float())
        total = total + w.composition * terms["composition"]
    terms["total"] = total
    return terms
