"""The MRN predictor: full-resolution alpha, coarse to fine.

1. Coarse pass: the whole image and coarse mask, long side resized to ``work_size`` (padded to a multiple of 32).
2. Fine pass (only when the image is larger): the coarse alpha is upsampled to full size; full-resolution tiles
   (``tile`` px, ``tile_overlap`` px overlap, feathered) that touch its uncertain band are refined with the coarse
   alpha as their guidance mask, and only the band (dilated by the os1 PRM width) takes the tile output. Peak memory
   is a few full-size float maps plus one tile's activations, so 12 MP stays well under 2.5 GB on a CPU.

This module is the host pipeline (numpy/OpenCV around one network call per tile); on an accelerator the same steps
run on the device (:mod:`.device_pass`), chosen by the ``pipeline`` option."""

from __future__ import annotations

import cv2
import numpy as np
import torch

from ..protocol import BackendError, CancelFn, ProgressFn, RefineRequest, RefineResult, check_cancel
from .device_pass import ALIGN, DevicePass
from .network import MRN
from .prm import CERTAIN_EPS
from .tiling import band_kernel, ramp, tiles

PIPELINES = ("auto", "host", "device")
OUT_OF_MEMORY = ("the GPU ran out of memory for the MRN's device pipeline on a photo this large: this round was refined "
                 "one tile at a time instead (slower, the same alpha up to resizing differences)")
PRECISIONS = ("fp16", "fp32")


def _pad_to(x: np.ndarray, multiple: int) -> np.ndarray:
    h, w = x.shape[:2]
    ph, pw = (-h) % multiple, (-w) % multiple
    pad = ((0, ph), (0, pw)) + ((0, 0),) * (x.ndim - 2)
    return np.pad(x, pad, mode="edge")


class MRNPredictor:
    """The MRN's refine call; it never reads the request's trimap."""

    def __init__(self, net: MRN, device: torch.device, warnings: tuple[str, ...] = ()):
        cfg = net.cfg
        if cfg.pipeline not in PIPELINES:
            raise BackendError(f"unknown MRN pipeline '{cfg.pipeline}' (known: {', '.join(PIPELINES)})")
        if cfg.precision not in PRECISIONS:
            raise BackendError(f"unknown MRN precision '{cfg.precision}' (known: {', '.join(PRECISIONS)})")
        if cfg.tile_batch < 1 or cfg.tile <= cfg.tile_overlap or cfg.work_size < 1:
            raise BackendError("MRN options need tile_batch >= 1, tile > tile_overlap and work_size >= 1")
        self.net = net.to(device).eval()
        self.device = device
        self.warnings = list(warnings)
        on_device = cfg.pipeline == "device" or (cfg.pipeline == "auto" and device.type != "cpu")
        self.device_pass = DevicePass(self.net, device, cfg.precision == "fp16") if on_device else None
        if self.device_pass is not None and device.type == "cuda":
            try:
                self.device_pass.warm()
            except torch.OutOfMemoryError:  # a small GPU: the rounds will say so, and fall back, if it matters
                torch.cuda.empty_cache()

    def run(self, rgb: np.ndarray, coarse: np.ndarray) -> np.ndarray:
        """One network pass: H x W x 3 uint8 and H x W coarse in [0, 1] -> H x W alpha."""
        h, w = coarse.shape
        img = _pad_to(rgb.astype(np.float32) / 255.0, ALIGN)
        msk = _pad_to(coarse.astype(np.float32), ALIGN)
        it = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))[None].to(self.device)
        mt = torch.from_numpy(np.ascontiguousarray(msk))[None, None].to(self.device)
        with torch.inference_mode():
            alpha = self.net(it, mt).alpha[0, 0, :h, :w]
        return alpha.float().cpu().numpy()

    def refine(self, req: RefineRequest, progress: ProgressFn, cancel: CancelFn) -> RefineResult:
        check_cancel(cancel)
        warnings = list(self.warnings)
        progress(0.05, "refining (coarse pass)")
        if self.device_pass is not None:
            try:
                alpha, n = self.device_pass(req.image, req.prob, progress, cancel)
            except torch.OutOfMemoryError:
                # the device pipeline holds the whole photo and a batch of tiles; one tile at a time still fits
                if self.device.type == "cuda":
                    torch.cuda.empty_cache()
                warnings.append(OUT_OF_MEMORY)
            else:
                progress(1.0, "refined")
                return RefineResult(alpha, {"warnings": warnings, "tiles": n, "pipeline": "device"})
        cfg = self.net.cfg
        h, w = req.prob.shape
        scale = min(1.0, cfg.work_size / max(h, w))
        if scale >= 1.0:
            alpha = self.run(req.image, req.prob)
            progress(1.0, "refined")
            return RefineResult(np.clip(alpha, 0, 1).astype(np.float32),
                                {"warnings": warnings, "tiles": 0, "pipeline": "host"})
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        small = self.run(cv2.resize(req.image, size, interpolation=cv2.INTER_AREA),
                         cv2.resize(req.prob.astype(np.float32), size, interpolation=cv2.INTER_AREA))
        alpha = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
        check_cancel(cancel)
        unc = ((alpha > CERTAIN_EPS) & (alpha < 1 - CERTAIN_EPS)).astype(np.uint8)
        band = cv2.dilate(unc, band_kernel(cfg.prm_widths[-1])) > 0
        if req.soft is not None:
            band &= ~req.soft  # painted soft: the session solves those pixels itself (interaction/soft_refine.py)
        acc = np.zeros((h, w), np.float32)
        wsum = np.zeros((h, w), np.float32)
        boxes = [t for t in tiles(h, w, cfg.tile, cfg.tile_overlap) if band[t[0]:t[2], t[1]:t[3]].any()]
        weights = ramp(cfg.tile, cfg.tile_overlap)
        for i, (y0, x0, y1, x1) in enumerate(boxes):
            check_cancel(cancel)
            out = self.run(req.image[y0:y1, x0:x1], alpha[y0:y1, x0:x1])
            wt = weights[: y1 - y0, : x1 - x0]
            acc[y0:y1, x0:x1] += out * wt
            wsum[y0:y1, x0:x1] += wt
            progress(0.1 + 0.9 * (i + 1) / len(boxes), f"refining tile {i + 1}/{len(boxes)}")
        fine = band & (wsum > 0)
        alpha[fine] = acc[fine] / wsum[fine]
        progress(1.0, "refined")
        return RefineResult(np.clip(alpha, 0, 1).astype(np.float32),
                            {"warnings": warnings, "tiles": len(boxes), "pipeline": "host"})
