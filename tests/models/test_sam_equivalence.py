"""The ISCN over SAM (``iscn:preset=sam_b``) loaded from a random-init segment-anything vit_b checkpoint gives
segment-anything's own ``SamPredictor.predict`` masks: box; box + clicks; clicks only; one click (three masks, the
best predicted IoU); a second round with the previous low-resolution logits as ``mask_input`` - logits within 1e-4,
masks identical. With the CRM on, a later round adds conflict points, and they are the only difference."""

import numpy as np
import pytest
import torch

from mattestudio.interaction.prompts import Box, Click, to_prompt_set
from mattestudio.interaction.raster import conflict_map
from mattestudio.models.iscn.sam.frame import SamFrame
from mattestudio.models.iscn.sam.prompts import conflict_points
from mattestudio.models.protocol import SegmentRequest, never_cancel, no_progress

BOX = Box(100, 60, 300, 240)
CASES = {
    "box": [BOX],
    "box+clicks": [BOX, Click(200, 150), Click(120, 70, False)],
    "clicks": [Click(200, 150), Click(260, 200)],
    "one click": [Click(200, 150)],
}
TOL = 1e-4


def reference_args(prompts):
    """The same prompts as segment-anything's ``predict`` arguments."""
    ps = to_prompt_set(list(prompts))
    kw = {"box": np.array(ps.boxes[-1])} if ps.boxes else {}
    if len(ps.clicks):
        kw.update(point_coords=np.asarray(ps.clicks, np.float64), point_labels=ps.click_labels.astype(int))
    return kw


def run(seg, setup, history, new, prev=None):
    h, w = setup.image.shape[:2]
    conflict = conflict_map(None if prev is None else prev.mask, list(new), h, w)
    req = SegmentRequest(setup.image, to_prompt_set(list(history)), to_prompt_set(list(new)), None, None, conflict,
                         prev_prob=None if prev is None else prev.prob,
                         prev_logits=None if prev is None else prev.logits, image_key=setup.key)
    return seg.segment(req, no_progress, never_cancel), conflict


_REFERENCE: dict = {}


def reference_round(setup, prompts, mask_input=None):
    """segment-anything's answer under SAM's own rule: three masks for a single point without a box, else one
    (first rounds are computed once for both CRM settings)."""
    key = (tuple(map(repr, prompts)), None if mask_input is None else mask_input.tobytes())
    if key not in _REFERENCE:
        kw = reference_args(prompts)
        single_point = "box" not in kw and len(kw.get("point_coords", [])) == 1
        masks, iou, low = setup.reference.predict(mask_input=mask_input, multimask_output=single_point,
                                                  return_logits=True, **kw)
        best = int(np.argmax(iou)) if single_point else 0
        _REFERENCE[key] = masks[best], low[best]
    return _REFERENCE[key]


def test_preprocessing_is_segment_anythings(sam_b):
    ref = sam_b.reference
    x = torch.as_tensor(ref.transform.apply_image(sam_b.image)).permute(2, 0, 1).contiguous()[None]
    ours = SamFrame(*sam_b.image.shape[:2]).tensor(sam_b.image)
    assert torch.equal(ref.model.preprocess(x), torch.from_numpy(ours))


def test_vit_encoder_equals_segment_anythings_with_padded_windows():
    from segment_anything.modeling.image_encoder import ImageEncoderViT

    from mattestudio.models.iscn.config import SamViTConfig
    from mattestudio.models.iscn.sam_vit import SamViTEncoder

    cfg = SamViTConfig(img_size=320, embed_dim=64, depth=2, num_heads=2, out_chans=32, window_size=14,
                       global_attn_indexes=(1,))  # a 20 x 20 grid in 14 x 14 windows: padded
    torch.manual_seed(0)
    ref = ImageEncoderViT(img_size=320, embed_dim=64, depth=2, num_heads=2, out_chans=32, use_rel_pos=True,
                          window_size=14, global_attn_indexes=(1,), qkv_bias=True,
                          norm_layer=lambda d: torch.nn.LayerNorm(d, eps=1e-6))
    for p in ref.parameters():
        torch.nn.init.normal_(p, std=0.05)
    ours = SamViTEncoder(cfg)
    ours.load_state_dict(ref.state_dict(), strict=True)
    x = torch.randn(1, 3, 320, 320)
    with torch.inference_mode():
        assert torch.allclose(ours(x), ref(x), atol=1e-5)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("crm", [True, False])
def test_first_round_equals_sam_predictor(sam_b, case, crm):
    seg = sam_b.ours if crm else sam_b.ablation
    res, _ = run(seg, sam_b, CASES[case], CASES[case])
    assert res.info["conflict_points"] == 0  # no previous round, no conflict yet
    ref_logits, ref_low = reference_round(sam_b, CASES[case])
    assert np.abs(res.logits - ref_low).max() < TOL
    assert np.array_equal(res.mask, ref_logits > 0)
    assert res.info["multimask"] == (case == "one click")


@pytest.mark.parametrize("multimask", [True, False])
def test_full_resolution_logits_equal_sam_predictors(sam_b, multimask):
    kw = reference_args(CASES["box+clicks"])
    ours = sam_b.ours.predict(sam_b.image, sam_b.key, multimask_output=multimask, **kw)
    ref = sam_b.reference.predict(multimask_output=multimask, return_logits=True, **kw)
    for a, b in zip(ours, ref):
        assert a.shape == b.shape and np.abs(a - b).max() < TOL


@pytest.mark.parametrize("case", ["box", "box+clicks", "clicks"])
def test_second_round_feeds_the_best_logits_back_as_mask_input(sam_b, case):
    first, _ = run(sam_b.ablation, sam_b, CASES[case], CASES[case])
    new = [Click(150, 120), Click(330, 260, False)]
    history = CASES[case] + new
    second, _ = run(sam_b.ablation, sam_b, history, new, prev=first)
    ref_logits, ref_low = reference_round(sam_b, history, mask_input=first.logits[None])
    assert np.abs(second.logits - ref_low).max() < TOL
    assert np.array_equal(second.mask, ref_logits > 0)
    assert not np.array_equal(second.mask, first.mask)


def test_crm_adds_conflict_points_and_nothing_else(sam_b):
    first, _ = run(sam_b.ours, sam_b, [BOX], [BOX])
    h, w = sam_b.image.shape[:2]
    # a positive click where the first round said background, a negative one where it said foreground
    bg = np.argwhere(~first.mask[60:240, 100:300])[0] + (60, 100)
    fg = np.argwhere(first.mask)[len(np.argwhere(first.mask)) // 2]
    new = [Click(float(bg[1]), float(bg[0])), Click(float(fg[1]), float(fg[0]), False)]
    second, conflict = run(sam_b.ours, sam_b, [BOX] + new, new, prev=first)
    assert (conflict == 1).any() and (conflict == 2).any()
    xy, labels = conflict_points(conflict, SamFrame(h, w))
    assert second.info["conflict_points"] == len(xy) == 2
    # each added point lies on its conflict component and says what the user said there
    for (x, y), label in zip(xy, labels):
        assert conflict[int(round(y)), int(round(x))] == (1 if label == 1 else 2)
    kw = reference_args([BOX] + new)
    kw["point_coords"] = np.concatenate([kw["point_coords"], xy])
    kw["point_labels"] = np.concatenate([kw["point_labels"], labels])
    masks, _, low = sam_b.reference.predict(mask_input=first.logits[None], multimask_output=False,
                                            return_logits=True, **kw)
    assert np.abs(second.logits - low[0]).max() < TOL  # the zero-initialised conflict embedding adds nothing
    assert np.array_equal(second.mask, masks[0] > 0)
    ablation, _ = run(sam_b.ablation, sam_b, [BOX] + new, new, prev=first)
    assert ablation.info["conflict_points"] == 0 and not np.array_equal(ablation.logits, second.logits)


def test_conflict_embedding_is_zero_until_trained(sam_b):
    from mattestudio.models.iscn.sam.segmenter import zero_conflict_embedding

    h, w = sam_b.image.shape[:2]
    frame = SamFrame(h, w)
    conflict = np.zeros((h, w), np.uint8)
    conflict[100:140, 150:200] = 1
    emb = sam_b.ours.embedding(sam_b.image, sam_b.key, no_progress, never_cancel)
    assert torch.equal(sam_b.ours.conditioned(emb, conflict, frame), emb)
    trained = zero_conflict_embedding()
    torch.nn.init.normal_(trained.net[-1].weight, std=0.1)
    seg = type(sam_b.ours)(sam_b.ours.engine, trained)
    changed = seg.conditioned(emb, conflict, frame)
    assert not torch.equal(changed, emb) and changed.shape == emb.shape


def test_the_decoder_fast_paths_are_the_modules_maths():
    """The 2 x 2 stride-2 transposed convolution as one product on channels-last maps, and the attention normalised
    after its product with the values, against torch's own modules."""
    from torch import nn

    from mattestudio.models.iscn.sam.mask_decoder import _transposed_2x2
    from mattestudio.models.iscn.sam.transformer import Attention

    torch.manual_seed(0)
    conv = nn.ConvTranspose2d(16, 8, kernel_size=2, stride=2)
    x = torch.randn(2, 16, 5, 7)
    ours = _transposed_2x2(x.permute(0, 2, 3, 1), conv).permute(0, 3, 1, 2)
    torch.testing.assert_close(ours, conv(x), rtol=1e-5, atol=1e-6)
    att = Attention(32, 4, downsample_rate=2)
    q, k = torch.randn(1, 300, 32), torch.randn(1, 7, 32)
    heads = lambda t: t.reshape(1, -1, 4, 4).transpose(1, 2)  # noqa: E731
    ref = torch.softmax(heads(att.q_proj(q)) @ heads(att.k_proj(k)).transpose(-1, -2) / 2.0, -1) @ heads(att.v_proj(k))
    ref = att.out_proj(ref.transpose(1, 2).reshape(1, 300, 16))
    torch.testing.assert_close(att(q, k, k), ref, rtol=1e-5, atol=1e-6)
