"""A colour-sampling data term for the pixels a user painted soft (semi-transparent: glass, smoke, a veil).

Closed-form matting only propagates the known alpha around an unknown region; inside a large one (a whole lens, a
veil) any constant alpha costs it almost nothing, so an unknown region enclosed by known foreground comes out opaque.
Robust matting (Wang and Cohen, CVPR 2007) adds what the colours say: each unknown pixel's colour ``I`` is explained
as ``a F + (1 - a) B`` with ``F`` drawn from the known foreground and ``B`` from the known background; the best pair's
``a`` enters the linear system as a prior, weighted by how well the pair explains ``I`` and how far apart ``F`` and
``B`` are. Candidates are colour clusters of the known pixels around the soft region (deterministic k-means).
"""

from __future__ import annotations

import cv2
import numpy as np

#: colour clusters of the known foreground and of the known background
K_FG, K_BG = 6, 10
#: at most this many known pixels feed the clustering (evenly strided)
MAX_SAMPLES = 20_000
#: residual (RGB in [0, 1]) at which a pair's confidence falls to 1/e
RESIDUAL_SCALE = 0.04
#: foreground-background distance (RGB in [0, 1]) below which a pair says little about alpha
SEPARATION_SCALE = 0.15
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


def soft_prior(image: np.ndarray, trimap: np.ndarray, soft: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Alpha estimates and confidences (both H x W float64, zero outside ``soft``) for the unknown ``soft`` pixels of
    ``image`` (H x W x 3 float in [0, 1]) from the best (foreground, background) colour pair; None when one side has
    no known pixel."""
    fg, bg = _away_from_unknown(trimap == 255), _away_from_unknown(trimap == 0)
    where = soft & (trimap == 128)
    if not fg.any() or not bg.any() or not where.any():
        return None
    F = kmeans_colours(image[fg].astype(np.float64), K_FG)
    B = kmeans_colours(image[bg].astype(np.float64), K_BG)
    I = image[where].astype(np.float64)  # M x 3
    best_res = np.full(len(I), np.inf)
    best_a = np.zeros(len(I))
    best_sep = np.zeros(len(I))
    for f in F:
        d = f[None, :] - B  # K_BG x 3
        dd = np.maximum((d * d).sum(1), 1e-8)
        # alpha of I on each segment B_j -> f, and what is left unexplained
        a = np.clip(((I[:, None, :] - B[None]) * d[None]).sum(-1) / dd[None], 0.0, 1.0)  # M x K_BG
        fit = a[..., None] * f[None, None] + (1.0 - a[..., None]) * B[None]
        res = np.sqrt(((I[:, None, :] - fit) ** 2).sum(-1))
        j = np.argmin(res, axis=1)
        r = res[np.arange(len(I)), j]
        better = r < best_res
        best_res[better] = r[better]
        best_a[better] = a[np.arange(len(I)), j][better]
        best_sep[better] = np.sqrt(dd[j][better])
    conf = np.exp(-(best_res / RESIDUAL_SCALE) ** 2) * (1.0 - np.exp(-(best_sep / SEPARATION_SCALE) ** 2))
    alpha_hat = np.zeros(trimap.shape)
    confidence = np.zeros(trimap.shape)
    alpha_hat[where] = best_a
    confidence[where] = conf
    return alpha_hat, confidence
