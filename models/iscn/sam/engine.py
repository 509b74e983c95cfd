"""The torch engine of the ISCN over SAM: encode once (with progress and cancel between the encoder's blocks), decode
a prompt set into SAM's four low-resolution masks and their predicted IoU. The ONNX engine
(:mod:`.onnx_engine`) has the same two methods."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch

from ...protocol import CancelFn, ProgressFn, check_cancel
from .frame import SamFrame
from .model import SamModel


@dataclass(frozen=True)
class DecoderInput:
    """One prompt set in the 1024 frame's pixels (segment-anything's ``predict`` after ``apply_coords``)."""

    coords: Optional[np.ndarray]  # (N, 2)
    labels: Optional[np.ndarray]  # (N,) 1 / 0
    box: Optional[np.ndarray]  # (4,)
    mask_input: Optional[np.ndarray]  # (256, 256) logits of a previous round


@dataclass
class Decoded:
    low_res: np.ndarray  # (C, 256, 256) logits over the padded frame
    iou: np.ndarray  # (C,) predicted IoU
    masks: Optional[np.ndarray] = None  # (C, H, W) logits over the image, when the engine upscales itself


def encode_progress(progress: ProgressFn, cancel: CancelFn, what: str):
    """A per-block callback for an encoder: progress from 5 % to 90 % of the round, and cancellation."""
    def step(done: int, total: int) -> None:
        check_cancel(cancel)
        progress(0.05 + 0.85 * done / total, f"encoding the image ({what}, once per image)")
    return step


class TorchEngine:
    def __init__(self, model: SamModel, device: torch.device, fingerprint: str, label: str):
        self.model = model.to(device).eval()
        self.device = device
        self.fingerprint = fingerprint  # identifies the weights for the process-wide embedding cache
        self.label = label

    def encode(self, image: np.ndarray, progress: ProgressFn, cancel: CancelFn) -> torch.Tensor:
        """(1, 3, 1024, 1024) normalised frame -> (1, 256, 64, 64) image embedding."""
        x = torch.from_numpy(image).to(self.device)
        with torch.inference_mode():
            return self.model.encode(x, encode_progress(progress, cancel, self.label))

    def decode(self, embedding: torch.Tensor, inp: DecoderInput, frame: SamFrame) -> Decoded:  # noqa: ARG002
        dev = self.device
        coords = labels = box = mask = None
        if inp.coords is not None and len(inp.coords):
            coords = torch.as_tensor(inp.coords, dtype=torch.float, device=dev)[None]
            labels = torch.as_tensor(inp.labels, dtype=torch.int, device=dev)[None]
        if inp.box is not None:
            box = torch.as_tensor(inp.box, dtype=torch.float, device=dev)[None]
        if inp.mask_input is not None:
            mask = torch.as_tensor(inp.mask_input, dtype=torch.float, device=dev)[None, None]
        with torch.inference_mode():
            low, iou = self.model.decode(embedding, coords, labels, box, mask)
        return Decoded(low[0].float().cpu().numpy(), iou[0].float().cpu().numpy())

    def decode_points(self, embedding: torch.Tensor, coords: np.ndarray,
                      labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A batch of single-point prompts (B, 1, 2) -> (B, 4, 256, 256) logits, (B, 4) IoU (automatic candidates)."""
        c = torch.as_tensor(coords, dtype=torch.float, device=self.device)
        lab = torch.as_tensor(labels, dtype=torch.int, device=self.device)
        with torch.inference_mode():
            low, iou = self.model.decode(embedding, c, lab, None, None)
        return low.float().cpu().numpy(), iou.float().cpu().numpy()

    def add(self, embedding: torch.Tensor, extra: torch.Tensor) -> torch.Tensor:
        return embedding + extra.to(embedding.device, embedding.dtype)
