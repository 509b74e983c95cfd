"""Runtime helpers shared by the predictors: device choice, resizing into a padded square frame and back."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

from ..protocol import BackendError


def keep_one(cache: dict, key, build):
    """``cache[key]``, made by ``build()`` when missing. The cache holds one entry: a loaded model is let go before
    the next one is built, so two never sit in memory together."""
    if key not in cache:
        cache.clear()
        cache[key] = build()
    return cache[key]


def resolve_device(device: str) -> torch.device:
    """``cpu``, ``cuda`` or ``auto`` (cuda when available, else cpu)."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise BackendError("device 'cuda' was asked for but no CUDA GPU is available (use --device cpu or auto)")
    if device not in ("cpu", "cuda"):
        raise BackendError(f"unknown device '{device}' (use cpu, cuda or auto)")
    return torch.device(device)


@dataclass(frozen=True)
class Frame:
    """An H x W image resized by ``scale`` to (rh, rw) and padded right/bottom to ``size`` x ``size``."""

    height: int
    width: int
    size: int

    @property
    def scale(self) -> float:
        return self.size / max(self.height, self.width)

    @property
    def resized(self) -> tuple[int, int]:
        return (max(1, round(self.height * self.scale)), max(1, round(self.width * self.scale)))

    def image(self, rgb: np.ndarray) -> np.ndarray:
        rh, rw = self.resized
        out = np.zeros((self.size, self.size, 3), np.float32)
        interp = cv2.INTER_AREA if self.scale < 1 else cv2.INTER_LINEAR
        out[:rh, :rw] = cv2.resize(rgb, (rw, rh), interpolation=interp)
        return out

    def map(self, array: np.ndarray, nearest: bool = False, fill: float = 0.0) -> np.ndarray:
        """An H x W map into the frame (nearest for labels)."""
        rh, rw = self.resized
        out = np.full((self.size, self.size), fill, np.float32)
        interp = cv2.INTER_NEAREST if nearest else (cv2.INTER_AREA if self.scale < 1 else cv2.INTER_LINEAR)
        out[:rh, :rw] = cv2.resize(array.astype(np.float32), (rw, rh), interpolation=interp)
        return out

    def back(self, frame_map: np.ndarray) -> np.ndarray:
        """A map over the frame (any square resolution) -> H x W at the image's size (bilinear)."""
        k = frame_map.shape[0] / self.size
        rh, rw = self.resized
        crop = frame_map[: max(1, round(rh * k)), : max(1, round(rw * k))]
        return cv2.resize(crop.astype(np.float32), (self.width, self.height), interpolation=cv2.INTER_LINEAR)


def image_tensor(frame_rgb: np.ndarray, device: torch.device) -> torch.Tensor:
    """H x W x 3 float (0..255) -> (1, 3, H, W) tensor on ``device``."""
    return torch.from_numpy(np.ascontiguousarray(frame_rgb.transpose(2, 0, 1)))[None].to(device)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))).astype(np.float32)
