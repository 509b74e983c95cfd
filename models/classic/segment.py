"""Classic segmenter: iterated graph cut with colour models, geodesic seed terms and the previous round as a prior.

Every prompt type is used at once: the outside of the newest box is hard background, clicks and scribbles are hard
seeds that also pull their geodesic neighbourhood (a click inside a wrongly labelled region flips the region of similar
colour around it), the CRM conflict pixels of the new round get the strongest such pull, and the previous probability
is a weak prior. It runs at a working resolution and is upsampled along image edges with a guided filter.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import maxflow
import numpy as np

from ..protocol import CancelFn, ProgressFn, SegmentRequest, SegmentResult, check_cancel
from .colour import ColourModel
from .geodesic import geodesic_distance
from .guided import guided_filter

HARD = 1e9


@dataclass
class SegmenterConfig:
    work_side: int = 512  # long side of the working resolution
    iterations: int = 4  # colour model <-> graph cut alternations
    bins: int = 16
    smoothness: float = 25.0  # weight of the contrast-sensitive pairwise term
    geo_gamma: float = 0.08  # colour weight of the geodesic step cost (Lab units)
    geo_weight: float = 3.0  # weight of the geodesic fg/bg term, all seeds
    geo_new_weight: float = 8.0  # extra weight for the seeds of the new round (the CRM neighbourhood)
    geo_scale: float = 0.08  # geodesic distance scale, relative to the working diagonal
    prior_weight: float = 1.0  # weight of the previous round's probability (clipped to 0.1..0.9)
    box_margin_prior: float = 0.5  # weak bg preference for the band just inside the box


def _resize(a: np.ndarray, size: tuple[int, int], interp=cv2.INTER_AREA) -> np.ndarray:
    return cv2.resize(a, size, interpolation=interp)


def _seed_down(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return _resize(mask.astype(np.uint8) * 255, size, cv2.INTER_AREA) > 0


def _pairwise(g, nodes, lab: np.ndarray, weight: float) -> None:
    """Contrast-sensitive Potts edges to the right, down and both diagonals."""
    h, w = lab.shape[:2]
    diffs = []
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        xa0, xa1 = max(0, -dx), w - max(0, dx)
        a = lab[0:h - dy, xa0:xa1]
        b = lab[dy:h, xa0 + dx:xa1 + dx]
        diffs.append(((dy, dx, xa0, xa1), ((a - b) ** 2).sum(-1)))
    beta = 1.0 / (2.0 * max(1e-6, float(np.mean(np.concatenate([d.ravel() for _, d in diffs])))))
    for (dy, dx, xa0, xa1), d2 in diffs:
        wts = np.zeros((h, w), np.float32)
        wts[0:h - dy, xa0:xa1] = weight * np.exp(-beta * d2) / np.hypot(dy, dx)
        structure = np.zeros((3, 3))
        structure[1 + dy, 1 + dx] = 1
        g.add_grid_edges(nodes, weights=wts, structure=structure, symmetric=True)


def _geo_term(lab, fg_seeds, bg_seeds, gamma, scale) -> tuple[np.ndarray, np.ndarray] | None:
    """Costs (for labelling fg, for labelling bg) from geodesic distances to fg and bg seeds."""
    if not fg_seeds.any() and not bg_seeds.any():
        return None
    df = geodesic_distance(lab, fg_seeds, gamma)
    db = geodesic_distance(lab, bg_seeds, gamma)
    # closeness to each seed set: 1 on a seed, decaying with geodesic distance
    cf = np.exp(-np.minimum(df, 1e6) / scale)
    cb = np.exp(-np.minimum(db, 1e6) / scale)
    return cb, cf  # near bg seeds -> labelling fg costs; near fg seeds -> labelling bg costs


class ClassicSegmenter:
    name = "classic"
    accepts_text = False

    def __init__(self, config: SegmenterConfig | None = None):
        self.config = config or SegmenterConfig()
        self.colour = ColourModel(self.config.bins)

    def segment(self, request: SegmentRequest, progress: ProgressFn, cancel: CancelFn) -> SegmentResult:
        cfg = self.config
        image = request.image
        H, W = image.shape[:2]
        s = min(1.0, cfg.work_side / max(H, W))
        w, h = max(1, int(round(W * s))), max(1, int(round(H * s)))
        small = _resize(image, (w, h)) if s < 1.0 else image
        lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
        lab[..., 0] *= 100.0 / 255.0
        lab[..., 1:] -= 128.0
        idx = self.colour.index(small)
        warnings = []
        if request.new_prompts.texts:
            warnings.append("the classic engine ignores text prompts; use clicks, scribbles or a box "
                            "(or a text-capable segmenter such as iscn)")

        # hard constraints
        fg_hard = _seed_down(request.pos_seeds, (w, h))
        bg_hard = _seed_down(request.neg_seeds, (w, h))
        new_fg = _seed_down(request.conflict == 1, (w, h))
        new_bg = _seed_down(request.conflict == 2, (w, h)) & ~_seed_down(_box_outside_full(request, H, W), (w, h))
        fg_hard |= new_fg
        bg_hard = (bg_hard & ~new_fg) | new_bg
        fg_hard &= ~new_bg
        outside = np.zeros((h, w), bool)
        if request.prompts.boxes:
            x0, y0, x1, y1 = request.prompts.boxes[-1]
            outside[:] = True
            outside[int(y0 * s):int(np.ceil(y1 * s)) + 1, int(x0 * s):int(np.ceil(x1 * s)) + 1] = False
            bg_hard |= outside & ~fg_hard
        prev = None if request.prev_prob is None else _resize(request.prev_prob.astype(np.float32), (w, h))

        # initial labelling
        if prev is not None:
            fg = prev >= 0.5
        elif request.prompts.boxes:
            fg = ~outside
        else:
            fg = _resize(request.pos_seeds.astype(np.uint8), (w, h), cv2.INTER_NEAREST) > 0
            fg = cv2.dilate(fg.astype(np.uint8), np.ones((15, 15), np.uint8)) > 0
        fg = (fg | fg_hard) & ~bg_hard
        check_cancel(cancel)

        diag = float(np.hypot(h, w))
        geo = _geo_term(lab, fg_hard, bg_hard & ~(outside & ~_near(outside, 3)), cfg.geo_gamma, cfg.geo_scale * diag)
        geo_new = _geo_term(lab, new_fg, new_bg, cfg.geo_gamma, 0.5 * cfg.geo_scale * diag) \
            if (new_fg.any() or new_bg.any()) else None
        base_fg = np.zeros((h, w), np.float32)  # cost of labelling fg
        base_bg = np.zeros((h, w), np.float32)  # cost of labelling bg
        if geo is not None:
            base_fg += cfg.geo_weight * geo[0]
            base_bg += cfg.geo_weight * geo[1]
        if geo_new is not None:
            base_fg += cfg.geo_new_weight * geo_new[0]
            base_bg += cfg.geo_new_weight * geo_new[1]
        if prev is not None:
            p = np.clip(prev, 0.1, 0.9)
            base_fg += cfg.prior_weight * -np.log(p)
            base_bg += cfg.prior_weight * -np.log(1 - p)

        if geo_new is not None:
            # the region the new seeds pull is relabelled before the colour models are fitted, so that a click inside
            # a wrongly labelled region re-fits the models on its colours instead of fighting them
            fg = (fg | (geo_new[1] > 0.5)) & ~(geo_new[0] > 0.5)
            fg = (fg | fg_hard) & ~bg_hard
        margin = np.zeros((h, w), np.float32)
        for it in range(cfg.iterations):
            check_cancel(cancel)
            progress(it / cfg.iterations, "segmenting")
            if not fg.any() or fg.all():
                break
            nll_fg = self.colour.neg_log_likelihood(idx, fg)
            nll_bg = self.colour.neg_log_likelihood(idx, ~fg)
            cost_fg = nll_fg + base_fg
            cost_bg = nll_bg + base_bg
            margin = cost_bg - cost_fg
            g = maxflow.Graph[float]()
            nodes = g.add_grid_nodes((h, w))
            _pairwise(g, nodes, lab, cfg.smoothness)
            src = np.where(fg_hard, HARD, cost_bg)  # capacity to source = cost of cutting to bg
            snk = np.where(bg_hard, HARD, cost_fg)
            g.add_grid_tedges(nodes, src, snk)
            g.maxflow()
            new = ~g.get_grid_segments(nodes)
            if it > 0 and np.count_nonzero(new != fg) < 0.0005 * fg.size:
                fg = new
                break
            fg = new
        prob_small = _soft(fg, margin)
        prob = _upsample(prob_small, image, s) if s < 1.0 else prob_small
        progress(1.0, "segmented")
        return SegmentResult(prob.astype(np.float32), None, {"warnings": warnings, "work_scale": s})


def _near(mask: np.ndarray, r: int) -> np.ndarray:
    """Pixels of ``mask`` within ``r`` px of its border (the ring of the outside region next to the box)."""
    inner = cv2.erode(mask.astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8), borderType=cv2.BORDER_REPLICATE)
    return mask & (inner == 0)


def _box_outside_full(request: SegmentRequest, H: int, W: int) -> np.ndarray:
    out = np.zeros((H, W), bool)
    for x0, y0, x1, y1 in request.new_prompts.boxes:
        out[:] = True
        out[int(y0):int(np.ceil(y1)) + 1, int(x0):int(np.ceil(x1)) + 1] = False
    return out


def _soft(fg: np.ndarray, margin: np.ndarray) -> np.ndarray:
    """Probability from the cut: the label, softened near its border by distance and by the unary margin."""
    m = fg.astype(np.uint8)
    d_in = cv2.distanceTransform(m, cv2.DIST_L2, 3)
    d_out = cv2.distanceTransform(1 - m, cv2.DIST_L2, 3)
    signed = d_in - d_out  # > 0 inside
    p_dist = 1.0 / (1.0 + np.exp(-np.clip(signed, -30, 30)))
    p_col = 1.0 / (1.0 + np.exp(-np.clip(margin, -20, 20) / 2.0))
    near = np.abs(signed) < 3
    p = np.where(near, 0.7 * p_dist + 0.3 * p_col, p_dist)
    # keep the cut's decision: never flip the label through the colour term
    p = np.where(fg, np.maximum(p, 0.5), np.minimum(p, 0.4999))
    return p.astype(np.float32)


def _upsample(prob_small: np.ndarray, image: np.ndarray, s: float) -> np.ndarray:
    H, W = image.shape[:2]
    up = cv2.resize(prob_small, (W, H), interpolation=cv2.INTER_LINEAR)
    # guided filter only near the boundary, on a crop around it, to follow image edges at full resolution
    band = (up > 0.02) & (up < 0.98)
    if not band.any():
        return up
    r = max(2, int(round(1.5 / s)))
    ys, xs = np.nonzero(band)
    y0, y1 = max(0, ys.min() - 2 * r), min(H, ys.max() + 2 * r + 1)
    x0, x1 = max(0, xs.min() - 2 * r), min(W, xs.max() + 2 * r + 1)
    guide = image[y0:y1, x0:x1].astype(np.float32) / 255.0
    filt = np.clip(guided_filter(guide, up[y0:y1, x0:x1], r, 1e-3), 0.0, 1.0)
    out = up.copy()
    sub = band[y0:y1, x0:x1]
    out[y0:y1, x0:x1][sub] = filt[sub]
    return out
