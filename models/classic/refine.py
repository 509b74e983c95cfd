"""Classic refiner: closed-form matting (pymatting) solved only inside the trimap's unknown band."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..protocol import CancelFn, ProgressFn, RefineRequest, RefineResult, check_cancel
from .guided import guided_filter


@dataclass
class RefinerConfig:
    max_pixels: int = 2_000_000  # solve at most this many pixels; larger images are solved downscaled
    margin: int = 8  # known pixels kept around the unknown band's bounding box


def _solve_cf(image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    from pymatting import estimate_alpha_cf

    img = image.astype(np.float64) / 255.0
    tri = trimap.astype(np.float64) / 255.0
    alpha = estimate_alpha_cf(img, tri, laplacian_kwargs={"epsilon": 1e-6},
                              cg_kwargs={"maxiter": 2000, "atol": 1e-7})
    return np.clip(alpha, 0.0, 1.0).astype(np.float32)


class ClassicRefiner:
    name = "classic"

    def __init__(self, config: RefinerConfig | None = None):
        self.config = config or RefinerConfig()

    def refine(self, request: RefineRequest, progress: ProgressFn, cancel: CancelFn) -> RefineResult:
        image, trimap = request.image, request.trimap
        H, W = trimap.shape
        alpha = (trimap == 255).astype(np.float32)
        unknown = trimap == 128
        if not unknown.any():
            return RefineResult(alpha)
        check_cancel(cancel)
        progress(0.0, "matting")
        s = min(1.0, float(np.sqrt(self.config.max_pixels / (H * W))))
        if s < 1.0:
            size = (max(1, int(W * s)), max(1, int(H * s)))
            img_s = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            tri_s = cv2.resize(trimap, size, interpolation=cv2.INTER_NEAREST)
            a_s = self._solve_cropped(img_s, tri_s)
            up = cv2.resize(a_s, (W, H), interpolation=cv2.INTER_LINEAR)
            r = max(2, int(round(2 / s)))
            up = np.clip(guided_filter(image.astype(np.float32) / 255.0, up, r, 1e-4), 0, 1) if H * W <= 4e6 else up
            alpha[unknown] = up[unknown]
        else:
            alpha = self._solve_cropped(image, trimap)
        progress(1.0, "matted")
        return RefineResult(alpha)

    def _solve_cropped(self, image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
        alpha = (trimap == 255).astype(np.float32)
        ys, xs = np.nonzero(trimap == 128)
        if len(ys) == 0:
            return alpha
        m = self.config.margin
        H, W = trimap.shape
        y0, y1 = max(0, ys.min() - m), min(H, ys.max() + m + 1)
        x0, x1 = max(0, xs.min() - m), min(W, xs.max() + m + 1)
        tri = trimap[y0:y1, x0:x1]
        if not ((tri == 0).any() and (tri == 255).any()):
            # nothing known on one side: keep the coarse decision inside the band
            sub = alpha[y0:y1, x0:x1]
            sub[tri == 128] = 0.5 if not (tri == 255).any() and not (tri == 0).any() else float((tri == 255).any())
            return alpha
        a = _solve_cf(image[y0:y1, x0:x1], tri)
        alpha[y0:y1, x0:x1] = np.where(tri == 128, a, alpha[y0:y1, x0:x1])
        return alpha
