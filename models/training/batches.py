"""Numpy samples -> tensor batches: ISCN rounds in the network's square frame, refiner crops around the edges."""

from __future__ import annotations

from typing import Callable, Optional

import cv2
import numpy as np
import torch

from ..iscn.crm import conflict_one_hot
from ..iscn.network import ISCN, PromptTensors
from ..iscn.sampler import prompt_points
from ..nn.runtime import Frame
from .samples import MatteSample, SegmentSample
from .steps import ISCNBatch, MattingBatch

PROB_EPS = 1e-4
MASK_STRIDE = 4


def iscn_batch(net: ISCN, samples: list[SegmentSample], tokenizer: Optional[Callable],
               size: Optional[int] = None) -> ISCNBatch:
    """Samples of one kind (all with text or all without) -> an ISCN batch at ``size`` (default the network's
    ``input_size``; a multiple of 16)."""
    cfg = net.cfg
    size = int(size or cfg.input_size)
    images, targets, conflicts, prevs, pts = [], [], [], [], []
    for s in samples:
        frame = Frame(s.image.shape[0], s.image.shape[1], size)
        images.append(frame.image(s.image).transpose(2, 0, 1))
        targets.append(frame.map(s.target.astype(np.float32)) >= 0.5)
        conflicts.append(frame.map(s.conflict, nearest=True).astype(np.int64))
        pts.append(prompt_points(s.prompts, frame.scale, size, cfg.points_per_stroke, cfg.box_border,
                                 cfg.box_interior, cfg.max_prompt_tokens))
        if s.prev_prob is not None:
            low = size // MASK_STRIDE
            p = np.clip(frame.map(s.prev_prob), PROB_EPS, 1 - PROB_EPS)
            p = p.reshape(low, MASK_STRIDE, low, MASK_STRIDE).mean((1, 3))
            prevs.append(np.log(p / (1 - p)).astype(np.float32))
    n = max(1, max(len(p) for p in pts))
    b = len(samples)
    xy = np.zeros((b, n, 2), np.float32)
    pos = np.zeros((b, n), bool)
    kind = np.zeros((b, n), np.int64)
    valid = np.zeros((b, n), bool)
    for i, p in enumerate(pts):
        k = len(p)
        xy[i, :k], pos[i, :k], kind[i, :k], valid[i, :k] = p.xy, p.positive, p.kind, True
    text = None
    if samples[0].prompts.texts:
        if tokenizer is None:
            raise ValueError("text samples need a tokenizer")
        text = tokenizer([" ".join(s.prompts.texts) for s in samples])
    prompts = PromptTensors(torch.from_numpy(xy), torch.from_numpy(pos), torch.from_numpy(kind),
                            torch.from_numpy(valid), text)
    prev = torch.from_numpy(np.stack(prevs))[:, None] if len(prevs) == b else None
    return ISCNBatch(torch.from_numpy(np.stack(images)).float().contiguous(),
                     torch.from_numpy(np.stack(targets)).float(), prompts,
                     conflict_one_hot(torch.from_numpy(np.stack(conflicts))), prev)


def to_device(obj, device: torch.device):
    """A batch dataclass (nested dataclasses of tensors) with every tensor moved to ``device``."""
    import dataclasses

    if torch.is_tensor(obj):
        return obj.to(device, non_blocking=True)
    if dataclasses.is_dataclass(obj):
        return dataclasses.replace(obj, **{f.name: to_device(getattr(obj, f.name), device)
                                           for f in dataclasses.fields(obj)})
    return obj


def frame_probs(net: ISCN, batch: ISCNBatch) -> np.ndarray:
    """Probability of the selected query at the frame size (B, S, S), without gradients."""
    from ..iscn.network import select_query

    was = net.training
    net.eval()
    batch = to_device(batch, next(net.parameters()).device)
    with torch.no_grad():
        out = net(batch.image, batch.prompts, batch.conflict_one_hot, batch.prev_mask_logits)
        q = select_query(out)
        logits = out.final_masks[torch.arange(len(q)), q][:, None]
        prob = torch.sigmoid(torch.nn.functional.interpolate(logits, size=batch.image.shape[-2:],
                                                             mode="bilinear", align_corners=False))[:, 0]
    net.train(was)
    return prob.float().cpu().numpy()


def to_image(prob_frame: np.ndarray, height: int, width: int) -> np.ndarray:
    """A frame-sized map back to the image's H x W."""
    return np.clip(Frame(height, width, prob_frame.shape[0]).back(prob_frame), 0.0, 1.0)


def _edge_crop(rng: np.random.Generator, alpha: np.ndarray, size: int) -> tuple[int, int]:
    h, w = alpha.shape
    soft = (alpha > 0.02) & (alpha < 0.98)
    ys, xs = np.nonzero(soft)
    if len(xs) and rng.random() < 0.8:
        i = int(rng.integers(len(xs)))
        cy, cx = int(ys[i]), int(xs[i])
    else:
        cy, cx = int(rng.integers(h)), int(rng.integers(w))
    y0 = int(np.clip(cy - size // 2, 0, max(0, h - size)))
    x0 = int(np.clip(cx - size // 2, 0, max(0, w - size)))
    return y0, x0


def _pad(x: np.ndarray, size: int) -> np.ndarray:
    h, w = x.shape[:2]
    pad = ((0, max(0, size - h)), (0, max(0, size - w))) + ((0, 0),) * (x.ndim - 2)
    return np.pad(x, pad, mode="edge")[:size, :size]


def matting_batch(samples: list[MatteSample], crop: int, rng: np.random.Generator) -> MattingBatch:
    """Random ``crop`` x ``crop`` windows (mostly centred on soft edges) -> an MRN/GFM batch, images in [0, 1]."""
    imgs, alphas, coarse, fgs, bgs = [], [], [], [], []
    for s in samples:
        y0, x0 = _edge_crop(rng, s.alpha, crop)
        win = (slice(y0, y0 + crop), slice(x0, x0 + crop))
        imgs.append(_pad(s.image[win].astype(np.float32) / 255.0, crop).transpose(2, 0, 1))
        alphas.append(_pad(s.alpha[win], crop)[None])
        coarse.append(_pad(s.coarse[win], crop)[None])
        if s.fg is not None and s.bg is not None:
            fgs.append(_pad(s.fg[win] / 255.0, crop).transpose(2, 0, 1))
            bgs.append(_pad(s.bg[win] / 255.0, crop).transpose(2, 0, 1))

    def t(a: list) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(np.stack(a))).float().contiguous()

    both = len(fgs) == len(samples)
    return MattingBatch(t(imgs), t(alphas), t(coarse), t(fgs) if both else None, t(bgs) if both else None)


def blur_mask(mask: np.ndarray, sigma: float = 1.5) -> np.ndarray:
    return np.clip(cv2.GaussianBlur(mask.astype(np.float32), (0, 0), sigma), 0.0, 1.0)
