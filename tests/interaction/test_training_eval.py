"""The held-out evaluation of the learned back-ends runs through the session with the shipped weights."""

import numpy as np

from mattestudio.interaction import training_eval as TE


def _photos() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    photos = []
    for base in ((200, 180, 150), (40, 70, 60), (120, 130, 200)):
        noise = rng.normal(0, 18, (256, 320, 3))
        photos.append(np.clip(np.array(base) + noise, 0, 255).astype(np.uint8))
    return photos


def test_text_localisation_reports_iou_by_kind():
    out = TE.text_localisation(_photos(), 1)
    kinds = [k for k in out if not k.startswith("n_")]
    assert kinds and all(0.0 <= out[k] <= 1.0 for k in kinds)
    assert sum(out[f"n_{k}"] for k in kinds) >= 1


def test_refiners_on_the_same_coarse_masks():
    for source in ("classic", "corrupted"):
        out = TE.refiners_on_same_coarse(_photos(), 1, ("classic", "mask2alpha"), segmenter=source)
        assert set(out) == {"sad_classic", "sad_mask2alpha", "sad_coarse", "n"} and out["n"] == 1
        assert all(np.isfinite(out[k]) and out[k] >= 0 for k in ("sad_classic", "sad_mask2alpha", "sad_coarse"))
