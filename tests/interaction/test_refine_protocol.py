"""The ``refine`` protocol: round 1 a box, round 2 soft strokes where the truth is soft and the result is wrong,
then clicks; end to end on a tiny set of semi-transparent lenses."""

import cv2
import numpy as np

from mattestudio.interaction.bench import simulator as sim
from mattestudio.interaction.bench.protocols import UserState, make_protocol
from mattestudio.interaction.bench.runner import BenchConfig, run_bench
from mattestudio.interaction.prompts import Box, Click, Soft


def _soft_band_truth(h=120, w=160):
    """A disc whose outer 20 px are a soft ramp (fur), opaque inside."""
    yy, xx = np.mgrid[0:h, 0:w]
    d = np.hypot(yy - 60, xx - 80)
    return np.clip((50 - d) / 20, 0, 1).astype(np.float32), d


def test_soft_strokes_follow_the_wrong_soft_region():
    truth, d = _soft_band_truth()
    hard = (truth >= 0.5).astype(np.float32)  # a result with a hard edge: wrong wherever the truth is soft
    strokes = sim.round_soft(truth, hard, 2)
    assert 1 <= len(strokes) <= 2 and all(isinstance(s, Soft) and s.radius == 12 for s in strokes)
    pts = np.array([p for s in strokes for p in s.points])
    r = np.hypot(pts[:, 1] - 60, pts[:, 0] - 80)
    assert (r > 30).all() and (r < 50).all()  # inside the soft ring, along its skeleton
    assert sim.round_soft(truth, truth, 2) == []  # nothing wrong: no stroke
    assert sim.round_soft(np.zeros_like(truth), hard, 2) == []  # nothing soft: no stroke


def test_refine_rounds_are_box_soft_then_clicks():
    truth, _ = _soft_band_truth()
    p = make_protocol("refine", 5, accepts_text=False)
    u = UserState(truth >= 0.5, np.random.default_rng(0), truth=truth)
    (box,) = p.prompts(1, u)
    assert isinstance(box, Box)
    u.pred, u.alpha = np.zeros(truth.shape, bool), np.zeros(truth.shape, np.float32)
    assert all(isinstance(s, Soft) for s in p.prompts(2, u)) and p.prompts(2, u)
    clicks = p.prompts(3, u)
    assert clicks and all(isinstance(c, Click) for c in clicks)


def test_refine_bench_on_lenses(tmp_path):
    """Lenses of alpha 0.4 in an opaque rim: the soft round lowers the error the box round left."""
    root = tmp_path / "set"
    for sub in ("image", "alpha"):
        (root / sub).mkdir(parents=True)
    rng = np.random.default_rng(2)
    for i in range(2):
        h, w = 100, 130
        yy, xx = np.mgrid[0:h, 0:w]
        d = np.hypot(yy - 50, xx - 62 - 3 * i)
        alpha = np.where(d <= 22, 0.4, np.clip(28.5 - d, 0, 1))
        tex = 110 + 60 * np.sign(np.sin(xx / 3.0) * np.sin(yy / (4.0 + i))) + rng.normal(0, 8, (h, w))
        img = alpha[..., None] * np.array([60, 60, 220]) + (1 - alpha[..., None]) * tex[..., None]
        cv2.imwrite(str(root / "image" / f"lens{i}.png"), np.clip(img, 0, 255).astype(np.uint8))
        cv2.imwrite(str(root / "alpha" / f"lens{i}.png"), np.round(alpha * 255).astype(np.uint8))
    res = run_bench(BenchConfig(root, "refine", rounds=3, peers=()))
    sad = {r: np.mean([x["whole"]["sad"] for x in res.records if x["round"] == r]) for r in (1, 2, 3)}
    print(f"\nrefine protocol on two lenses, SAD per round: {sad}")
    assert sad[2] < 0.75 * sad[1]
