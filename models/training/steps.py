"""One training step per network: batch -> loss (a scalar tensor). Batches are plain dataclasses of tensors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch

from ..gfm.network import GFM
from ..iscn.network import ISCN, PromptTensors
from ..mrn.network import MRN
from .losses import CLASS_WEIGHT, gfm_loss, iscn_loss, mrn_loss


@dataclass
class ISCNBatch:
    image: torch.Tensor  # (B, 3, S, S) RGB 0..255
    target: torch.Tensor  # (B, S, S) {0, 1}
    prompts: PromptTensors
    conflict_one_hot: Optional[torch.Tensor] = None  # (B, 3, S, S)
    prev_mask_logits: Optional[torch.Tensor] = None  # (B, 1, S/4, S/4)


@dataclass
class MattingBatch:
    image: torch.Tensor  # (B, 3, H, W) RGB in [0, 1]
    alpha: torch.Tensor  # (B, 1, H, W)
    coarse: Optional[torch.Tensor] = None  # (B, 1, H, W) coarse mask (MRN input)
    fg: Optional[torch.Tensor] = None
    bg: Optional[torch.Tensor] = None


def iscn_step(net: ISCN, batch: ISCNBatch, class_weight: float = CLASS_WEIGHT) -> torch.Tensor:
    out = net(batch.image, batch.prompts, batch.conflict_one_hot, batch.prev_mask_logits)
    return iscn_loss(out.class_logits, out.mask_logits, batch.target, class_weight)


def mrn_step(net: MRN, batch: MattingBatch) -> torch.Tensor:
    if batch.coarse is None:
        raise ValueError("the MRN needs a coarse mask in its batch")
    return mrn_loss(net(batch.image, batch.coarse).levels(), batch.alpha)


def gfm_step(net: GFM, batch: MattingBatch) -> torch.Tensor:
    out = net(batch.image)
    return gfm_loss(out.glance, out.focus, out.fused, batch.alpha, batch.fg, batch.bg)
