"""SAM-family ONNX pairs: a decoder exported from the random-init segment-anything vit_b by segment-anything's own
``SamOnnxModel`` and an encoder exported with ``torch.onnx.export`` give the torch path's masks, round after round;
files with the wrong inputs are one-line errors; a running encode stops when cancelled. The decoder exported with
segment-anything 1.0 crops its full-size output for the export's 2:3 dummy image (segment-anything issue #56); the
test image is 3:4, and the masks still match because the engine upscales the low-resolution logits itself.

The encoder here is a one-block SAM ViT with the same contract ((1, 3, 1024, 1024) -> (1, 256, 64, 64)): exporting and
running the vit_b encoder costs over a minute on two cores (``python -m mattestudio.models.iscn.sam.speed`` does it
and prints the embedding difference)."""

from pathlib import Path

import numpy as np
import pytest
import torch

from mattestudio.interaction.prompts import Box, Click, Scribble, to_prompt_set
from mattestudio.interaction.raster import conflict_map
from mattestudio.models import weights as W
from mattestudio.models.iscn.config import SamViTConfig
from mattestudio.models.iscn.sam.build import build_sam
from mattestudio.models.iscn.sam.engine import TorchEngine
from mattestudio.models.iscn.sam.model import SamModel
from mattestudio.models.iscn.sam.onnx_engine import OnnxEngine, partner
from mattestudio.models.iscn.sam.onnx_export import export_decoder, export_encoder
from mattestudio.models.iscn.sam.segmenter import SamSegmenter, zero_conflict_embedding
from mattestudio.models.protocol import Cancelled, SegmentRequest, never_cancel, no_progress
from sam_reference import tiny_onnx

pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")

ONE_BLOCK = SamViTConfig(embed_dim=64, depth=1, num_heads=2, global_attn_indexes=())


@pytest.fixture(scope="module")
def pair(sam_b, tmp_path_factory):
    """(torch segmenter, ONNX segmenter, folder): the same weights on both paths."""
    folder = tmp_path_factory.mktemp("onnx")
    torch.manual_seed(1)
    model = SamModel("vit_b", encoder=ONE_BLOCK).eval()
    state = sam_b.reference.model.state_dict()
    model.prompt_encoder.load_state_dict({k[15:]: v for k, v in state.items() if k.startswith("prompt_encoder.")})
    model.mask_decoder.load_state_dict({k[13:]: v for k, v in state.items() if k.startswith("mask_decoder.")})
    export_encoder(model, folder / "sam_test.encoder.onnx")
    export_decoder(sam_b.reference.model, folder / "sam_test.decoder.onnx")  # from segment-anything's Sam itself
    ours = SamSegmenter(TorchEngine(model, torch.device("cpu"), "torch:one-block", "one-block ViT"),
                        zero_conflict_embedding())
    engine = OnnxEngine(folder / "sam_test.encoder.onnx", partner(folder / "sam_test.encoder.onnx"),
                        torch.device("cpu"))
    return ours, SamSegmenter(engine, zero_conflict_embedding(), None, tuple(engine.notes)), folder


def rounds(seg, image):
    h, w = image.shape[:2]
    plan = [[Box(100, 60, 300, 240)], [Click(150, 120), Scribble(((250, 200), (330, 260)), 4, False)],
            [Click(200, 150, False)]]
    history, prev, out = [], None, []
    for new in plan:
        history += new
        req = SegmentRequest(image, to_prompt_set(history), to_prompt_set(new), None, None,
                             conflict_map(None if prev is None else prev.mask, new, h, w),
                             prev_prob=None if prev is None else prev.prob,
                             prev_logits=None if prev is None else prev.logits, image_key="onnx-test")
        prev = seg.segment(req, no_progress, never_cancel)
        out.append(prev)
    return out


def test_onnx_pair_gives_the_torch_paths_masks(pair, sam_b):
    ours, onnx, _ = pair
    x = np.random.default_rng(0).normal(size=(1, 3, 1024, 1024)).astype(np.float32)
    a = ours.engine.encode(x, no_progress, never_cancel).numpy()
    b = onnx.engine.encode(x, no_progress, never_cancel)
    assert np.abs(a - b).max() < 1e-4
    for k, (t, o) in enumerate(zip(rounds(ours, sam_b.image), rounds(onnx, sam_b.image))):
        assert np.abs(t.logits - o.logits).max() < 1e-4, k
        assert np.array_equal(t.mask, o.mask), k
        assert t.info["mask"] == o.info["mask"] and t.info["conflict_points"] == o.info["conflict_points"]
    assert any("unverified" in n for n in onnx.warnings)



def test_our_decoder_exports_with_segment_anythings_outputs(pair, tmp_path):
    """The decoder as we run it (channels-last upscaling, attention normalised after its values) exports through
    ``SamOnnxModel`` too, and gives the outputs of the decoder exported from segment-anything's own model."""
    import onnxruntime as ort

    ours, _, folder = pair
    export_decoder(ours.engine.model, tmp_path / "ours.decoder.onnx")
    rng = np.random.default_rng(0)
    feed = {"image_embeddings": rng.normal(size=(1, 256, 64, 64)).astype(np.float32),
            "point_coords": np.array([[[300, 200], [500, 400], [100, 80], [700, 600]]], np.float32),
            "point_labels": np.array([[1, 0, 2, 3]], np.float32),
            "mask_input": rng.normal(size=(1, 1, 256, 256)).astype(np.float32),
            "has_mask_input": np.array([1], np.float32), "orig_im_size": np.array([768, 1024], np.float32)}
    runs = [ort.InferenceSession(str(f), providers=["CPUExecutionProvider"]).run(None, feed)
            for f in (tmp_path / "ours.decoder.onnx", folder / "sam_test.decoder.onnx")]
    for a, b in zip(*runs):
        np.testing.assert_allclose(a, b, atol=1e-4, rtol=1e-4)


def test_single_point_chooses_among_three_masks_as_torch(pair, sam_b):
    ours, onnx, _ = pair
    t = ours.predict(sam_b.image, "onnx-test", np.array([[200, 150]]), np.array([1]))
    o = onnx.predict(sam_b.image, "onnx-test", np.array([[200, 150]]), np.array([1]))
    assert t[0].shape == o[0].shape == (3, 300, 400)
    assert np.abs(t[1] - o[1]).max() < 1e-4 and np.array_equal(t[0] > 0, o[0] > 0)


def test_files_with_the_wrong_inputs_are_one_line_errors(pair, tmp_path):
    _, _, folder = pair
    enc, dec = folder / "sam_test.encoder.onnx", folder / "sam_test.decoder.onnx"
    other = tiny_onnx(tmp_path / "other.onnx")
    with pytest.raises(W.WeightsError) as err:
        OnnxEngine(enc, other, torch.device("cpu"))
    assert str(err.value).startswith(f"{other}: not a SAM decoder: its inputs are x; expected image_embeddings")
    with pytest.raises(W.WeightsError, match=r"not a SAM image encoder: it takes x \[1, 3, 8, 8\]"):
        OnnxEngine(other, dec, torch.device("cpu"))
    with pytest.raises(W.WeightsError, match="not an ONNX model that ONNX Runtime can open"):
        broken = tmp_path / "broken.encoder.onnx"
        broken.write_bytes(enc.read_bytes()[:1000])
        OnnxEngine(broken, dec, torch.device("cpu"))
    for err in (str(err.value),):
        assert "\n" not in err


def test_a_cancelled_onnx_encode_stops(pair):
    _, onnx, _ = pair
    with pytest.raises(Cancelled):
        onnx.engine.encode(np.zeros((1, 3, 1024, 1024), np.float32), no_progress, lambda: True)


def test_each_photo_reuses_the_opened_pair(pair, tmp_path):
    """The segmenter is built for every photo's session: a pair of files is opened once; a copy elsewhere (its notes
    name the copy) or a pair with another decoder is opened anew."""
    ours, _, folder = pair
    encoder = str(folder / "sam_test.encoder.onnx")
    first = build_sam("sam_b", onnx=encoder)
    assert build_sam("sam_b", onnx=encoder).engine is first.engine
    for name in ("sam_test.encoder.onnx", "sam_test.decoder.onnx"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    copy = build_sam("sam_b", onnx=str(tmp_path / "sam_test.encoder.onnx"))
    assert copy.engine is not first.engine and all(str(tmp_path) in n for n in copy.engine.notes)
    other = tmp_path / "ours.decoder.onnx"
    export_decoder(ours.engine.model, other)
    assert build_sam("sam_b", onnx=encoder, onnx_decoder=str(other)).engine is not first.engine
