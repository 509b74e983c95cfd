"""Losses as the papers define them.

* ISCN (DFIMat): 0.1 * CE(class) + BCE(mask) + Dice(mask), on the object query matched to the target (the one with
  the lowest mask cost), for every decoder stage (deep supervision, as Mask2Former).
* MRN (DFIMat Eq. 7): L1 over all pixels + lambda * L1 over the hardest 30% pixels (lambda = 1), for the fused alpha and
  each level's output.
* GFM: cross-entropy of the glance's 3-class map; alpha (sqrt-L1) + Laplacian loss of the focus alpha in the
  transition region; alpha + composition + Laplacian loss of the fused alpha over the image.
"""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F

CLASS_WEIGHT = 0.1
HARD_FRACTION = 0.3
HARD_WEIGHT = 1.0
ALPHA_EPS = 1e-6
LAPLACIAN_LEVELS = 5


def dice_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-sample dice loss over the trailing dims -> (B,)."""
    p = torch.sigmoid(logits).flatten(1)
    t = target.flatten(1)
    return 1 - (2 * (p * t).sum(1) + 1) / (p.sum(1) + t.sum(1) + 1)


def bce_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits.flatten(1), target.flatten(1), reduction="none").mean(1)


def iscn_loss(class_logits: list[torch.Tensor], mask_logits: list[torch.Tensor], target: torch.Tensor,
              class_weight: float = CLASS_WEIGHT) -> torch.Tensor:
    """``class_logits`` per stage (B, Q), ``mask_logits`` per stage (B, Q, h, w); ``target`` (B, H, W) in {0, 1};
    ``class_weight`` weighs the class term (which query answers the prompts) against the matched mask's."""
    total = torch.zeros((), device=target.device)
    for cls, masks in zip(class_logits, mask_logits):
        b, q, h, w = masks.shape
        t = F.interpolate(target[:, None].float(), size=(h, w), mode="bilinear", align_corners=False)[:, 0]
        tq = t[:, None].expand(b, q, h, w).reshape(b * q, h, w)
        m = masks.reshape(b * q, h, w)
        cost = (bce_loss(m, tq) + dice_loss(m, tq)).view(b, q)
        match = cost.detach().argmin(1)
        idx = torch.arange(b, device=target.device)
        total = total + class_weight * F.cross_entropy(cls, match) + cost[idx, match].mean()
    return total / len(class_logits)


def hard_l1(pred: torch.Tensor, gt: torch.Tensor, fraction: float = HARD_FRACTION,
            weight: float = HARD_WEIGHT) -> torch.Tensor:
    """L1 over all pixels + ``weight`` * L1 over the ``fraction`` of pixels with the largest error (per sample)."""
    err = (pred - gt).abs().flatten(1)
    k = max(1, int(round(err.shape[1] * fraction)))
    return err.mean() + weight * err.topk(k, dim=1).values.mean()


def mrn_loss(levels: list[torch.Tensor], gt: torch.Tensor) -> torch.Tensor:
    """``levels``: fused alpha and each level's alpha (B, 1, H, W); ``gt`` (B, 1, H, W)."""
    return sum(hard_l1(a, gt) for a in levels) / len(levels)


def _gauss_kernel(device, dtype) -> torch.Tensor:
    k = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0], device=device, dtype=dtype)
    k = torch.outer(k, k)
    return (k / k.sum())[None, None]


def laplacian_loss(pred: torch.Tensor, gt: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Sum over a 5-level Laplacian pyramid of 2^i-weighted L1 differences (GFM, from LapSRN / AIM)."""
    kernel = _gauss_kernel(pred.device, pred.dtype)
    if mask is not None:
        pred, gt = pred * mask, gt * mask
    total = torch.zeros((), device=pred.device)
    for i in range(LAPLACIAN_LEVELS):
        if min(pred.shape[-2:]) < 4:
            break
        bp = F.conv2d(F.pad(pred, (2, 2, 2, 2), mode="reflect"), kernel)
        bg = F.conv2d(F.pad(gt, (2, 2, 2, 2), mode="reflect"), kernel)
        total = total + (2 ** i) * F.l1_loss(pred - bp, gt - bg)
        pred, gt = bp[..., ::2, ::2], bg[..., ::2, ::2]
    return total


def alpha_loss(pred: torch.Tensor, gt: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
    diff = torch.sqrt((pred - gt) ** 2 + ALPHA_EPS)
    if mask is None:
        return diff.mean()
    return (diff * mask).sum() / (mask.sum() + 1.0)


def composition_loss(pred: torch.Tensor, gt: torch.Tensor, fg: torch.Tensor, bg: torch.Tensor) -> torch.Tensor:
    comp_p = pred * fg + (1 - pred) * bg
    comp_g = gt * fg + (1 - gt) * bg
    return torch.sqrt((comp_p - comp_g) ** 2 + ALPHA_EPS).mean()


def glance_target(alpha: torch.Tensor, width: int = 9) -> torch.Tensor:
    """(B, 1, H, W) alpha -> (B, H, W) long: 0 bg, 1 transition (soft alpha, dilated by ``width``), 2 fg."""
    soft = ((alpha > ALPHA_EPS) & (alpha < 1 - ALPHA_EPS)).float()
    k = width | 1
    trans = F.max_pool2d(soft, k, 1, k // 2) > 0
    label = torch.where(alpha >= 0.5, 2, 0)
    return torch.where(trans, 1, label)[:, 0].long()


def gfm_loss(glance: torch.Tensor, focus: torch.Tensor, fused: torch.Tensor, gt: torch.Tensor,
             fg: Optional[torch.Tensor] = None, bg: Optional[torch.Tensor] = None) -> torch.Tensor:
    """``glance`` (B, 3, H, W) logits; ``focus``/``fused``/``gt`` (B, 1, H, W); ``fg``/``bg`` (B, 3, H, W) optional."""
    target = glance_target(gt)
    trans = (target == 1).float()[:, None]
    loss = F.cross_entropy(glance, target)
    loss = loss + alpha_loss(focus, gt, trans) + laplacian_loss(focus, gt, trans)
    loss = loss + alpha_loss(fused, gt) + laplacian_loss(fused, gt)
    if fg is not None and bg is not None:
        loss = loss + composition_loss(fused, gt, fg, bg)
    return loss
