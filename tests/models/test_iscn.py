"""ISCN on CPU with the tiny random-init configuration: shapes, CRM, masked attention, text refusal, encode once."""

import numpy as np
import pytest
import torch

from mattestudio.models.iscn.backend import build
from mattestudio.models.iscn.config import TINY
from mattestudio.models.iscn.crm import conflict_one_hot
from mattestudio.models.iscn.decoder import ISCNDecoder
from mattestudio.models.iscn.network import ISCN, PromptTensors
from mattestudio.models.iscn.predictor import ISCNPredictor
from mattestudio.models.iscn.sampler import PointType, prompt_points
from mattestudio.models.iscn.tokenizer import HashTokenizer
from mattestudio.models.protocol import (PromptSet, SegmentRequest, Stroke, UnsupportedPrompt, never_cancel,
                                         no_progress)

SMALL = TINY.with_options(input_size=128)


def request(image, prompts, conflict=None, **kw):
    h, w = image.shape[:2]
    z = np.zeros((h, w), bool)
    return SegmentRequest(image, prompts, prompts, z, z, np.zeros((h, w), np.uint8) if conflict is None else conflict,
                          image_key="img", **kw)


def click_set(x, y, positive=True):
    return PromptSet(clicks=np.array([[x, y]], np.float32), click_labels=np.array([positive]))


def predictor(cfg=SMALL, tokenizer=None):
    torch.manual_seed(0)
    return ISCNPredictor(ISCN(cfg), torch.device("cpu"), tokenizer, ("no trained weights",))


def test_segment_shapes_ranges_and_feedback(disc_image, monkeypatch):
    monkeypatch.setattr("mattestudio.models.iscn.specs.OWN", {})  # the path without trained weights
    image, _ = disc_image
    pred = build(device="cpu")
    prompts = PromptSet(clicks=np.array([[80, 60]], np.float32), click_labels=np.array([True]),
                        boxes=((30.0, 20.0, 130.0, 100.0),),
                        strokes=(Stroke(np.array([[60, 50], [90, 70]], np.float32), 4.0, False),))
    res = pred.segment(request(image, prompts), no_progress, never_cancel)
    assert res.prob.shape == image.shape[:2] and res.prob.dtype == np.float32
    assert 0.0 <= res.prob.min() <= res.prob.max() <= 1.0
    low = TINY.input_size // TINY.mask_stride
    assert res.logits.shape == (low, low)
    assert any("no trained ISCN weights" in w for w in res.info["warnings"])
    # the next round takes the low-res logits back
    again = pred.segment(request(image, prompts, prev_logits=res.logits, prev_prob=res.prob), no_progress,
                         never_cancel)
    assert again.prob.shape == image.shape[:2]


def test_visual_sampler_points():
    prompts = PromptSet(clicks=np.array([[5, 5]], np.float32), click_labels=np.array([False]),
                        boxes=((0.0, 0.0, 99.0, 49.0),),
                        strokes=(Stroke(np.array([[0, 0], [50, 0], [50, 40]], np.float32), 3.0, True),))
    pts = prompt_points(prompts, 1.0, 100, points_per_stroke=5, box_border=2, box_interior=3, max_points=64)
    kinds = list(pts.kind)
    assert kinds.count(PointType.BOX_CORNER) == 4 and kinds.count(PointType.BOX_BORDER) == 8
    assert kinds.count(PointType.BOX_INTERIOR) == 9 and kinds.count(PointType.SCRIBBLE) == 5
    assert kinds[-1] == PointType.CLICK and not pts.positive[-1]
    assert pts.xy.min() >= 0 and pts.xy.max() <= 1
    capped = prompt_points(prompts, 1.0, 100, 5, 2, 3, max_points=6)
    assert len(capped) == 6 and capped.kind[-1] == PointType.CLICK  # the newest prompts are kept


def _decode(net, emb, conflict):
    prompts = PromptTensors(torch.tensor([[[0.5, 0.5]]]), torch.tensor([[True]]), torch.tensor([[0]]),
                            torch.tensor([[True]]))
    with torch.inference_mode():
        return net.decode(emb, prompts, conflict_one_hot(conflict)).final_masks


@pytest.mark.parametrize("crm", [True, False])
def test_crm_conflict_map_changes_output_only_when_on(crm):
    torch.manual_seed(0)
    net = ISCN(SMALL.with_options(crm=crm)).eval()
    with torch.inference_mode():
        emb = net.encode(torch.rand(1, 3, 128, 128) * 255)
    none = torch.zeros(1, 128, 128, dtype=torch.long)
    conflict = none.clone()
    conflict[:, 30:70, 30:70] = 1
    conflict[:, 80:100, 80:120] = 2
    changed = not torch.allclose(_decode(net, emb, none), _decode(net, emb, conflict))
    assert changed == crm


def test_masked_attention_honours_previous_mask():
    torch.manual_seed(0)
    dim = 32
    dec = ISCNDecoder(dim, heads=4, layers=1, queries=3).eval()
    memory = torch.randn(1, dim, 8, 8)
    pos = torch.randn(1, dim, 8, 8)
    pixel = torch.randn(1, dim, 32, 32)
    prompts, valid = torch.randn(1, 2, dim), torch.ones(1, 2, dtype=torch.bool)
    prev = torch.full((1, 1, 32, 32), -5.0)
    prev[..., :16, :16] = 5.0  # previous round: foreground = top-left quadrant
    outside, inside = memory.clone(), memory.clone()
    outside[..., 4:, 4:] += 10 * torch.randn(1, dim, 4, 4)
    inside[..., :4, :4] += 10 * torch.randn(1, dim, 4, 4)
    with torch.inference_mode():
        base = dec(memory, pos, pixel, prompts, valid, prev)
        out_changed = dec(outside, pos, pixel, prompts, valid, prev)
        in_changed = dec(inside, pos, pixel, prompts, valid, prev)
        unmasked = dec(memory, pos, pixel, prompts, valid, None)
        unmasked_changed = dec(outside, pos, pixel, prompts, valid, None)
    assert torch.allclose(base.final_class, out_changed.final_class, atol=1e-6)
    assert torch.allclose(base.final_masks, out_changed.final_masks, atol=1e-5)
    assert not torch.allclose(base.final_class, in_changed.final_class, atol=1e-4)
    assert not torch.allclose(unmasked.final_class, unmasked_changed.final_class, atol=1e-4)


def test_text_prompt_refused_without_text_weights(disc_image):
    image, _ = disc_image
    with pytest.raises(UnsupportedPrompt, match="text"):
        predictor().segment(request(image, PromptSet(texts=("the red disc",))), no_progress, never_cancel)


def test_text_path_with_a_tokenizer(disc_image):
    image, _ = disc_image
    pred = predictor(tokenizer=HashTokenizer(SMALL.text.vocab_size, SMALL.text.context_length))
    assert pred.accepts_text
    res = pred.segment(request(image, PromptSet(texts=("the red disc on the left",))), no_progress, never_cancel)
    assert res.prob.shape == image.shape[:2]
    tok = HashTokenizer(64, 8)
    ids = tok(["Red DISC", "red disc"])
    assert torch.equal(ids[0], ids[1]) and ids[0, 0] == tok.sot and ids[0].argmax() == 3  # eot is the largest id


def test_encodes_once_per_image(disc_image):
    image, _ = disc_image
    pred = predictor()
    calls = []
    encode = pred.net.encode
    pred.net.encode = lambda x: calls.append(1) or encode(x)
    for x in (40, 80, 120):
        pred.segment(request(image, click_set(x, 60)), no_progress, never_cancel)
    assert len(calls) == 1


def test_torchvision_cpu_nms_fallback():
    from mattestudio.models.torchvision_compat import _nms_cpu

    boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60], [0, 0, 10, 10.5]], dtype=torch.float)
    scores = torch.tensor([0.9, 0.8, 0.7, 0.95])
    assert _nms_cpu(boxes, scores, 0.5).tolist() == [3, 2]
    assert _nms_cpu(boxes, scores, 0.99).tolist() == [3, 0, 1, 2]
