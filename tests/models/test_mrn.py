"""MRN on CPU with the tiny random-init configuration: shapes, PRM, coarse-to-fine tiling, loss, session."""

import numpy as np
import torch

from mattestudio.interaction.prompts import Box, Click
from mattestudio.interaction.session import Session
from mattestudio.models.mrn.backend import build
from mattestudio.models.mrn.config import TINY
from mattestudio.models.mrn.network import MRN
from mattestudio.models.mrn.prm import progressive_refine, uncertain_band
from mattestudio.models.protocol import RefineRequest, never_cancel, no_progress
from mattestudio.models.training.losses import hard_l1


def test_network_levels_shapes_and_ranges():
    torch.manual_seed(0)
    net = MRN(TINY).eval()
    with torch.inference_mode():
        out = net(torch.rand(2, 3, 64, 96), torch.rand(2, 1, 64, 96))
    for a in out.levels():
        assert a.shape == (2, 1, 64, 96)
        assert a.min() >= 0 and a.max() <= 1


def test_prm_keeps_certain_alpha_and_replaces_the_band():
    coarse = torch.zeros(1, 1, 40, 40)
    coarse[..., 10:30, 10:30] = 1.0
    coarse[..., 20, 20] = 0.5  # one uncertain pixel
    fine = torch.full_like(coarse, 0.25)
    out = progressive_refine(coarse, [fine], (7,))
    band = uncertain_band(coarse, 7)
    assert band.sum() == 49  # a 7 x 7 square around the uncertain pixel
    assert torch.equal(out[band], fine[band]) and torch.equal(out[~band], coarse[~band])


def test_coarse_to_fine_tiles_cover_the_uncertain_band(monkeypatch):
    monkeypatch.setattr("mattestudio.models.mrn.specs.OWN", {})  # the path without trained weights
    pred = build(work_size=64, tile=64, tile_overlap=16)
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (150, 130, 3), dtype=np.uint8)
    prob = np.zeros((150, 130), np.float32)
    prob[40:110, 30:100] = 1.0
    calls = []
    res = pred.refine(RefineRequest(image, prob, np.zeros_like(prob, np.uint8)),
                      lambda f, m="": calls.append(f), never_cancel)
    assert res.alpha.shape == (150, 130) and res.alpha.dtype == np.float32
    assert 0 <= res.alpha.min() <= res.alpha.max() <= 1
    assert res.info["tiles"] >= 1 and calls[-1] == 1.0
    assert any("no trained MRN weights" in w for w in res.info["warnings"])


def test_hard_pixel_l1():
    pred = torch.zeros(1, 1, 1, 10)
    gt = torch.tensor([[[[1.0, 1.0, 1.0, 0, 0, 0, 0, 0, 0, 0]]]])
    # mean |err| = 0.3; the hardest 30% (3 pixels) have mean 1.0
    assert abs(hard_l1(pred, gt).item() - 1.3) < 1e-6


def test_session_iscn_then_mrn(disc_image, monkeypatch):
    monkeypatch.setattr("mattestudio.models.iscn.specs.OWN", {})  # the paths without trained weights
    monkeypatch.setattr("mattestudio.models.mrn.specs.OWN", {})
    image, _ = disc_image
    s = Session(image, segmenter="iscn", refiner="mrn", device="auto")
    s.add_instance("disc")
    r1 = s.run_round("disc", [Box(40, 20, 120, 100)])
    r2 = s.run_round("disc", [Click(80, 60, True), Click(5, 5, False)])
    for r in (r1, r2):
        assert r.alpha.shape == image.shape[:2] and 0 <= r.alpha.min() <= r.alpha.max() <= 1
    assert r2.logits is not None
    assert any("ISCN" in w for w in r2.warnings) and any("MRN" in w for w in r2.warnings)
    assert set(s.alphas()) == {"disc"}


def test_bundled_weights_are_found_verified_and_used(disc_image):
    """The shipped tiny networks load from weights/ after their sha256 check: no random-init warning."""
    from mattestudio.interaction.backends import reports

    status = {w.name: w.status for r in reports() for w in r.weights}
    for name in ("iscn_tiny", "mrn_tiny", "gfm_tiny", "mask2alpha_tiny"):
        assert status[name] == "bundled", name
    image, _ = disc_image
    s = Session(image, segmenter="iscn", refiner="mrn")
    s.add_instance("disc")
    res = s.run_round("disc", [Box(40, 20, 120, 100)])
    assert not any("no trained weights" in w for w in res.warnings)
    assert res.alpha.shape == image.shape[:2]
