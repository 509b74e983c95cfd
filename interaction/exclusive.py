"""Instance exclusivity: per pixel the alphas of all instances sum to at most 1."""

from __future__ import annotations

import numpy as np


def exclusive_alphas(alphas: list[np.ndarray], support: list[np.ndarray]) -> list[np.ndarray]:
    """Make ``alphas`` exclusive. Where their sum exceeds 1, instances are served in order of ``support`` (higher
    first): each takes what it asks for, capped by what is left of 1. Pixels whose sum is at most 1 are unchanged."""
    if len(alphas) <= 1:
        return [a.copy() for a in alphas]
    stack = np.stack(alphas).astype(np.float32)
    total = stack.sum(axis=0)
    over = total > 1.0 + 1e-6
    if not over.any():
        return [a.copy() for a in stack]
    a = stack[:, over]  # K x M
    s = np.stack(support).astype(np.float32)[:, over]
    order = np.argsort(-s, axis=0, kind="stable")  # K x M, best first
    ranked = np.take_along_axis(a, order, axis=0)
    before = np.cumsum(ranked, axis=0) - ranked  # what better-supported instances already took
    granted = np.clip(np.minimum(ranked, 1.0 - before), 0.0, None)
    out = np.empty_like(a)
    np.put_along_axis(out, order, granted, axis=0)
    stack[:, over] = out
    return list(stack)
