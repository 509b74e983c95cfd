"""NanoDet on a photo: preprocessing, the graph, and GFL box decoding into a :class:`DetectionField`.

Preprocessing is NanoDet's own (BGR, mean 103.53 / 116.28 / 123.675, std 57.375 / 57.12 / 58.395), not the RGB / 255
that vladmandic/human's ``src/object/nanodet.ts`` feeds: on scikit-image's photos NanoDet's normalisation scores the
named class clearly higher (decision 0700). The photo is fitted into the 416 x 416 input by a letterbox (aspect kept,
centred, the padding at the mean colour) and, unless ``fit`` says otherwise or the photo is square, also warped to
the full square as nanodet.ts does; the cells of both passes form one field. Boxes are decoded as NanoDet's GFL head
does (cell centre ``(i + 0.5) * stride``, each side the softmax-weighted mean of its 11 bins times the stride), where
nanodet.ts takes the arg-max bin instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

from .graph_spec import load_graph
from .specs import NANODET, NANODET_GRAPH
from .types import DetectionField

INPUT = 416
STRIDES = (8, 16, 32)
REG_BINS = 11  # reg_max 10: distances 0..10 strides
MEAN_BGR = np.array([103.53, 116.28, 123.675], np.float32)
STD_BGR = np.array([57.375, 57.12, 58.395], np.float32)
#: cells whose best class scores below this are dropped before decoding (NanoDet's own score_thr is 0.05)
KEEP_SCORE = 0.05
#: the graph's outputs by stride: (class scores, box distributions)
OUTPUTS = {8: ("Identity", "Identity_3"), 16: ("Identity_1", "Identity_4"), 32: ("Identity_2", "Identity_5")}


@dataclass(frozen=True)
class Placement:
    """Where the photo lies in the 416 x 416 input: input = image * scale + offset, per axis."""

    sx: float
    sy: float
    ox: float
    oy: float

    def to_image(self, boxes: np.ndarray) -> np.ndarray:
        out = boxes.copy()
        out[:, 0::2] = (out[:, 0::2] - self.ox) / self.sx
        out[:, 1::2] = (out[:, 1::2] - self.oy) / self.sy
        return out


def prepare(image: np.ndarray, fit: str) -> tuple[np.ndarray, Placement]:
    """The normalised 1 x 3 x 416 x 416 input (float32) of an RGB uint8 photo, and where the photo lies in it."""
    h, w = image.shape[:2]
    if fit == "warp":
        frame = cv2.resize(image, (INPUT, INPUT), interpolation=cv2.INTER_LINEAR).astype(np.float32)
        place = Placement(INPUT / w, INPUT / h, 0.0, 0.0)
    elif fit == "letterbox":
        s = INPUT / max(h, w)
        rw, rh = max(1, round(w * s)), max(1, round(h * s))
        interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
        frame = np.empty((INPUT, INPUT, 3), np.float32)
        frame[:] = MEAN_BGR[::-1]  # the mean colour: zero after normalisation
        ox, oy = (INPUT - rw) // 2, (INPUT - rh) // 2
        frame[oy:oy + rh, ox:ox + rw] = cv2.resize(image, (rw, rh), interpolation=interp)
        place = Placement(rw / w, rh / h, float(ox), float(oy))
    else:
        raise ValueError(f"unknown fit {fit!r} (warp or letterbox)")
    x = (frame[..., ::-1] - MEAN_BGR) / STD_BGR
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None], np.float32), place


def decode(outputs: dict[str, np.ndarray], keep_score: float = KEEP_SCORE) -> tuple[np.ndarray, np.ndarray]:
    """Boxes (N, 4) in input pixels and class scores (N, 80) of the cells whose best class reaches ``keep_score``."""
    boxes, scores = [], []
    for stride in STRIDES:
        cls_name, reg_name = OUTPUTS[stride]
        cls = outputs[cls_name].reshape(-1, outputs[cls_name].shape[-1])
        reg = outputs[reg_name].reshape(-1, 4, REG_BINS)
        n = INPUT // stride
        keep = np.flatnonzero(cls.max(1) >= keep_score)
        if keep.size == 0:
            continue
        ys, xs = np.divmod(keep, n)
        cx, cy = (xs + 0.5) * stride, (ys + 0.5) * stride
        logits = reg[keep].astype(np.float64)
        p = np.exp(logits - logits.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        dist = (p * np.arange(REG_BINS)).sum(-1) * stride  # left, top, right, bottom
        b = np.stack([cx - dist[:, 0], cy - dist[:, 1], cx + dist[:, 2], cy + dist[:, 3]], 1)
        boxes.append(np.clip(b, 0, INPUT))
        scores.append(cls[keep])
    if not boxes:
        return np.zeros((0, 4), np.float32), np.zeros((0, 80), np.float32)
    return np.concatenate(boxes).astype(np.float32), np.concatenate(scores).astype(np.float32)


class NanoDet:
    """The shipped detector: ``detect(image)`` -> every candidate box with its 80 class scores."""

    def __init__(self, device: str = "cpu", fit: str = "both", net: torch.nn.Module | None = None):
        if fit not in ("both", "warp", "letterbox"):
            raise ValueError(f"unknown fit {fit!r} (both, warp or letterbox)")
        self.device = torch.device(device)
        self.fit = fit
        self.net = (net if net is not None else load_graph(NANODET_GRAPH, NANODET)).to(self.device)

    def raw(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """The graph's outputs for a prepared input."""
        out = self.net(torch.from_numpy(x).to(self.device))
        return {k: v.float().cpu().numpy() for k, v in out.items()}

    def detect(self, image: np.ndarray) -> DetectionField:
        h, w = image.shape[:2]
        fits = ("letterbox", "warp") if self.fit == "both" else (self.fit,)
        if abs(w - h) <= 0.02 * max(w, h):
            fits = fits[:1]  # a square photo: both fits give the same input
        boxes, scores = [], []
        for fit in fits:
            x, place = prepare(image, fit)
            b, s = decode(self.raw(x))
            b = place.to_image(b)
            b[:, 0::2] = np.clip(b[:, 0::2], 0, w - 1)
            b[:, 1::2] = np.clip(b[:, 1::2], 0, h - 1)
            boxes.append(b)
            scores.append(s)
        return DetectionField(np.concatenate(boxes).astype(np.float32), np.concatenate(scores))
