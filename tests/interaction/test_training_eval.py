"""The held-out evaluation of the learned back-ends runs through the session with the shipped weights."""

import numpy as np
import pytest

from mattestudio.interaction import training_eval as TE
from mattestudio.interaction.synth.dataset import load_backgrounds


@pytest.fixture(scope="module")
def photos(background_folder):
    return load_backgrounds(background_folder)


def test_text_localisation_reports_iou_by_kind(photos):
    out = TE.text_localisation(photos, 1)
    kinds = [k for k in out if not k.startswith("n_")]
    assert kinds and all(0.0 <= out[k] <= 1.0 for k in kinds)
    assert sum(out[f"n_{k}"] for k in kinds) >= 1


def test_refiners_on_the_same_coarse_masks(photos):
    for source in ("classic", "corrupted"):
        out = TE.refiners_on_same_coarse(photos, 1, ("classic", "mask2alpha"), segmenter=source)
        assert set(out) == {"sad_classic", "sad_mask2alpha", "sad_coarse", "n"} and out["n"] == 1
        assert all(np.isfinite(out[k]) and out[k] >= 0 for k in ("sad_classic", "sad_mask2alpha", "sad_coarse"))
