"""Session fixtures for the SAM presets: a random-init ``sam_model_registry["vit_b"]`` from segment-anything saved to
a file (the real shapes and Meta's key names), our ``iscn:preset=sam_b`` loaded from it, and segment-anything's own
``SamPredictor`` as the reference. The vit_b encoder costs ~20-40 s on two cores, so it runs once per test run: our
encoder computes the embedding (kept in the process-wide embedding cache, which the CLI test reuses) and the
reference predictor is given the same embedding (the preprocessing and the encoder's code are compared separately)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pytest


@contextmanager
def named_files(files: dict):
    """Name weights files (as ``--weights`` does) for the duration of the block."""
    from mattestudio.models import weights as W

    before = W.named_files()
    W.name_files(files)
    try:
        yield
    finally:
        W.name_files(before, check=False)


def tiny_onnx(path, shape=(1, 3, 8, 8)):
    """An ONNX file that is not a SAM encoder nor decoder: one convolution whose input is ``x``."""
    import warnings

    import torch

    with warnings.catch_warnings():  # the TorchScript-based exporter's deprecation note
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(torch.nn.Conv2d(shape[1], 4, 3), (torch.zeros(shape),), str(path), input_names=["x"],
                          output_names=["y"], opset_version=17, dynamo=False)
    return path


def sam_test_image(h: int = 300, w: int = 400) -> np.ndarray:
    """A non-square photo-like image (so the padding and crop paths run): a red disc on a noisy gradient."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([xx * 0.5, yy * 0.7, 128 + 0 * xx], -1) + rng.normal(0, 10, (h, w, 3))
    img[np.hypot(yy - h / 2, xx - w / 2) < 0.27 * h] = (220, 60, 50)
    return np.clip(img, 0, 255).astype(np.uint8)


@dataclass
class SamSetup:
    path: str  # the random-init checkpoint
    reference: object  # segment_anything.SamPredictor, embedding set
    ours: object  # our SamSegmenter (CRM on)
    ablation: object  # the same engine with crm=False
    image: np.ndarray
    key: str  # the session's image key


@pytest.fixture(scope="session")
def sam_b(tmp_path_factory) -> SamSetup:
    torch = pytest.importorskip("torch")
    from mattestudio.models.torchvision_compat import ensure_torchvision

    ensure_torchvision()
    from segment_anything import SamPredictor, sam_model_registry

    from mattestudio.interaction.session import image_key
    from mattestudio.models import registry
    from mattestudio.models.iscn.sam.segmenter import SamSegmenter

    torch.manual_seed(0)
    sam = sam_model_registry["vit_b"]().eval()
    path = tmp_path_factory.mktemp("sam") / "sam_vit_b_random.pth"
    torch.save(sam.state_dict(), str(path))
    with named_files({"sam_vit_b": path}):
        ours = registry.create("iscn:preset=sam_b", "segmenter")
    image = sam_test_image()
    key = image_key(image)
    emb = ours.embedding(image, key, lambda f, m="": None, lambda: False)
    ref = SamPredictor(sam)
    ref.original_size = image.shape[:2]
    ref.input_size = ref.transform.get_preprocess_shape(*image.shape[:2], 1024)
    ref.features = emb
    ref.is_image_set = True
    return SamSetup(str(path), ref, ours, SamSegmenter(ours.engine, None, None, tuple(ours.warnings)), image, key)
