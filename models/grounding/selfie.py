"""MediaPipe Selfie Segmentation on a crop: the person probability of a box, at the box's own resolution.

The network takes 256 x 256 RGB in [0, 1] (as ``src/segmentation/selfie.ts`` of vladmandic/human feeds it); a crop
is warped to that square and the probability warped back, bilinearly both ways.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

from .graph_spec import load_graph
from .specs import SELFIE, SELFIE_GRAPH

INPUT = 256


def crop_region(box: tuple[float, float, float, float], width: int, height: int,
                margin: float = 0.1) -> tuple[int, int, int, int]:
    """The pixel region (x0, y0, x1, y1; exclusive ends) of ``box`` grown by ``margin`` of its sides, clipped."""
    x0, y0, x1, y1 = box
    mx, my = margin * (x1 - x0), margin * (y1 - y0)
    xa, ya = max(0, int(np.floor(x0 - mx))), max(0, int(np.floor(y0 - my)))
    xb, yb = min(width, int(np.ceil(x1 + mx)) + 1), min(height, int(np.ceil(y1 + my)) + 1)
    return xa, ya, max(xa + 1, xb), max(ya + 1, yb)


class SelfieSegmenter:
    """``person(image, box)`` -> (region, probability over the region)."""

    def __init__(self, device: str = "cpu", net: torch.nn.Module | None = None):
        self.device = torch.device(device)
        self.net = (net if net is not None else load_graph(SELFIE_GRAPH, SELFIE)).to(self.device)

    def probability(self, crop: np.ndarray) -> np.ndarray:
        """Person probability (float32, the crop's size) of an RGB uint8 crop."""
        h, w = crop.shape[:2]
        interp = cv2.INTER_AREA if max(h, w) > INPUT else cv2.INTER_LINEAR
        x = cv2.resize(crop, (INPUT, INPUT), interpolation=interp).astype(np.float32) / 255.0
        out = self.net(torch.from_numpy(x[None]).to(self.device))
        (prob,) = out.values()
        p = prob[0, :, :, 0].float().cpu().numpy()
        return np.clip(cv2.resize(p, (w, h), interpolation=cv2.INTER_LINEAR), 0.0, 1.0).astype(np.float32)

    def person(self, image: np.ndarray, box: tuple[float, float, float, float],
               margin: float = 0.1) -> tuple[tuple[int, int, int, int], np.ndarray]:
        h, w = image.shape[:2]
        x0, y0, x1, y1 = crop_region(box, w, h, margin)
        return (x0, y0, x1, y1), self.probability(image[y0:y1, x0:x1])
