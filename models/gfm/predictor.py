"""The GFM predictor: one pass per image (cached by image key), shared by the segmenter and refiner roles.

* As a segmenter ("Auto") it needs no prompts: the fused alpha is the coarse probability. Prompts it can honour are
  applied as constraints - outside the union of the boxes is background, rasterised positive / negative clicks and
  scribbles are foreground / background; text prompts are refused (it has no text encoder).
* As a refiner it keeps the request's trimap where it is certain and takes GFM's fused alpha in its unknown band."""

from __future__ import annotations

import hashlib
from typing import Optional

import cv2
import numpy as np
import torch

from ..protocol import (CancelFn, ProgressFn, RefineRequest, RefineResult, SegmentRequest, SegmentResult,
                        UnsupportedPrompt, check_cancel)
from .network import GFM

ALIGN = 32
TRIMAP_BG, TRIMAP_FG = 0, 255


class GFMPredictor:
    def __init__(self, net: GFM, device: torch.device, warnings: tuple[str, ...] = ()):
        self.net = net.to(device).eval()
        self.device = device
        self.warnings = list(warnings)
        self._key: Optional[str] = None
        self._alpha: Optional[np.ndarray] = None

    def alpha(self, image: np.ndarray, key: str = "") -> np.ndarray:
        """Fused alpha (H x W float32) of ``image``; computed once per image."""
        key = key or hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest() + str(image.shape)
        if key == self._key and self._alpha is not None:
            return self._alpha
        h, w = image.shape[:2]
        scale = self.net.cfg.input_size / max(h, w)
        rh, rw = max(1, round(h * scale)), max(1, round(w * scale))
        small = cv2.resize(image, (rw, rh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        ph, pw = (-rh) % ALIGN, (-rw) % ALIGN
        small = np.pad(small, ((0, ph), (0, pw), (0, 0)), mode="edge").astype(np.float32) / 255.0
        x = torch.from_numpy(np.ascontiguousarray(small.transpose(2, 0, 1)))[None].to(self.device)
        with torch.inference_mode():
            fused = self.net(x).fused[0, 0, :rh, :rw].float().cpu().numpy()
        self._key, self._alpha = key, cv2.resize(fused, (w, h), interpolation=cv2.INTER_LINEAR)
        return self._alpha

    def segment(self, req: SegmentRequest, progress: ProgressFn, cancel: CancelFn) -> SegmentResult:
        if req.prompts.texts:
            raise UnsupportedPrompt("the 'gfm' segmenter finds the salient subject without prompts and cannot follow "
                                    "text; use the 'iscn' segmenter for text prompts")
        check_cancel(cancel)
        progress(0.1, "matting (auto)")
        prob = self.alpha(req.image, req.image_key).copy()
        if req.prompts.boxes:
            inside = np.zeros(prob.shape, bool)
            for x0, y0, x1, y1 in req.prompts.boxes:
                inside[int(np.floor(y0)):int(np.ceil(y1)) + 1, int(np.floor(x0)):int(np.ceil(x1)) + 1] = True
            prob[~inside] = 0.0
        prob[req.pos_seeds] = 1.0
        prob[req.neg_seeds] = 0.0
        progress(1.0, "done")
        return SegmentResult(np.clip(prob, 0, 1).astype(np.float32), None, {"warnings": list(self.warnings)})

    def refine(self, req: RefineRequest, progress: ProgressFn, cancel: CancelFn) -> RefineResult:
        check_cancel(cancel)
        progress(0.1, "matting")
        alpha = self.alpha(req.image, req.image_key).copy()
        alpha[req.trimap == TRIMAP_FG] = 1.0
        alpha[req.trimap == TRIMAP_BG] = 0.0
        progress(1.0, "done")
        return RefineResult(np.clip(alpha, 0, 1).astype(np.float32), {"warnings": list(self.warnings)})
