"""``iscn:preset=mobile_sam`` loaded from a random-init MobileSAM (``mobilesam-mirror``'s ``vit_t``) checkpoint gives
MobileSAM's own ``SamPredictor`` masks - the TinyViT encoder included (it is cheap enough to run on both sides)."""

import importlib.util

import numpy as np
import pytest
import torch

from mattestudio.interaction.prompts import Box, Click, to_prompt_set
from mattestudio.models import registry
from mattestudio.models.protocol import SegmentRequest, never_cancel, no_progress

if importlib.util.find_spec("mobile_sam") is None or importlib.util.find_spec("timm") is None:
    pytest.skip("the mobile-sam extra (mobilesam-mirror, timm) is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def mobile(tmp_path_factory):
    import warnings

    from mattestudio.models.torchvision_compat import ensure_torchvision
    from sam_reference import named_files, sam_test_image

    ensure_torchvision()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from mobile_sam import SamPredictor, sam_model_registry
    torch.manual_seed(0)
    sam = sam_model_registry["vit_t"]().eval()
    path = tmp_path_factory.mktemp("mobile") / "mobile_sam_random.pt"
    torch.save(sam.state_dict(), str(path))
    image = sam_test_image()
    ref = SamPredictor(sam)
    ref.set_image(image)
    with named_files({"mobile_sam_vit_t": path}):
        ours = registry.create("iscn:preset=mobile_sam,crm=false", "segmenter")
    return ref, ours, image


def test_mobile_sam_embedding_and_masks_equal_mobile_sams_predictor(mobile):
    ref, ours, image = mobile
    emb = ours.embedding(image, "mobile", no_progress, never_cancel)
    assert torch.allclose(emb, ref.features, atol=1e-4)
    box = np.array([100, 60, 300, 240])
    ref_logits, _, ref_low = ref.predict(box=box, multimask_output=False, return_logits=True)
    req = SegmentRequest(image, to_prompt_set([Box(*box)]), to_prompt_set([Box(*box)]), None, None,
                         np.zeros(image.shape[:2], np.uint8), image_key="mobile")
    first = ours.segment(req, no_progress, never_cancel)
    assert np.abs(first.logits - ref_low[0]).max() < 1e-4 and np.array_equal(first.mask, ref_logits[0] > 0)
    prompts = [Box(*box), Click(200, 150)]
    req = SegmentRequest(image, to_prompt_set(prompts), to_prompt_set(prompts[1:]), None, None,
                         np.zeros(image.shape[:2], np.uint8), prev_prob=first.prob, prev_logits=first.logits,
                         image_key="mobile")
    second = ours.segment(req, no_progress, never_cancel)
    ref_logits, _, ref_low = ref.predict(point_coords=np.array([[200, 150]]), point_labels=np.array([1]), box=box,
                                         mask_input=first.logits[None], multimask_output=False, return_logits=True)
    assert np.abs(second.logits - ref_low[0]).max() < 1e-4 and np.array_equal(second.mask, ref_logits[0] > 0)
