"""SAM's input frame: the image resized so that its long side is 1024 (PIL bilinear, as segment-anything's
``ResizeLongestSide``), normalised with SAM's pixel statistics, padded right/bottom to 1024 x 1024; prompts scaled
into it; low-resolution logits (256 x 256 over the padded frame) scaled back to the image (bilinear to 1024, crop,
bilinear to the image's size, as ``Sam.postprocess_masks``)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .model import IMAGE_SIZE, PIXEL_MEAN, PIXEL_STD

LOW_RES = IMAGE_SIZE // 4  # the decoder's mask resolution
PROB_EPS = 1e-4


@dataclass(frozen=True)
class SamFrame:
    height: int
    width: int
    size: int = IMAGE_SIZE

    @property
    def scale(self) -> float:
        return self.size / max(self.height, self.width)

    @property
    def resized(self) -> tuple[int, int]:
        """(h, w) of the resized image inside the frame (``int(x + 0.5)``, as segment-anything rounds)."""
        return int(self.height * self.scale + 0.5), int(self.width * self.scale + 0.5)

    def tensor(self, rgb: np.ndarray) -> np.ndarray:
        """H x W x 3 uint8 RGB -> (1, 3, size, size) float32, normalised, zero-padded after normalising."""
        h, w = self.resized
        resized = np.array(Image.fromarray(np.ascontiguousarray(rgb)).resize((w, h), Image.BILINEAR))
        x = (torch.from_numpy(np.ascontiguousarray(resized)).permute(2, 0, 1).float()
             - torch.tensor(PIXEL_MEAN).view(-1, 1, 1)) / torch.tensor(PIXEL_STD).view(-1, 1, 1)
        return F.pad(x, (0, self.size - w, 0, self.size - h))[None].numpy()

    def coords(self, xy: np.ndarray) -> np.ndarray:
        """Image pixels (..., 2) -> frame pixels (segment-anything's ``apply_coords``)."""
        h, w = self.resized
        out = np.array(xy, np.float64, copy=True)
        out[..., 0] *= w / self.width
        out[..., 1] *= h / self.height
        return out

    def upscale(self, low_res: torch.Tensor) -> torch.Tensor:
        """(B, C, 256, 256) logits over the padded frame -> (B, C, H, W) over the image."""
        h, w = self.resized
        x = F.interpolate(low_res, (self.size, self.size), mode="bilinear", align_corners=False)[..., :h, :w]
        return F.interpolate(x, (self.height, self.width), mode="bilinear", align_corners=False)

    def mask_input(self, prob: np.ndarray) -> np.ndarray:
        """An H x W probability map (e.g. the previous round of another back-end) -> (256, 256) logits over the padded
        frame, for the decoder's ``mask_input``."""
        h, w = self.resized
        frame = np.zeros((self.size, self.size), np.float32)
        interp = cv2.INTER_AREA if self.scale < 1 else cv2.INTER_LINEAR
        frame[:h, :w] = cv2.resize(prob.astype(np.float32), (w, h), interpolation=interp)
        p = np.clip(cv2.resize(frame, (LOW_RES, LOW_RES), interpolation=cv2.INTER_AREA), PROB_EPS, 1 - PROB_EPS)
        return np.log(p / (1 - p)).astype(np.float32)

    def class_mask(self, labels: np.ndarray, value: int) -> np.ndarray:
        """``labels == value`` at the resized image's size (bool); thin regions survive a downscale."""
        h, w = self.resized
        m = (labels == value).astype(np.uint8) * 255
        interp = cv2.INTER_AREA if self.scale < 1 else cv2.INTER_NEAREST
        return cv2.resize(m, (w, h), interpolation=interp) > 0
