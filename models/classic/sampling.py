"""A colour-sampling data term for the pixels a user painted soft (semi-transparent: glass, smoke, a veil).

Closed-form matting only propagates the known alpha around an unknown region; inside a large one (a whole lens, a
veil) any constant alpha costs it almost nothing, so an unknown region enclosed by known foreground comes out opaque.
Robust matting (Wang and Cohen, CVPR 2007) adds what the colours say: each unknown pixel's colour ``I`` is explained
as ``a F + (1 - a) B`` with ``F`` drawn from the known foreground and ``B`` from the known background; the best pair's
``a`` enters the linear system as a prior, weighted by how well the pair explains ``I`` and how far apart ``F`` and
``B`` are. Candidates are colour clusters of the known pixels near each pixel (deterministic k-means).
"""

from __future__ import annotations

import cv2
import numpy as np

#: colour clusters of the known foreground and of the known background around each tile
K_FG, K_BG = 4, 6
#: tiles (px at the solving scale) whose pixels share their candidates, and how many tiles around them are sampled
TILE, REACH = 24, 2
#: a window is widened until it holds this many known pixels of each side
MIN_SAMPLES = 12
#: at most this many known pixels feed the clustering (evenly strided)
MAX_SAMPLES = 2_000
#: residual (RGB in [0, 1]) at which a pair's confidence falls to 1/e
RESIDUAL_SCALE = 0.04
#: foreground-background distance (RGB in [0, 1]) below which a pair says little about alpha
SEPARATION_SCALE = 0.15
#: pairs whose alphas differ by more than this compete: the better one must explain a colour clearly better
AMBIGUOUS_ALPHA = 0.3
#: known pixels this close (px) to the unknown region are not sampled (they are often mixed themselves)
SAMPLE_GAP = 2


def kmeans_colours(colours: np.ndarray, k: int, iterations: int = 12) -> np.ndarray:
    """Up to ``k`` cluster centres of ``colours`` (N x 3 float): farthest-point seeding from the median colour, then
    Lloyd iterations; deterministic (no random draws), so results do not depend on a seed or a thread count."""
    if len(colours) > MAX_SAMPLES:
        colours = colours[:: int(np.ceil(len(colours) / MAX_SAMPLES))]
    centres = [np.median(colours, axis=0)]
    dist = np.sum((colours - centres[0]) ** 2, axis=1)
    for _ in range(1, min(k, len(colours))):
        far = int(np.argmax(dist))
        if dist[far] <= 1e-8:
            break
        centres.append(colours[far])
        dist = np.minimum(dist, np.sum((colours - colours[far]) ** 2, axis=1))
    c = np.array(centres, np.float64)
    for _ in range(iterations):
        label = np.argmin(((colours[:, None, :] - c[None]) ** 2).sum(-1), axis=1)
        for j in range(len(c)):
            members = colours[label == j]
            if len(members):
                c[j] = members.mean(axis=0)
    return c


def _away_from_unknown(known: np.ndarray) -> np.ndarray:
    """``known`` without its pixels within :data:`SAMPLE_GAP` of the rest (all of it when nothing would be left)."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * SAMPLE_GAP + 1, 2 * SAMPLE_GAP + 1))
    inner = cv2.erode(known.astype(np.uint8), kernel, borderType=cv2.BORDER_REPLICATE) > 0
    return inner if inner.any() else known


def _best_pairs(I: np.ndarray, F: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For colours ``I`` (M x 3): alpha and confidence of the (F, B) pair that explains each best. The confidence
    falls with the pair's residual, with its closeness (F near B says little), and with ambiguity: when a pair that
    means a quite different alpha (by more than :data:`AMBIGUOUS_ALPHA`) explains the colour almost as well (a light
    wall beside blonde hair), the colours do not decide, and the Laplacian's propagation should."""
    d = F[:, None, :] - B[None, :, :]  # K_FG x K_BG x 3
    dd = np.maximum((d * d).sum(-1), 1e-8).ravel()  # P pairs
    d = d.reshape(-1, 3)
    Bp = np.repeat(B[None], len(F), 0).reshape(-1, 3)
    # alpha of I on each segment B -> F of a pair, and what is left unexplained
    a = np.clip(((I[:, None, :] - Bp[None]) * d[None]).sum(-1) / dd[None], 0.0, 1.0)  # M x P
    fit = Bp[None] + a[..., None] * d[None]
    res = np.sqrt(((I[:, None, :] - fit) ** 2).sum(-1))
    rows = np.arange(len(I))
    j = np.argmin(res, axis=1)
    best_a, best_res = a[rows, j], res[rows, j]
    rival = np.where(np.abs(a - best_a[:, None]) > AMBIGUOUS_ALPHA, res, np.inf).min(axis=1)
    conf = (np.exp(-(best_res / RESIDUAL_SCALE) ** 2) * (1.0 - np.exp(-dd[j] / SEPARATION_SCALE ** 2))
            * (1.0 - np.exp(-((rival - best_res) / RESIDUAL_SCALE) ** 2)))
    return best_a, conf


def soft_prior(image: np.ndarray, trimap: np.ndarray, soft: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Alpha estimates and confidences (both H x W float64, zero outside ``soft``) for the unknown ``soft`` pixels of
    ``image`` (H x W x 3 float in [0, 1]) from the best (foreground, background) colour pair; None when one side has
    no known pixel. Candidates are local: the pixels of each :data:`TILE` px tile are explained by the colour
    clusters of the known pixels around it (a window :data:`REACH` tiles wider on each side, grown until it holds
    both sides), so that a dark shadow in the hair is not taken for a dark patch of background across the photo."""
    fg, bg = _away_from_unknown(trimap == 255), _away_from_unknown(trimap == 0)
    where = soft & (trimap == 128)
    if not fg.any() or not bg.any() or not where.any():
        return None
    h, w = trimap.shape
    alpha_hat = np.zeros(trimap.shape)
    confidence = np.zeros(trimap.shape)
    for ty in range(0, h, TILE):
        for tx in range(0, w, TILE):
            block = where[ty:ty + TILE, tx:tx + TILE]
            if not block.any():
                continue
            r = REACH * TILE
            while True:
                y0, y1, x0, x1 = max(0, ty - r), min(h, ty + TILE + r), max(0, tx - r), min(w, tx + TILE + r)
                f_win, b_win = fg[y0:y1, x0:x1], bg[y0:y1, x0:x1]
                whole = (y0, y1, x0, x1) == (0, h, 0, w)
                if whole or (f_win.sum() >= MIN_SAMPLES and b_win.sum() >= MIN_SAMPLES):
                    break
                r *= 2
            win = image[y0:y1, x0:x1].astype(np.float64)
            F = kmeans_colours(win[f_win], K_FG)
            B = kmeans_colours(win[b_win], K_BG)
            ys, xs = np.nonzero(block)
            a, c = _best_pairs(image[ty + ys, tx + xs].astype(np.float64), F, B)
            alpha_hat[ty + ys, tx + xs] = a
            confidence[ty + ys, tx + xs] = c
    return alpha_hat, confidence
