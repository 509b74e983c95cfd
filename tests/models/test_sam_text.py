"""Text rounds of the SAM presets: CLIP ranks SAM's candidate masks (the three masks of the round's visual prompts,
or automatic candidates for text alone). The plumbing runs with a small random CLIP in OpenAI's layout, named as
``clip_vit_b_32_openai`` (an unverified file); with random weights the ranking means nothing - the tests check that the
text reaches CLIP and that the mask CLIP ranks first is the one returned."""

import importlib.util

import numpy as np
import pytest
import torch

from mattestudio.interaction.prompts import Box, Text, to_prompt_set
from mattestudio.models.iscn.sam import auto
from mattestudio.models.iscn.sam.frame import SamFrame
from mattestudio.models.iscn.sam.segmenter import SamSegmenter
from mattestudio.models.iscn.sam.text import load_text_ranker, masked_crop
from mattestudio.models.protocol import SegmentRequest, UnsupportedPrompt, never_cancel, no_progress
from sam_reference import named_files

if importlib.util.find_spec("open_clip") is None:  # (found, not imported: it imports torchvision)
    pytest.skip("the clip extra (open_clip_torch, for CLIP's tokenizer) is not installed", allow_module_level=True)


def openai_clip_state(width=64, patch=32, grid=2, embed=32, vocab=49408, context=77) -> dict:
    """A random CLIP state dict with OpenAI's key names and the official tokenizer's vocabulary and context."""
    g = torch.Generator().manual_seed(0)

    def t(*shape):
        return torch.randn(*shape, generator=g) * 0.05

    state = {"visual.conv1.weight": t(width, 3, patch, patch), "visual.class_embedding": t(width),
             "visual.positional_embedding": t(grid * grid + 1, width), "visual.proj": t(width, embed),
             "token_embedding.weight": t(vocab, width), "positional_embedding": t(context, width),
             "text_projection": t(width, embed), "logit_scale": torch.tensor(4.6052)}
    for prefix in ("visual.", ""):
        for name in ("ln_pre.", "ln_post.") if prefix else ("ln_final.",):
            state[prefix + name + "weight"], state[prefix + name + "bias"] = torch.ones(width), torch.zeros(width)
        b = prefix + "transformer.resblocks.0."
        state.update({b + "ln_1.weight": torch.ones(width), b + "ln_1.bias": torch.zeros(width),
                      b + "ln_2.weight": torch.ones(width), b + "ln_2.bias": torch.zeros(width),
                      b + "attn.in_proj_weight": t(3 * width, width), b + "attn.in_proj_bias": t(3 * width),
                      b + "attn.out_proj.weight": t(width, width), b + "attn.out_proj.bias": t(width),
                      b + "mlp.c_fc.weight": t(4 * width, width), b + "mlp.c_fc.bias": t(4 * width),
                      b + "mlp.c_proj.weight": t(width, 4 * width), b + "mlp.c_proj.bias": t(width)})
    state.update(input_resolution=torch.tensor(patch * grid), context_length=torch.tensor(context),
                 vocab_size=torch.tensor(vocab))
    return state


@pytest.fixture(scope="module")
def texted(sam_b, tmp_path_factory):
    path = tmp_path_factory.mktemp("clip") / "ViT-B-32.pt"
    torch.save(openai_clip_state(), str(path))
    with named_files({"clip_vit_b_32_openai": path}):
        ranker, notes = load_text_ranker(torch.device("cpu"))
    assert ranker is not None and any("unverified" in n for n in notes) and any("zero-shot" in n for n in notes)
    return SamSegmenter(sam_b.ours.engine, None, ranker, tuple(notes))


def run(seg, setup, prompts):
    ps = to_prompt_set(prompts)
    req = SegmentRequest(setup.image, ps, ps, None, None, np.zeros(setup.image.shape[:2], np.uint8),
                         image_key=setup.key)
    return seg.segment(req, no_progress, never_cancel)


def candidates_scores(seg, setup, res, indices, text):
    """CLIP's scores of the result's candidate masks, recomputed outside the round."""
    frame = SamFrame(*setup.image.shape[:2])
    emb = seg.embedding(setup.image, setup.key, no_progress, never_cancel)
    prompts = to_prompt_set([p for p in res if not isinstance(p, Text)])
    from mattestudio.models.iscn.sam.prompts import sam_prompt

    decoded = seg.decode(emb, frame, sam_prompt(prompts, frame), None)
    masks = [seg.full_res(decoded, i, frame) > 0 for i in indices]
    return seg.text.scores(setup.image, masks, text)


def test_text_with_a_box_ranks_sams_three_masks_with_clip(texted, sam_b):
    prompts = [Box(100, 60, 300, 240), Text("the red disc")]
    res = run(texted, sam_b, prompts)
    assert res.info["text_candidates"] == "multimask" and len(res.info["text_scores"]) == 3
    scores = candidates_scores(texted, sam_b, prompts, [1, 2, 3], "the red disc")
    assert np.allclose(scores, res.info["text_scores"], atol=1e-4) and abs(scores.sum() - 1) < 1e-5
    assert res.info["mask"] == 1 + int(np.argmax(scores))
    other = candidates_scores(texted, sam_b, prompts, [1, 2, 3], "a bicycle leaning on a wall")
    assert not np.allclose(other, scores, atol=1e-6)  # the text reaches CLIP


def test_text_alone_ranks_automatic_candidates(texted, sam_b, monkeypatch):
    monkeypatch.setattr(auto, "POINTS_PER_SIDE", 3)  # 9 prompts: the plumbing, not SAM's quality
    res = run(texted, sam_b, [Text("the red disc")])
    assert res.info["text_candidates"] == "automatic"
    assert 1 <= len(res.info["text_scores"]) <= auto.MAX_CANDIDATES
    assert res.info["text_scores"][res.info["mask"]] == max(res.info["text_scores"])
    assert res.prob.shape == sam_b.image.shape[:2] and res.mask.any()


def test_text_is_refused_without_clip_weights(sam_b):
    with pytest.raises(UnsupportedPrompt, match="ViT-B-32.pt"):
        run(sam_b.ours, sam_b, [Box(100, 60, 300, 240), Text("the red disc")])


def test_masked_crop_greys_out_the_background():
    image = np.full((40, 60, 3), 200, np.uint8)
    mask = np.zeros((40, 60), bool)
    mask[10:30, 20:40] = True
    x = masked_crop(image, mask, 32)
    assert x.shape == (3, 32, 32) and x.dtype == np.float32
    corner = x[:, 0, 0]  # the padding around the mask's box: CLIP's mean colour, 0 after normalising
    centre = x[:, 16, 16]
    assert np.abs(corner).max() < 1e-2 and (centre > 1).all()


def test_the_ranker_is_built_once_per_checkpoint(tmp_path):
    """Each photo's session asks for the ranker: the same checkpoint gives the same model, read once; another
    checkpoint replaces it."""
    path = tmp_path / "ViT-B-32.pt"
    torch.save(openai_clip_state(), str(path))
    with named_files({"clip_vit_b_32_openai": path}):
        first, notes = load_text_ranker(torch.device("cpu"))
        again, notes_again = load_text_ranker(torch.device("cpu"))
    assert again is first and notes_again == notes and any("zero-shot" in n for n in notes)
    other = tmp_path / "other.pt"
    state = openai_clip_state()
    state["text_projection"] = state["text_projection"] * 2
    torch.save(state, str(other))
    with named_files({"clip_vit_b_32_openai": other}):
        changed, _ = load_text_ranker(torch.device("cpu"))
    pairs = zip(changed.clip.state_dict().values(), first.clip.state_dict().values())
    assert changed is not first and any(not torch.equal(a, b) for a, b in pairs)
