"""The Mask2Alpha network: mask-guided encoding, iterative decoding 1/8 -> 1/4 -> 1 with committed pixels, and sparse
full-resolution detail recovery over the pixels that are still undecided.

Every full-resolution pixel carries a state that only moves forward: UNDECIDED -> FG / BG / DETAIL. The trimap's
known pixels start committed; after each dense stage, undecided pixels whose confidence reaches the stage's threshold
are committed with that stage's alpha and are never written again; the rest (confidence-guided sampling) go on to the
next stage. The last stage commits every remaining pixel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import torch
import torch.nn.functional as F
from torch import nn

from .config import Mask2AlphaConfig
from .decoder import Stage4, Stage8
from .encoder import STRIDE, MaskGuidedEncoder
from .regions import BG, DETAIL, FG, UNDECIDED, initial_state, trimap_planes
from .sparse import SparseBackend, SparseDetailNet

SITE_INPUTS = 3 + 1 + 1  # RGB, previous alpha logit, previous confidence; plus the stage-2 features
LOGIT_CLAMP = 8.0
StepFn = Callable[[float, str], None]


def _logit(p: torch.Tensor) -> torch.Tensor:
    return torch.logit(p.clamp(1e-4, 1 - 1e-4)).clamp(-LOGIT_CLAMP, LOGIT_CLAMP)


@dataclass
class Mask2AlphaOutput:
    alpha: torch.Tensor  # B x 1 x H x W in [0, 1]
    state: torch.Tensor  # B x 1 x H x W uint8 final states (no UNDECIDED left)
    stage_logits: list[torch.Tensor]  # dense stages' B x 2 x h x w (alpha, confidence) logits on the working image
    stage_uncertain: list[torch.Tensor]  # B x 1 x h x w bool: pixels still undecided when each dense stage ran
    working_image: torch.Tensor  # B x 3 x h x w: the image the dense stages saw
    undecided_counts: list[int]  # full-resolution undecided pixels entering stage 1, 2 and the sparse stage
    num_sites: int  # sparse sites of the detail stage (undecided pixels dilated)
    sites: Optional[torch.Tensor] = None  # B x 1 x H x W bool, the sparse site set
    trace: list[tuple[torch.Tensor, torch.Tensor]] = field(default_factory=list)  # (state, alpha) after each stage


class Mask2AlphaNet(nn.Module):
    def __init__(self, cfg: Mask2AlphaConfig):
        super().__init__()
        self.cfg = cfg
        _, c4, c8 = cfg.widths
        self.encoder = MaskGuidedEncoder(cfg)
        self.stage8 = Stage8(c8)
        self.stage4 = Stage4(c4, c8, cfg.decoder_width)
        self.detail = SparseDetailNet(SITE_INPUTS + cfg.decoder_width, cfg.sparse)

    def working_size(self, H: int, W: int) -> tuple[int, int]:
        s = min(1.0, self.cfg.max_side / max(H, W))
        return max(STRIDE, round(H * s / STRIDE) * STRIDE), max(STRIDE, round(W * s / STRIDE) * STRIDE)

    def _commit(self, state, alpha, a_up, c_up, threshold) -> tuple[torch.Tensor, torch.Tensor]:
        commit = (state == UNDECIDED) & (c_up >= threshold)
        alpha = torch.where(commit, a_up, alpha)
        m = self.cfg.solid_margin
        new = torch.where(a_up >= 1 - m, FG, torch.where(a_up <= m, BG, DETAIL)).to(torch.uint8)
        return torch.where(commit, new, state), alpha

    def forward(self, image: torch.Tensor, prob: torch.Tensor, trimap: torch.Tensor,
                backend: SparseBackend = "auto", trace: bool = False,
                step: Optional[StepFn] = None) -> Mask2AlphaOutput:
        """``image`` B x 3 x H x W float in [0, 1]; ``prob`` B x 1 x H x W float; ``trimap`` B x 1 x H x W uint8."""
        step = step or (lambda f, m: None)
        B, _, H, W = image.shape
        size_w = self.working_size(H, W)
        down = size_w[0] < H
        img_w = F.interpolate(image, size=size_w, mode="bilinear", align_corners=False, antialias=down)
        prob_w = F.interpolate(prob, size=size_w, mode="bilinear", align_corners=False, antialias=down)
        planes_w = trimap_planes(F.interpolate(trimap.float(), size=size_w, mode="nearest").to(torch.uint8))
        step(0.05, "encoding")
        enc = self.encoder(img_w, prob_w, planes_w)
        out8 = self.stage8(enc.f8)
        out4, feats4 = self.stage4(enc.f4, enc.f8, out8)
        step(0.3, "decoding")

        state, alpha = initial_state(trimap)
        counts, uncertain, traces = [], [], []
        a_up = c_up = None
        for logits, threshold in zip((out8, out4), self.cfg.commit_confidence):
            undecided = state == UNDECIDED
            counts.append(int(undecided.sum()))
            uncertain.append(F.interpolate(undecided.float(), size=logits.shape[-2:], mode="area") > 0)
            up = F.interpolate(logits, size=(H, W), mode="bilinear", align_corners=False)
            a_up, c_up = torch.sigmoid(up[:, :1]), torch.sigmoid(up[:, 1:])
            del up
            state, alpha = self._commit(state, alpha, a_up, c_up, threshold)
            if trace:
                traces.append((state.clone(), alpha.detach().clone()))
        step(0.4, "detail recovery")

        undecided = state == UNDECIDED
        counts.append(int(undecided.sum()))
        r = self.cfg.sparse.site_dilation
        sites = F.max_pool2d(undecided.float(), 2 * r + 1, 1, r) > 0 if r > 0 else undecided
        coords = sites.nonzero()[:, (0, 2, 3)]
        b, y, x = coords.unbind(1)
        feats = self._site_features(image, feats4, a_up, c_up, coords, (H, W))
        out = self.detail(feats, coords, (H, W), B, backend,
                          tick=lambda f: step(0.4 + 0.55 * f, "refining details"))
        prev = a_up[b, 0, y, x]
        fine = torch.sigmoid(_logit(prev) + out[:, 0])
        blended = prev + torch.sigmoid(out[:, 1]) * (fine - prev)
        write = undecided[b, 0, y, x]
        wb, wy, wx = b[write], y[write], x[write]
        alpha = alpha.index_put((wb, torch.zeros_like(wb), wy, wx), blended[write])
        state = self._commit(state, alpha, alpha, torch.ones_like(alpha), 0.5)[0]
        if trace:
            traces.append((state.clone(), alpha.detach().clone()))
        step(1.0, "done")
        return Mask2AlphaOutput(alpha.clamp(0, 1), state, [out8, out4], uncertain, img_w, counts,
                                int(coords.shape[0]), sites, traces)

    @staticmethod
    def _site_features(image, feats4, a_up, c_up, coords, size) -> torch.Tensor:
        """Per-site inputs: RGB, the last dense stage's alpha logit and confidence, its features sampled there."""
        H, W = size
        b, y, x = coords.unbind(1)
        rgb = image[b, :, y, x] * 2.0 - 1.0
        prev = torch.stack([_logit(a_up[b, 0, y, x]) / LOGIT_CLAMP, c_up[b, 0, y, x] * 2.0 - 1.0], 1)
        sampled = feats4.new_zeros(coords.shape[0], feats4.shape[1])
        for i in range(feats4.shape[0]):
            sel = (b == i).nonzero()[:, 0]
            if len(sel) == 0:
                continue
            gx = (x[sel].to(feats4.dtype) + 0.5) / W * 2 - 1
            gy = (y[sel].to(feats4.dtype) + 0.5) / H * 2 - 1
            grid = torch.stack([gx, gy], 1)[None, None]  # 1 x 1 x n x 2
            s = F.grid_sample(feats4[i:i + 1], grid, mode="bilinear", align_corners=False)
            sampled = sampled.index_put((sel,), s[0, :, 0].T)
        return torch.cat([rgb, prev, sampled], 1)
