"""Classic refiner: closed-form matting (Levin et al., via pymatting) plus a weak non-local colour flow (KNN matting,
Chen et al.), solved only around the trimap's unknown band and on known foreground of the background's colour (holes
in a mask that covers a shrub whole), at a working resolution, then carried to full resolution through the guided
filter's local linear model (the same model closed-form matting assumes), so fine structure comes back from the
full-resolution image."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import cv2
import numpy as np
import scipy.sparse as sp

from ..protocol import CancelFn, ProgressFn, RefineRequest, RefineResult, check_cancel
from .colour import ColourModel
from .guided import guided_upsample
from .sampling import soft_prior


@dataclass
class RefinerConfig:
    solve_side: int = 420  # long side of the image at which the closed-form system is solved
    epsilon: float = 1e-6  # closed-form Laplacian regulariser
    up_radius: int = 1  # guided upsampling window radius (solve pixels)
    up_eps: float = 1e-5  # guided upsampling regulariser
    margin: float = 0.02  # known context around the band, as a share of the image diagonal
    nonlocal_weight: float = 0.3  # weight of the non-local colour flow against closed-form's local one (0 = off)
    nonlocal_k: int = 10  # colour neighbours per unknown pixel
    nonlocal_xy: float = 0.1  # weight of position (0-1 along the window's longer side) beside RGB (0-1) there
    colour_doubt: float | None = 0.25  # known foreground whose colour favours the background model by this many
    #                                    nats is solved as well (background seen through a plant or a net); None: off
    doubt_side: int = 512  # long side at which the colour models of that test are fitted and queried
    doubt_spacing: float = 0.2  # ... local models: windows around grid nodes this share of the long side apart
    doubt_prior: float = 0.5  # ... mixed with the whole photo's model as this many pseudo-counts per window pixel
    soft_weight: float = 0.3  # weight of the colour-sampling prior under soft strokes (sampling.py) against the
    #                           Laplacian; 0 = off


SOFT_UNSOLVED = ("the soft strokes leave nothing of the subject opaque nearby, so their alpha stays undecided: leave "
                 "an opaque part of it unpainted")


def colour_knn_laplacian(image: np.ndarray, query: np.ndarray, k: int, xy_weight: float) -> sp.csr_matrix:
    """Graph Laplacian ``D - W`` (divided by twice the links per query pixel) linking each ``query`` pixel to its ``k``
    nearest pixels in (RGB, weighted position) space (binary, symmetrised weights): a hole of background colour inside
    a plant is tied to the background of that colour elsewhere, not only to the foreground around it. ``image`` is
    float in [0, 1]."""
    from scipy.spatial import cKDTree

    h, w = image.shape[:2]
    n = h * w
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    scale = xy_weight / max(h - 1, w - 1, 1)
    feats = np.concatenate([image.reshape(n, 3).astype(np.float32), (scale * xs).reshape(n, 1),
                            (scale * ys).reshape(n, 1)], 1)
    q = np.flatnonzero(query.ravel())
    k = min(k + 1, n)  # the nearest is the pixel itself (an empty self-loop in D - W)
    _, nb = cKDTree(feats).query(feats[q], k=k, workers=-1)
    i, j = np.repeat(q, k), nb.ravel()
    W = sp.csr_matrix((np.ones(2 * i.size), (np.concatenate([i, j]), np.concatenate([j, i]))), (n, n))
    return ((sp.diags(np.asarray(W.sum(1)).ravel()) - W) / (2.0 * k)).tocsr()


def solve_closed_form(image: np.ndarray, trimap: np.ndarray, epsilon: float, nonlocal_weight: float = 0.0,
                      nonlocal_k: int = 10, nonlocal_xy: float = 0.1,
                      prior: tuple[np.ndarray, np.ndarray, float] | None = None) -> np.ndarray:
    """Alpha (float32) for ``image`` (uint8 RGB) and ``trimap`` (0/128/255) by closed-form matting, plus
    ``nonlocal_weight`` times the colour-KNN Laplacian of the unknown pixels when that is above 0, plus a data term
    ``weight * confidence * (alpha - estimate)^2`` when ``prior`` = (estimate, confidence, weight) (H x W each)."""
    from pymatting import cf_laplacian, cg, ichol

    known = trimap != 128
    unknown = ~known.ravel()
    alpha = (trimap == 255).astype(np.float64)
    if not unknown.any():
        return alpha.astype(np.float32)
    im = image.astype(np.float64) / 255.0
    rows = cf_laplacian(im, epsilon=epsilon, radius=1, is_known=known).tocsr()[unknown]
    L_U = P = rows[:, unknown]
    if nonlocal_weight > 0:
        knn_rows = nonlocal_weight * colour_knn_laplacian(im, ~known, nonlocal_k, nonlocal_xy)[unknown]
        knn_U = knn_rows[:, unknown]
        # the preconditioner factors the local part plus the non-local diagonal: the non-local edges would fill the
        # incomplete Cholesky factor in (5x slower) for a few CG iterations saved
        P = L_U + sp.diags(knn_U.diagonal())
        L_U = L_U + knn_U
        rows = rows + knn_rows
    b = -rows[:, known.ravel()].dot(alpha.ravel()[known.ravel()])
    if prior is not None:
        estimate, confidence, weight = prior
        c = weight * confidence.ravel()[unknown]
        L_U, P = L_U + sp.diags(c), P + sp.diags(c)
        b = b + c * estimate.ravel()[unknown]
    with contextlib.redirect_stdout(io.StringIO()):  # ichol prints a note each time it needs a diagonal shift
        M = ichol(P.tocsc(), shifts=[0.0, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1.0])
    x = cg(L_U, b, M=M, atol=1e-7, rtol=1e-7, maxiter=2000)
    flat = alpha.ravel()
    flat[unknown] = x
    return np.clip(flat.reshape(trimap.shape), 0.0, 1.0).astype(np.float32)


def colour_doubt(image: np.ndarray, trimap: np.ndarray, prob: np.ndarray, margin: float, side: int,
                 spacing: float = RefinerConfig.doubt_spacing, prior: float = RefinerConfig.doubt_prior) -> np.ndarray:
    """Known-foreground pixels of ``trimap`` whose colour the background model explains better than the foreground
    model by more than ``margin`` nats (histogram models of ``prob`` >= 0.5 and < 0.5 fitted in windows around each
    pixel, ``ColourModel.local_neg_log_likelihood``, at long side ``side``). A mask that covers a shrub or a net whole
    leaves the holes in it known foreground; their colour is that of the background beside them, so they are handed to
    the solver, whose non-local flow ties them to the background elsewhere. Judged locally, dark fur in front of a dark
    background elsewhere in the photo is compared with the fur and background around it and stays known."""
    h, w = trimap.shape
    s = min(1.0, side / max(h, w))
    size = (max(1, round(w * s)), max(1, round(h * s)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA) if s < 1.0 else image
    fg = (cv2.resize(prob.astype(np.float32), size, interpolation=cv2.INTER_AREA) if s < 1.0 else prob) >= 0.5
    if fg.all() or not fg.any():
        return np.zeros((h, w), bool)
    model = ColourModel()
    idx = model.index(small)
    favours_bg = model.local_neg_log_likelihood(idx, fg, spacing, prior) - \
        model.local_neg_log_likelihood(idx, ~fg, spacing, prior) > margin
    if s < 1.0:
        favours_bg = cv2.resize(favours_bg.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
    return favours_bg & (trimap == 255)


def _downscale_trimap(trimap: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Area-downscaled trimap: a pixel stays known only if everything it covers was known the same way."""
    fg = cv2.resize((trimap == 255).astype(np.float32), size, interpolation=cv2.INTER_AREA)
    bg = cv2.resize((trimap == 0).astype(np.float32), size, interpolation=cv2.INTER_AREA)
    out = np.full(fg.shape, 128, np.uint8)
    out[fg >= 0.999] = 255
    out[bg >= 0.999] = 0
    return out


class ClassicRefiner:
    name = "classic"
    handles_soft = True  # soft strokes: unknown in the trimap, solved with the colour-sampling prior

    def __init__(self, config: RefinerConfig | None = None):
        self.config = config or RefinerConfig()

    def _solver_args(self) -> tuple:
        cfg = self.config
        return cfg.epsilon, cfg.nonlocal_weight, cfg.nonlocal_k, cfg.nonlocal_xy

    def _prior(self, image: np.ndarray, trimap: np.ndarray, soft: np.ndarray | None) -> tuple | None:
        """The colour-sampling data term under the soft pixels (None without soft strokes)."""
        if soft is None or self.config.soft_weight <= 0 or not soft.any():
            return None
        found = soft_prior(image.astype(np.float64) / 255.0, trimap, soft)
        return None if found is None else (*found, self.config.soft_weight)

    def refine(self, request: RefineRequest, progress: ProgressFn, cancel: CancelFn) -> RefineResult:
        cfg = self.config
        image, trimap = request.image, request.trimap
        H, W = trimap.shape
        if cfg.colour_doubt is not None:
            trimap = trimap.copy()
            doubt = colour_doubt(image, trimap, request.prob, cfg.colour_doubt, cfg.doubt_side, cfg.doubt_spacing,
                                 cfg.doubt_prior)
            trimap[doubt] = 128
        alpha = (trimap == 255).astype(np.float32)
        unknown = trimap == 128
        if not unknown.any():
            return RefineResult(alpha)
        check_cancel(cancel)
        progress(0.0, "matting")
        ys, xs = np.nonzero(unknown)
        m = int(round(cfg.margin * np.hypot(H, W))) + 2
        y0, y1 = max(0, ys.min() - m), min(H, ys.max() + m + 1)
        x0, x1 = max(0, xs.min() - m), min(W, xs.max() + m + 1)
        img_c, tri_c = image[y0:y1, x0:x1], trimap[y0:y1, x0:x1]
        if not ((tri_c == 0).any() and (tri_c == 255).any()):
            # one side is not known anywhere near: closed-form has nothing to interpolate between
            alpha[unknown] = np.clip(request.prob[unknown], 0.0, 1.0)
            soft = request.soft is not None and bool((request.soft & unknown).any())
            return RefineResult(alpha, {"warnings": [SOFT_UNSOLVED] if soft and not (tri_c == 255).any() else []})
        s = min(1.0, cfg.solve_side / max(H, W))
        soft_c = None if request.soft is None else request.soft[y0:y1, x0:x1]
        if s >= 0.999:
            a_c = solve_closed_form(img_c, tri_c, *self._solver_args(), prior=self._prior(img_c, tri_c, soft_c))
        else:
            size = (max(4, int(round((x1 - x0) * s))), max(4, int(round((y1 - y0) * s))))
            img_s = cv2.resize(img_c, size, interpolation=cv2.INTER_AREA)
            tri_s = _downscale_trimap(tri_c, size)
            soft_s = None if soft_c is None else cv2.resize(soft_c.astype(np.float32), size,
                                                            interpolation=cv2.INTER_AREA) > 0.5
            a_s = solve_closed_form(img_s, tri_s, *self._solver_args(), prior=self._prior(img_s, tri_s, soft_s))
            check_cancel(cancel)
            progress(0.7, "upsampling matte")
            a_c = guided_upsample(img_s.astype(np.float32) / 255.0, a_s, img_c, cfg.up_radius, cfg.up_eps)
        band = tri_c == 128
        alpha[y0:y1, x0:x1][band] = np.clip(a_c[band], 0.0, 1.0)
        progress(1.0, "matted")
        return RefineResult(alpha, {"solve_scale": s})
