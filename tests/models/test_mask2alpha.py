"""Mask2Alpha refiner: sparse vs dense-fallback equality, committed pixels, sparse sites, DINO key mapping, losses,
and the back-end through the registry and the session (tiny random-init configurations on CPU)."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mattestudio.models.mask2alpha.config import DINO_VIT, SparseConfig, tiny_config  # noqa: E402
from mattestudio.models.mask2alpha.model import Mask2AlphaNet  # noqa: E402
from mattestudio.models.mask2alpha.regions import UNDECIDED  # noqa: E402
from mattestudio.models.mask2alpha.sparse import spconv_available  # noqa: E402
from mattestudio.models.protocol import Cancelled, RefineRequest, never_cancel, no_progress  # noqa: E402

NEVER = (2.0, 2.0)  # commit thresholds no confidence reaches


def _disc_inputs(disc_image, band: int = 6):
    image, alpha = disc_image
    mask = (alpha >= 0.5).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))
    trimap = np.full(mask.shape, 128, np.uint8)
    trimap[cv2.erode(mask, kernel) > 0] = 255
    trimap[cv2.dilate(mask, kernel) == 0] = 0
    prob = cv2.GaussianBlur(alpha, (0, 0), 2.0).astype(np.float32)
    return image, prob, trimap, alpha


def _tensors(image, prob, trimap):
    img = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255.0
    return img, torch.from_numpy(prob)[None, None], torch.from_numpy(trimap)[None, None]


def _net(args, **overrides) -> Mask2AlphaNet:
    """A tiny random-init network whose commit thresholds are the median confidence of each stage's uncertain
    pixels, so that every stage commits some pixels and leaves others to the next stage."""
    torch.manual_seed(0)
    net = Mask2AlphaNet(tiny_config(commit_confidence=NEVER, **overrides)).eval()
    with torch.no_grad():
        out = net(*args, backend="dense")
    medians = tuple(float(torch.sigmoid(logits[:, 1:])[uncertain].median())
                    for logits, uncertain in zip(out.stage_logits, out.stage_uncertain))
    net.cfg = replace(net.cfg, commit_confidence=medians)
    return net


@pytest.mark.skipif(not spconv_available(), reason="spconv is not installed (pip install spconv-cu120); the sparse "
                                                    "path cannot run, the dense fallback is tested on its own")
def test_sparse_path_matches_dense_fallback(disc_image):
    args = _tensors(*_disc_inputs(disc_image)[:3])
    net = _net(args)
    with torch.no_grad():
        sparse = net(*args, backend="spconv", trace=True)
        dense = net(*args, backend="dense")
    assert sparse.num_sites == dense.num_sites > 100
    assert torch.equal(sparse.state, dense.state)
    assert float((sparse.alpha - dense.alpha).abs().max()) < 1e-5
    # the detail stage moved the alpha, so the comparison covers the sparse convolutions
    assert float((sparse.trace[2][1] - sparse.trace[1][1]).abs().max()) > 1e-3


def test_dense_fallback_gives_the_same_sites_output_whatever_its_tile_size():
    """An accelerator runs the dense fallback in larger tiles than the CPU; the halo makes the tiling invisible."""
    from mattestudio.models.mask2alpha.sparse import DEVICE_TILE, SparseDetailNet

    torch.manual_seed(0)
    net = SparseDetailNet(6, SparseConfig(width=8, dilations=(1, 2), site_dilation=2, tile=16)).eval()
    sites = torch.rand(1, 1, 90, 70) < 0.3
    coords = sites.nonzero()[:, (0, 2, 3)]
    feats = torch.randn(coords.shape[0], 6)
    with torch.no_grad():
        small = net._run_dense(feats, coords, (90, 70), 1, lambda f: None)
        large = net._run_dense(feats, coords, (90, 70), 1, lambda f: None, tile=DEVICE_TILE)
        odd = net._run_dense(feats, coords, (90, 70), 1, lambda f: None, tile=37)
    assert small.shape == (coords.shape[0], 8) and float(small.abs().max()) > 0
    torch.testing.assert_close(small, large, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(small, odd, atol=1e-5, rtol=1e-5)


def test_committed_pixels_never_change(disc_image):
    image, prob, trimap, _ = _disc_inputs(disc_image)
    args = _tensors(image, prob, trimap)
    with torch.no_grad():
        out = _net(args)(*args, backend="dense", trace=True)
    states = [s[0, 0].numpy() for s, _ in out.trace]
    alphas = [a[0, 0].numpy() for _, a in out.trace]
    assert len(states) == 3  # 1/8, 1/4, full-resolution detail
    # the trimap's known pixels start committed and keep their trimap value
    known = trimap != 128
    for a in alphas:
        np.testing.assert_array_equal(a[known], (trimap[known] == 255).astype(np.float32))
    unknown = trimap == 128
    before = unknown
    for k, (state, alpha) in enumerate(zip(states, alphas)):
        committed = before & (state != UNDECIDED)
        assert committed.any(), f"stage {k + 1} committed nothing"
        for later_state, later_alpha in zip(states[k + 1:], alphas[k + 1:]):
            np.testing.assert_array_equal(later_state[committed], state[committed])
            np.testing.assert_array_equal(later_alpha[committed], alpha[committed])
        # unidirectional: nothing goes back to undecided
        assert not (state[~before] == UNDECIDED).any()
        before = state == UNDECIDED
    assert not (states[-1] == UNDECIDED).any()


def test_sparse_sites_are_the_dilated_uncertain_set(disc_image):
    image, prob, trimap, _ = _disc_inputs(disc_image)
    for r in (0, 2):
        args = _tensors(image, prob, trimap)
        net = _net(args, sparse=SparseConfig(width=8, dilations=(1, 2), site_dilation=r, tile=48))
        with torch.no_grad():
            out = net(*args, backend="dense", trace=True)
        undecided = out.trace[1][0][0, 0].numpy() == UNDECIDED  # still undecided after the 1/4 stage
        assert out.undecided_counts[2] == undecided.sum() > 0
        expected = cv2.dilate(undecided.astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8)) > 0
        assert out.num_sites == expected.sum()
        np.testing.assert_array_equal(out.sites[0, 0].numpy(), expected)
        # the detail stage writes exactly the undecided pixels
        changed = out.trace[2][1][0, 0].numpy() != out.trace[1][1][0, 0].numpy()
        assert not (changed & ~undecided).any()


def _refiner(config=None, **options):
    from mattestudio.models import registry

    torch.manual_seed(0)
    return registry.create("mask2alpha", "refiner", "cpu", config=config or tiny_config(), **options)


@pytest.mark.parametrize("size", [(101, 157), (240, 320)])  # not a multiple of 8; larger than max_side (128)
def test_refiner_shapes_ranges_and_random_init_warning(disc_image, size):
    image, prob, trimap, _ = _disc_inputs(disc_image)
    h, w = size
    image = cv2.resize(image, (w, h))
    prob = cv2.resize(prob, (w, h))
    trimap = cv2.resize(trimap, (w, h), interpolation=cv2.INTER_NEAREST)
    result = _refiner(backend="dense").refine(RefineRequest(image, prob, trimap), no_progress, never_cancel)
    assert result.alpha.shape == (h, w) and result.alpha.dtype == np.float32
    assert 0.0 <= result.alpha.min() and result.alpha.max() <= 1.0
    assert np.all(result.alpha[trimap == 255] == 1.0) and np.all(result.alpha[trimap == 0] == 0.0)
    assert any("randomly initialised" in w for w in result.info["warnings"])
    assert result.info["sparse_sites"] >= result.info["undecided"][2]


def test_refiner_cancel(disc_image):
    image, prob, trimap, _ = _disc_inputs(disc_image)
    with pytest.raises(Cancelled):
        _refiner().refine(RefineRequest(image, prob, trimap), no_progress, lambda: True)


def test_dino_official_key_layout_loads_strict():
    from mattestudio.models.mask2alpha.dino_vit import DinoViT, map_dino_state_dict

    cfg = DINO_VIT["vit_small"]  # ViT-S/16: 384 wide, 12 blocks, 6 heads, pos_embed for 224 / 16 = 14 x 14 + 1
    d, hid = 384, 1536
    shapes = {"cls_token": (1, 1, d), "pos_embed": (1, 197, d), "patch_embed.proj.weight": (d, 3, 16, 16),
              "patch_embed.proj.bias": (d,), "norm.weight": (d,), "norm.bias": (d,)}
    for i in range(12):
        b = f"blocks.{i}."
        shapes.update({b + "norm1.weight": (d,), b + "norm1.bias": (d,), b + "attn.qkv.weight": (3 * d, d),
                       b + "attn.qkv.bias": (3 * d,), b + "attn.proj.weight": (d, d), b + "attn.proj.bias": (d,),
                       b + "norm2.weight": (d,), b + "norm2.bias": (d,), b + "mlp.fc1.weight": (hid, d),
                       b + "mlp.fc1.bias": (hid,), b + "mlp.fc2.weight": (d, hid), b + "mlp.fc2.bias": (d,)})
    g = torch.Generator().manual_seed(0)
    backbone = {k: torch.randn(s, generator=g) for k, s in shapes.items()}
    # the official backbone-only file, and the full training checkpoint (module.backbone. prefix + DINO head)
    full = {"teacher": {**{f"module.backbone.{k}": v for k, v in backbone.items()},
                        "module.head.mlp.0.weight": torch.zeros(2048, d)},
            "student": {}, "epoch": 100}
    for sd in (backbone, full):
        net = DinoViT(cfg)
        net.load_state_dict(map_dino_state_dict(sd), strict=True)
        for k, v in backbone.items():
            assert torch.equal(net.state_dict()[k], v), k


def test_dino_prior_runs_in_the_network(disc_image):
    args = _tensors(*_disc_inputs(disc_image)[:3])
    net = _net(args, prior="dino")
    assert net.encoder.prior.net.pos_embed.shape == (1, (64 // 16) ** 2 + 1, 48)
    with torch.no_grad():
        out = net(*args, backend="dense")
    assert out.alpha.shape == (1, 1, 120, 160) and torch.isfinite(out.alpha).all()


@pytest.mark.parametrize("backend", ["dense", pytest.param("spconv", marks=pytest.mark.skipif(
    not spconv_available(), reason="spconv is not installed (pip install spconv-cu120)"))])
def test_losses_train_every_stage(disc_image, backend):
    from mattestudio.models.mask2alpha.losses import mask2alpha_loss

    image, prob, trimap, alpha = _disc_inputs(disc_image)
    img, p, t = _tensors(image, prob, trimap)
    net = _net((img, p, t))
    net.train()
    gt = torch.from_numpy(alpha)[None, None]
    fg = torch.tensor([210, 40, 50.0]).view(1, 3, 1, 1).expand_as(img) / 255.0
    out = net(img, p, t, backend=backend)
    terms = mask2alpha_loss(out, gt, t, img, fg, img)
    assert {"stage1_l1", "stage2_laplacian", "stage2_confidence", "detail_l1", "composition"} <= set(terms)
    assert torch.isfinite(terms["total"])
    terms["total"].backward()
    for part in (net.encoder.down2, net.encoder.prior, net.encoder.blocks, net.stage8, net.stage4, net.detail):
        grads = [prm.grad for prm in part.parameters() if prm.grad is not None]
        assert grads and any(float(g.abs().sum()) > 0 for g in grads), type(part).__name__


def test_session_end_to_end(disc_image):
    from mattestudio.interaction.prompts import Box
    from mattestudio.interaction.session import Session

    image, _ = disc_image
    session = Session(image, refiner="mask2alpha")
    session.add_instance("disc")
    result = session.run_round("disc", [Box(40, 20, 120, 100)])
    assert result.alpha.shape == image.shape[:2] and result.alpha.dtype == np.float32
    assert 0.0 <= result.alpha.min() and result.alpha.max() <= 1.0
    assert (result.alpha[result.trimap == 255] == 1.0).all() and (result.alpha[result.trimap == 0] == 0.0).all()
    assert not any("mask2alpha" in w for w in result.warnings)  # the shipped tiny weights load (sha256-checked)
    assert session.alphas()["disc"].shape == image.shape[:2]


def test_presets_and_their_weights():
    from mattestudio.models import registry
    from mattestudio.models.protocol import BackendError

    shipped = registry.create("mask2alpha", "refiner", "cpu", backend="dense")
    assert shipped.config == tiny_config() and shipped.warnings == []
    paper = registry.create("mask2alpha", "refiner", "cpu", preset="default", backend="dense")
    assert paper.config.widths == (16, 32, 64) and any("randomly initialised" in w for w in paper.warnings)
    with pytest.raises(BackendError, match="unknown Mask2Alpha preset"):
        registry.create("mask2alpha", "refiner", "cpu", preset="huge")


def test_refiner_cancels_during_the_detail_stage(disc_image):
    image, prob, trimap, _ = _disc_inputs(disc_image)
    seen: list[str] = []

    def cancel() -> bool:
        return "refining details" in seen

    with pytest.raises(Cancelled):
        _refiner(tiny_config(commit_confidence=NEVER), backend="dense").refine(
            RefineRequest(image, prob, trimap), lambda f, m: seen.append(m), cancel)
    assert "done" not in seen
