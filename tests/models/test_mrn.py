"""MRN on CPU with the tiny random-init configuration: shapes, PRM, coarse-to-fine tiling, loss, session."""

import json

import numpy as np
import pytest
import torch

from mattestudio.interaction.prompts import Box, Click
from mattestudio.interaction.session import Session
from mattestudio.models.mrn.backend import build
from mattestudio.models.mrn.config import TINY
from mattestudio.models.mrn.network import MRN
from mattestudio.models.mrn.prm import progressive_refine, uncertain_band
from mattestudio.models.protocol import BackendError, RefineRequest, never_cancel, no_progress
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


def _speed_photo(megapixels: float):
    from mattestudio.interaction.bench.speed import speed_image

    image, alpha = speed_image(megapixels)
    return image, (alpha >= 0.5).astype(np.float32)


def test_device_pipeline_agrees_with_the_host_pipeline():
    """The pipeline an accelerator uses, run here on the CPU with the shipped weights: the same tiles and nearly the
    same alpha (its downsizing filter differs from OpenCV's area averaging)."""
    image, prob = _speed_photo(0.05)
    opts = dict(work_size=128, tile=96, tile_overlap=24)
    req = RefineRequest(image, prob, None)
    host = build(pipeline="host", **opts).refine(req, no_progress, never_cancel)
    seen = []
    device = build(pipeline="device", **opts).refine(req, lambda f, m="": seen.append(m), never_cancel)
    assert host.info["pipeline"] == "host" and device.info["pipeline"] == "device"
    assert device.info["tiles"] == host.info["tiles"] >= 4
    assert device.alpha.shape == prob.shape and device.alpha.dtype == np.float32
    diff = np.abs(device.alpha - host.alpha)
    assert diff.mean() < 2e-3 and np.mean(diff > 0.1) < 5e-3, (diff.mean(), np.mean(diff > 0.1))
    assert any("tiles" in m for m in seen)


def test_device_pipeline_batches_tiles_without_changing_the_alpha():
    image, prob = _speed_photo(0.05)
    req = RefineRequest(image, prob, None)
    opts = dict(work_size=128, tile=96, tile_overlap=24, pipeline="device")
    one = build(tile_batch=1, **opts).refine(req, no_progress, never_cancel).alpha
    many = build(tile_batch=8, **opts).refine(req, no_progress, never_cancel).alpha
    np.testing.assert_allclose(one, many, atol=1e-4)


def test_device_pipeline_batches_are_powers_of_two_and_warm_up_runs_each():
    pred = build(work_size=64, tile=32, tile_overlap=8, pipeline="device", tile_batch=16)
    boxes = [(0, 32 * i, 32, 32 * i + 32) for i in range(21)] + [(32, 0, 50, 32)]  # 21 full tiles, one narrower
    assert sorted(len(b) for b in pred.device_pass._batches(boxes)) == [1, 1, 4, 16]
    seen = []
    inner = pred.device_pass.network
    pred.device_pass.network = lambda image, coarse: seen.append(tuple(image.shape)) or inner(image, coarse)
    pred.device_pass.warm()
    assert seen == [(1, 3, 64, 64)] + [(n, 3, 32, 32) for n in (1, 2, 4, 8, 16)]


def test_device_pipeline_out_of_memory_falls_back_to_the_host_pipeline_with_a_warning():
    image, prob = _speed_photo(0.05)
    opts = dict(work_size=128, tile=96, tile_overlap=24)
    pred = build(pipeline="device", **opts)

    def no_memory(*args):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    pred.device_pass = type("Full", (), {"__call__": staticmethod(no_memory)})()
    res = pred.refine(RefineRequest(image, prob, None), no_progress, never_cancel)
    host = build(pipeline="host", **opts).refine(RefineRequest(image, prob, None), no_progress, never_cancel)
    assert res.info["pipeline"] == "host" and any("out of memory" in w for w in res.info["warnings"])
    np.testing.assert_array_equal(res.alpha, host.alpha)
    assert not any("out of memory" in w for w in pred.warnings)  # the warning belongs to that round only


def test_pipeline_options_are_checked_and_auto_keeps_the_cpu_on_the_host():
    assert build().device_pass is None  # auto on the CPU: the low-memory host pipeline
    assert build(pipeline="device").device_pass is not None
    for bad in (dict(pipeline="gpu"), dict(precision="int8"), dict(tile_batch=0), dict(tile=64, tile_overlap=64)):
        with pytest.raises(BackendError):
            build(**bad)


class _Watched:
    """The real MRN refiner, recording what the session hands it and which threads run meanwhile."""

    name, uses_trimap = "mrn", False

    def __init__(self, on_accelerator: bool):
        from mattestudio.models.registry import create

        self.inner, self.on_accelerator, self.seen = create("mrn", "refiner", "cpu"), on_accelerator, []

    def refine(self, req, progress, cancel):
        import threading

        self.seen.append((req.trimap, any(t.name.startswith("trimap") for t in threading.enumerate())))
        return self.inner.refine(req, progress, cancel)


@pytest.mark.parametrize("on_accelerator", [False, True])
def test_session_gives_mrn_no_trimap_and_computes_it_after_or_beside(disc_image, on_accelerator):
    """MRN gets no trimap; the round still carries the session's trimap (the one the classic refiner is given after
    the same segmenter), computed beside the refiner only when its work runs on an accelerator."""
    image, _ = disc_image
    watched = _Watched(on_accelerator)
    s = Session(image, refiner=watched)
    s.add_instance("disc")
    res = s.run_round("disc", [Box(40, 20, 120, 100)])
    assert watched.seen == [(None, on_accelerator)]
    classic = Session(image)
    classic.add_instance("disc")
    np.testing.assert_array_equal(res.trimap, classic.run_round("disc", [Box(40, 20, 120, 100)]).trimap)
    assert 0 < res.alpha_seconds <= res.refine_seconds
    assert res.pack().unpack().alpha_seconds == res.alpha_seconds


def test_mrn_on_the_cpu_is_not_on_an_accelerator():
    from mattestudio.models.registry import create

    assert create("mrn", "refiner", "cpu").on_accelerator is False
    assert create("mrn", "refiner", "cpu", pipeline="device").on_accelerator is False


def test_mrn_speed_prints_the_refine_time_and_the_distance_to_the_host_pipeline(capsys):
    from mattestudio.models.mrn import speed

    assert speed.main(["--mp", "0.05", "--pipeline", "device", "--repeats", "1"]) == 0
    row = json.loads(capsys.readouterr().out.strip())
    assert row["pipeline"] == "device" and row["device"].startswith("cpu") and row["precision"] == "fp32"
    assert row["refine_ms"] > 0 and row["tiles"] >= 0 and row["trained_weights"]
    assert 0 <= row["vs_fp32_host_mean"] < 0.01
