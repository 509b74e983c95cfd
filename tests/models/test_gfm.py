"""GFM on CPU with the tiny random-init configuration: outputs, fusion, prompt handling, both roles, loss."""

import numpy as np
import pytest
import torch

from mattestudio.interaction.prompts import Box
from mattestudio.interaction.session import Session
from mattestudio.models.gfm.backend import build
from mattestudio.models.gfm.config import TINY
from mattestudio.models.gfm.network import FG, GFM, TRANSITION, collaborative_fusion
from mattestudio.models.protocol import (PromptSet, RefineRequest, SegmentRequest, UnsupportedPrompt, never_cancel,
                                         no_progress)
from mattestudio.models.training.losses import gfm_loss, glance_target


def test_network_outputs():
    torch.manual_seed(0)
    net = GFM(TINY).eval()
    with torch.inference_mode():
        out = net(torch.rand(1, 3, 64, 96))
    assert out.glance.shape == (1, 3, 64, 96)
    assert out.focus.shape == out.fused.shape == (1, 1, 64, 96)
    assert 0 <= out.fused.min() <= out.fused.max() <= 1


def test_collaborative_fusion():
    logits = torch.zeros(1, 3, 1, 3)
    logits[0, 0, 0, 0] = 5  # bg
    logits[0, TRANSITION, 0, 1] = 5
    logits[0, FG, 0, 2] = 5
    focus = torch.full((1, 1, 1, 3), 0.3)
    assert collaborative_fusion(logits, focus).flatten().tolist() == pytest.approx([0.0, 0.3, 1.0])


def _request(image, prompts):
    h, w = image.shape[:2]
    z = np.zeros((h, w), bool)
    pos = z.copy()
    pos[60, 80] = True
    return SegmentRequest(image, prompts, prompts, pos, z, np.zeros((h, w), np.uint8), image_key="k")


def test_segmenter_honours_boxes_and_seeds_and_refuses_text(disc_image):
    image, _ = disc_image
    pred = build()
    full = pred.segment(_request(image, PromptSet(boxes=((0.0, 0.0, 159.0, 119.0),))), no_progress, never_cancel)
    assert full.prob.shape == image.shape[:2] and full.prob[60, 80] == 1.0
    boxed = pred.segment(_request(image, PromptSet(boxes=((40.0, 20.0, 120.0, 100.0),))), no_progress, never_cancel)
    assert boxed.prob[:19].max() == 0 and boxed.prob[:, :39].max() == 0
    with pytest.raises(UnsupportedPrompt, match="text"):
        pred.segment(_request(image, PromptSet(texts=("the disc",))), no_progress, never_cancel)


def test_refiner_keeps_certain_trimap(disc_image):
    image, _ = disc_image
    trimap = np.zeros(image.shape[:2], np.uint8)
    trimap[40:80, 60:100] = 255
    trimap[30:40, 50:110] = 128
    res = build().refine(RefineRequest(image, (trimap > 0).astype(np.float32), trimap), no_progress, never_cancel)
    assert (res.alpha[trimap == 255] == 1).all() and (res.alpha[trimap == 0] == 0).all()


def test_loss_and_glance_target():
    gt = torch.zeros(1, 1, 64, 64)
    gt[..., 16:48, 16:48] = 1.0
    gt[..., 16:48, 47] = 0.5
    target = glance_target(gt, width=3)
    assert set(target.unique().tolist()) == {0, 1, 2}
    net = GFM(TINY)
    out = net(torch.rand(1, 3, 64, 64))
    loss = gfm_loss(out.glance, out.focus, out.fused, gt, torch.rand(1, 3, 64, 64), torch.rand(1, 3, 64, 64))
    loss.backward()
    assert torch.isfinite(loss) and net.focus.head.weight.grad is not None


def test_session_auto_round(disc_image):
    image, _ = disc_image
    h, w = image.shape[:2]
    s = Session(image, segmenter="gfm", refiner="gfm")
    s.add_instance()
    r = s.run_round("instance 1", [Box(0, 0, w - 1, h - 1)])  # the app's Auto button: a whole-image box
    assert r.alpha.shape == (h, w) and 0 <= r.alpha.min() <= r.alpha.max() <= 1
    assert not any("GFM" in x for x in r.warnings)  # the shipped tiny weights load (sha256-checked)
