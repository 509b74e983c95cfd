"""Classic segmenter: a coarse-to-fine graph cut with colour models, geodesic seed terms and the previous round as a
prior.

Every prompt type is used at once: the outside of the newest box is hard background (and a ring just inside it seeds
the first background colour model), clicks and scribbles are hard seeds that also pull their geodesic neighbourhood
(a click inside a wrongly labelled region flips the region of similar colour around it, but not much deeper into the
wrong label than the click itself lies), the CRM conflict pixels of the new round get the strongest such pull, and the
previous probability is a weak prior. The colour models and the cut are iterated at a coarse scale; the cut is then
re-solved at the working scale in a narrow band around the boundary and wherever a pixel's costs contradict its
coarse label (gaps between leaves, thin parts the coarse scale cannot hold), and the result is carried to full
resolution along image edges with a guided filter.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..protocol import CancelFn, ProgressFn, SegmentRequest, SegmentResult, check_cancel
from .colour import ColourModel
from .geodesic import geodesic_distance, geodesic_nearest
from .graph import Pairwise, band_cut, grid_cut, pairwise_weights
from .guided import guided_upsample
from .parts import part_pulls
from .prior import add_prior


@dataclass
class SegmenterConfig:
    work_side: int = 512  # long side of the working (fine) scale
    coarse_side: int = 256  # long side of the coarse scale where colour models and the cut are iterated
    iterations: int = 4  # colour model <-> graph cut alternations at the coarse scale
    band: int = 3  # half-width (fine pixels) of the band re-solved at the fine scale
    fine_smoothness: float = 1.0  # pairwise weight at the fine scale, relative to ``smoothness``
    fine_interior: bool = False  # re-solve the whole foreground at the fine scale, not only a band around it
    fine_pull: float = 0.3  # the new seeds' pull above which pixels are also re-solved at the fine scale
    fine_doubt: float = 1.0  # pixels whose costs favour the other label by this margin are re-solved (0: off)
    bins: int = 16
    texture_bins: int = 4  # from the second round on, each colour bin is split into this many texture levels (1: off)
    smoothness: float = 12.0  # weight of the contrast-sensitive pairwise term
    geo_gamma: float = 0.05  # cost of one Lab unit above the noise floor, as a share of the diagonal
    geo_blur: float = 1.0  # Gaussian sigma (px) that smooths the image for geodesic distances
    geo_tau: float = 1.0  # noise floor: this many times the median neighbour colour difference costs nothing
    geo_weight: float = 3.0  # weight of the geodesic fg/bg term, all seeds
    geo_new_weight: float = 8.0  # extra weight for the seeds of the new round (the CRM neighbourhood)
    geo_scale: float = 0.12  # geodesic distance scale of all seeds, as a share of the diagonal
    geo_new_scale: float = 0.15  # geodesic distance scale of the new round's seeds
    prior_weight: float = 1.0  # weight of the previous round's probability (clipped to 0.1..0.9)
    ring: float = 0.05  # width of the box's inner ring that seeds the first background model (share of box side)
    pull_voronoi: bool = True  # the new seeds pull only pixels geodesically nearer to them than to any opposite seed
    pull_depth: float = 8.0  # a new seed's pull scale: this many times its distance to the region it contradicts
    geo_new_floor: float = 0.03  # smallest pull scale of a new seed, as a share of the diagonal
    pull_reach: float = 1.5  # a new seed pulls only pixels up to this many times its own depth into the wrong label
    reach_local: bool = True  # ... measured from the stretch of a stroke that is geodesically nearest to the pixel
    stroke_pull_depth: float = 1.5  # ... a stroke's pull scale (it paints the extent of the region it corrects itself)
    part_pull: float = 1.0  # a new seed in an enclosed part of the wrong label pulls all of it this hard (0: off)
    local_pull: float = 0.5  # a deep new click pulls the connected stretch of the wrong label its own colours explain
    local_margin: float = 1.0  # nats: how much better the seed's own colours must explain a pixel than the rest do
    local_window: float = 0.6  # the seed's colour sample: within this many times its depth into the wrong label
    local_reach: float = 4.0  # the stretch lies within this many times the seed's depth of it
    local_min_depth: float = 0.05  # only for a seed at least this deep into the wrong label (share of the diagonal)
    local_purity: float = 0.6  # ... whose sample its own colours explain better than the rest for this share of it

@dataclass
class _Level:
    rgb: np.ndarray
    lab: np.ndarray
    idx: np.ndarray  # colour x texture bins (the models of correction rounds)
    colour_idx: np.ndarray  # colour bins alone (the box round's models)
    pairwise: Pairwise
    scale: float
    smooth: np.ndarray  # Lab smoothed against noise, for geodesic distances
    noise: float  # median colour difference between neighbours of ``smooth`` (Lab units)

    @property
    def size(self) -> tuple[int, int]:
        return self.rgb.shape[1], self.rgb.shape[0]


def _resize(a: np.ndarray, size: tuple[int, int], interp=cv2.INTER_AREA) -> np.ndarray:
    return cv2.resize(a, size, interpolation=interp)


def _down(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Any-pixel downscale of a mask (a seed never vanishes)."""
    if mask.shape[::-1] == size:
        return mask.astype(bool)
    return _resize(mask.astype(np.uint8) * 255, size, cv2.INTER_AREA) > 0


def _lab(rgb: np.ndarray) -> np.ndarray:
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    lab[..., 0] *= 100.0 / 255.0
    lab[..., 1:] -= 128.0
    return lab


def _box_masks(boxes, s: float, size: tuple[int, int], ring: float) -> tuple[np.ndarray, np.ndarray]:
    """(outside of the newest box, its inner ring) at scale ``s``; all False without a box."""
    w, h = size
    outside = np.zeros((h, w), bool)
    inner_ring = np.zeros((h, w), bool)
    if boxes:
        x0, y0, x1, y1 = (v * s for v in boxes[-1])
        outside[:] = True
        xa, ya, xb, yb = int(x0), int(y0), int(np.ceil(x1)) + 1, int(np.ceil(y1)) + 1
        outside[ya:yb, xa:xb] = False
        r = max(1, int(round(ring * max(x1 - x0, y1 - y0))))
        inner_ring[ya:yb, xa:xb] = True
        inner_ring[ya + r:yb - r, xa + r:xb - r] = False
        # a box side on the bottom edge of the photo usually cuts the subject (people, objects standing on it):
        # its ring says nothing about the background there
        if yb >= h - 1:
            inner_ring[max(ya + r, yb - r):yb, xa + r:xb - r] = False
    return outside, inner_ring


class ClassicSegmenter:
    name = "classic"
    accepts_text = False

    def __init__(self, config: SegmenterConfig | None = None):
        self.config = config or SegmenterConfig()
        # the box round fits its models on the whole inside of the box, background clutter and all: split four ways
        # by texture those samples only spread thinner. Once a round has a previous result to correct, the labels are
        # good enough for texture to tell a sharp subject from a defocused background of its colours (decision 0009).
        self.plain = ColourModel(self.config.bins)
        self.colour = ColourModel(self.config.bins, texture=self.config.texture_bins)
        self._cache: tuple[str, tuple, _Level, _Level] | None = None

    def _levels(self, image: np.ndarray, key: str) -> tuple[_Level, _Level]:
        """Coarse and fine levels of ``image`` (cached across rounds of the same image)."""
        if self._cache is not None and self._cache[0] == key and self._cache[1] == image.shape:
            return self._cache[2], self._cache[3]
        cfg = self.config
        H, W = image.shape[:2]
        levels = []
        scales = ((cfg.coarse_side, cfg.smoothness), (cfg.work_side, cfg.smoothness * cfg.fine_smoothness))
        for side, strength in scales:
            s = min(1.0, side / max(H, W))
            rgb = _resize(image, (max(1, round(W * s)), max(1, round(H * s)))) if s < 1.0 else image
            lab = _lab(rgb)
            smooth = cv2.GaussianBlur(lab, (0, 0), cfg.geo_blur)
            noise = float(np.median(np.sqrt(((smooth[:, 1:] - smooth[:, :-1]) ** 2).sum(-1)))) \
                if lab.shape[1] > 1 else 0.0
            colour_idx = self.plain.index(rgb)
            idx = colour_idx * self.colour.texture + self.colour.texture_levels(rgb) if self.colour.texture > 1 \
                else colour_idx
            levels.append(_Level(rgb, lab, idx, colour_idx, pairwise_weights(lab, strength), s, smooth, noise))
        self._cache = (key, image.shape, levels[0], levels[1])
        return levels[0], levels[1]

    def segment(self, request: SegmentRequest, progress: ProgressFn, cancel: CancelFn) -> SegmentResult:
        cfg = self.config
        image = request.image
        H, W = image.shape[:2]
        coarse, fine = self._levels(image, request.image_key or str(id(image)))
        warnings = []
        if request.new_prompts.texts:
            warnings.append("the classic engine ignores text prompts; use clicks, scribbles or a box "
                            "(or a text-capable segmenter such as iscn)")
        check_cancel(cancel)
        cons = [self._constraints(request, lv) for lv in (coarse, fine)]

        first = request.prev_prob is None
        model = self.plain if first else self.colour
        idx_c, idx_f = (coarse.colour_idx, fine.colour_idx) if first else (coarse.idx, fine.idx)

        # ---- coarse: iterate colour models and the cut
        fg_hard, bg_hard, outside, ring, new_fg, new_bg, prev = cons[0]
        clicks = _points(request.new_prompts.clicks, coarse)
        base_fg, base_bg, pull = self._seed_terms(coarse, fg_hard, bg_hard, outside, new_fg, new_bg, prev, clicks)
        if request.prior is not None:  # a soft prior, e.g. the person segmenter's (models/classic/prior.py)
            add_prior(base_fg, base_bg, request.prior)
        if prev is not None:
            fg = prev >= 0.5
        elif request.prompts.boxes:
            fg = ~outside & ~ring
        else:
            fg = cv2.dilate(fg_hard.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
        if pull is not None:
            # the region the new seeds pull is relabelled before the colour models are fitted, so that a click inside
            # a wrongly labelled region re-fits the models on its colours instead of fighting them
            fg = (fg | (pull[1] > 0.5)) & ~(pull[0] > 0.5)
        fg = (fg | fg_hard) & ~bg_hard
        for it in range(cfg.iterations):
            check_cancel(cancel)
            progress(0.8 * it / cfg.iterations, "segmenting")
            if not fg.any() or fg.all():
                break
            cost_fg = model.neg_log_likelihood(idx_c, fg) + base_fg
            cost_bg = model.neg_log_likelihood(idx_c, ~fg) + base_bg
            new = grid_cut(cost_fg, cost_bg, coarse.pairwise, fg_hard, bg_hard)
            changed = np.count_nonzero(new != fg)
            fg = new
            if it > 0 and changed < 0.0005 * fg.size:
                break

        # ---- fine: re-solve a band around the coarse boundary
        check_cancel(cancel)
        fg_hard_f, bg_hard_f = cons[1][0], cons[1][1]
        labels = _resize(fg.astype(np.uint8), fine.size, cv2.INTER_NEAREST) > 0
        if fg.any() and not fg.all():
            k = np.ones((2 * cfg.band + 1, 2 * cfg.band + 1), np.uint8)
            band = (cv2.dilate(labels.astype(np.uint8), k) != cv2.erode(labels.astype(np.uint8), k))
            if cfg.fine_interior:
                # the whole foreground is re-decided at the fine scale: holes (background seen between branches,
                # strings or hair) that the coarse scale cannot represent can open
                band |= labels
            if pull is not None:
                # where the new seeds pull, structures finer than the coarse scale (holes between branches, thin
                # leaves) are decided at the fine scale too
                near_new = np.maximum(pull[0], pull[1]) > cfg.fine_pull
                band |= _resize(near_new.astype(np.uint8), fine.size, cv2.INTER_NEAREST) > 0
            cost_fg = model.neg_log_likelihood(idx_f, labels) + _resize(base_fg, fine.size, cv2.INTER_LINEAR)
            cost_bg = model.neg_log_likelihood(idx_f, ~labels) + _resize(base_bg, fine.size, cv2.INTER_LINEAR)
            margin = cost_bg - cost_fg
            if cfg.fine_doubt > 0:
                # pixels whose own costs contradict their coarse label by a clear margin are re-decided too, with
                # a pixel of context: structure finer than the coarse scale (background between leaves) can appear
                doubt = np.where(labels, margin < -cfg.fine_doubt, margin > cfg.fine_doubt) & ~(fg_hard_f | bg_hard_f)
                doubt = doubt.astype(np.uint8)
                band |= cv2.dilate(doubt, np.ones((3, 3), np.uint8)) > 0
            labels = band_cut(labels | fg_hard_f & ~bg_hard_f, band, cost_fg, cost_bg, fine.pairwise, fg_hard_f,
                              bg_hard_f)
        else:
            margin = np.zeros(labels.shape, np.float32)
        labels = (labels | fg_hard_f) & ~bg_hard_f
        prob_small = _soft(labels, margin)
        prob = _upsample(prob_small, fine.rgb, image) if fine.scale < 1.0 else prob_small
        progress(1.0, "segmented")
        return SegmentResult(prob.astype(np.float32), None, {"warnings": warnings, "work_scale": fine.scale})

    def _constraints(self, request: SegmentRequest, lv: _Level):
        size = lv.size
        fg_hard = _down(request.pos_seeds, size)
        bg_hard = _down(request.neg_seeds, size)
        new_fg = _down(request.conflict == 1, size)
        new_bg = _down(request.conflict == 2, size)
        outside, ring = _box_masks(request.prompts.boxes, lv.scale, size, self.config.ring)
        new_bg &= ~outside  # the outside of a new box is handled as hard background, not as a pull
        fg_hard |= new_fg
        bg_hard = (bg_hard & ~new_fg) | new_bg
        fg_hard &= ~new_bg
        bg_hard |= outside & ~fg_hard
        prev = None if request.prev_prob is None else _resize(request.prev_prob.astype(np.float32), size)
        return fg_hard, bg_hard, outside, ring, new_fg, new_bg, prev

    def _seed_terms(self, lv: _Level, fg_hard, bg_hard, outside, new_fg, new_bg, prev, clicks=None):
        """Unary costs (labelling fg, labelling bg) from geodesic seed pulls and the prior; and the new seeds' pull."""
        cfg = self.config
        h, w = fg_hard.shape
        diag = float(np.hypot(h, w))
        base_fg = np.zeros((h, w), np.float32)
        base_bg = np.zeros((h, w), np.float32)
        # background seeds deep outside the box add nothing but cost: keep the ring next to it
        bg_seeds = bg_hard & ~(outside & ~_near(outside, 3))
        gamma, tau = cfg.geo_gamma * diag, cfg.geo_tau * lv.noise
        d_all = _distances(lv.smooth, fg_hard, bg_seeds, gamma, tau)
        pull_all = _closeness(d_all, cfg.geo_scale * diag)
        pull_new = None
        if new_fg.any() or new_bg.any():
            if cfg.pull_depth > 0 and prev is not None:
                scales = (cfg.geo_new_floor * diag, cfg.geo_new_scale * diag)
                cf, df = _depth_scaled_pull(lv.smooth, new_fg, prev >= 0.5, gamma, tau, cfg.pull_depth, scales,
                                            cfg.pull_reach, cfg.reach_local, clicks, cfg.stroke_pull_depth)
                cb, db = _depth_scaled_pull(lv.smooth, new_bg, prev < 0.5, gamma, tau, cfg.pull_depth, scales,
                                            cfg.pull_reach, cfg.reach_local, clicks, cfg.stroke_pull_depth)
                d_new, pull_new = (df, db), (cb, cf)
            else:
                d_new = _distances(lv.smooth, new_fg, new_bg, gamma, tau)
                pull_new = _closeness(d_new, cfg.geo_new_scale * diag)
            if cfg.pull_voronoi and d_all is not None:
                # a new seed pulls only the pixels that are geodesically nearer to it than to any seed of the other
                # side, so a pull cannot run through a similar-coloured background up to the box ring
                pull_new = (pull_new[0] * (d_new[1] <= d_all[0]), pull_new[1] * (d_new[0] <= d_all[1]))
            if prev is not None:
                pull_new = part_pulls(self.colour, lv.idx, pull_new, new_fg, new_bg, prev >= 0.5, outside, fg_hard,
                                      bg_hard, clicks, cfg)
        for pull, weight in ((pull_all, cfg.geo_weight), (pull_new, cfg.geo_new_weight)):
            if pull is not None:
                base_fg += weight * pull[0]
                base_bg += weight * pull[1]
        if prev is not None:
            p = np.clip(prev, 0.1, 0.9)
            base_fg += cfg.prior_weight * -np.log(p)
            base_bg += cfg.prior_weight * -np.log(1 - p)
        return base_fg, base_bg, pull_new


def _distances(lab, fg_seeds, bg_seeds, gamma, tau) -> tuple[np.ndarray, np.ndarray] | None:
    """Geodesic distances (to the fg seeds, to the bg seeds); None without any seed."""
    if not fg_seeds.any() and not bg_seeds.any():
        return None
    return (np.minimum(geodesic_distance(lab, fg_seeds, gamma, tau), 1e6),
            np.minimum(geodesic_distance(lab, bg_seeds, gamma, tau), 1e6))


def _depth_scaled_pull(lab, seeds, prev_same, gamma, tau, depth_factor, scales, reach=0.0, local=False, clicks=None,
                       stroke_factor=None):
    """Closeness to ``seeds`` and the geodesic distance to the nearest of them, where each connected seed (a click, a
    stroke) has its own scale: ``depth_factor`` times its distance to the previous region of its own label, within
    ``scales``. A correction just outside the previous boundary is about a sliver; one deep inside the wrong label
    is about a whole region. With ``reach`` > 0 a seed pulls only pixels at most ``reach`` times its own depth (and at
    least 2 px) into the wrong label: the region it corrects lies between it and the previous boundary, not in the
    same-coloured background that runs on beyond it (the curtain behind a tuft of hair). With ``local`` that depth is
    the one of the stretch of the seed (within a brush width) that a pixel's shortest path starts from: a stroke that
    runs from the previous boundary out into the wrong label pulls beside its shallow end only as deep as that end
    lies (a click is one stretch: the same as without). Given ``clicks`` (a mask of the new clicks' centres), a seed
    that holds none of them is a stroke, which paints the extent of the region it corrects itself and so pulls with
    ``stroke_factor`` instead (about as far as it lies deep)."""
    h, w = seeds.shape
    close = np.zeros((h, w), np.float32)
    dist = np.full((h, w), 1e6, np.float32)
    if not seeds.any():
        return close, dist
    depth = cv2.distanceTransform((~prev_same).astype(np.uint8), cv2.DIST_L2, 3) if prev_same.any() \
        else np.full((h, w), np.inf, np.float32)
    n, comp = cv2.connectedComponents(seeds.astype(np.uint8), connectivity=8)
    for c in range(1, n):
        m = comp == c
        seed_depth = float(depth[m].max())
        if local:
            # each pixel is measured against the stretch of the seed its path comes from: the deepest seed pixel
            # within a brush width there
            k = 4 * int(np.ceil(cv2.distanceTransform(m.astype(np.uint8), cv2.DIST_L2, 3).max())) + 1
            stretch = cv2.dilate(np.where(m, np.minimum(depth, 1e6), 0).astype(np.float32), np.ones((k, k), np.uint8))
        else:
            stretch = np.full((h, w), seed_depth, np.float32)
        d, limit = geodesic_nearest(lab, m, stretch, gamma, tau)
        d = np.minimum(d, 1e6)
        factor = depth_factor if clicks is None or stroke_factor is None or clicks[m].any() else stroke_factor
        scale = float(np.clip(factor * seed_depth, *scales))
        pull = np.exp(-d / scale)
        if reach > 0:
            pull *= depth <= np.maximum(reach * limit, 2.0)
        np.maximum(close, pull, out=close)
        np.minimum(dist, d, out=dist)
    return close, dist


def _points(xy: np.ndarray, lv: _Level) -> np.ndarray:
    """Mask of the pixels at ``lv``'s scale that hold the image points ``xy`` ((N, 2), x right), each with its 8
    neighbours (the seed masks are downscaled any-pixel)."""
    w, h = lv.size
    out = np.zeros((h, w), np.uint8)
    for x, y in np.asarray(xy, np.float64).reshape(-1, 2):
        out[min(h - 1, max(0, int(y * lv.scale))), min(w - 1, max(0, int(x * lv.scale)))] = 1
    return cv2.dilate(out, np.ones((3, 3), np.uint8)) > 0


def _closeness(dist, scale) -> tuple[np.ndarray, np.ndarray] | None:
    """(closeness to bg seeds, closeness to fg seeds) in [0, 1], decaying with geodesic distance: being close to a
    background seed makes labelling foreground costly, and the reverse."""
    if dist is None:
        return None
    return np.exp(-dist[1] / scale).astype(np.float32), np.exp(-dist[0] / scale).astype(np.float32)


def _near(mask: np.ndarray, r: int) -> np.ndarray:
    """Pixels of ``mask`` within ``r`` px of its border."""
    inner = cv2.erode(mask.astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8),
                      borderType=cv2.BORDER_REPLICATE)
    return mask & (inner == 0)


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


def _upsample(prob_small: np.ndarray, small_rgb: np.ndarray, image: np.ndarray) -> np.ndarray:
    """Full-resolution probability: bilinear, and near the boundary the guided filter's linear model fitted at the
    working scale, so the edge follows the full-resolution image."""
    H, W = image.shape[:2]
    up = cv2.resize(prob_small, (W, H), interpolation=cv2.INTER_LINEAR)
    band_small = (prob_small > 0.02) & (prob_small < 0.98)
    if not band_small.any():
        return up
    hs, ws = prob_small.shape
    ys, xs = np.nonzero(band_small)
    y0, y1 = max(0, int((ys.min() - 1) * H / hs)), min(H, int(np.ceil((ys.max() + 2) * H / hs)))
    x0, x1 = max(0, int((xs.min() - 1) * W / ws)), min(W, int(np.ceil((xs.max() + 2) * W / ws)))
    filt = guided_upsample(small_rgb.astype(np.float32) / 255.0, prob_small, image, radius=2, eps=1e-3,
                           region=(y0, y1, x0, x1))
    sub = up[y0:y1, x0:x1]
    band = (sub > 0.02) & (sub < 0.98)
    sub[band] = np.clip(filt[band], 0.0, 1.0)
    return up
