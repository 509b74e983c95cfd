"""A learned refiner with soft strokes: the session gives it the segmenter's own map and takes the classic refiner's
alpha under the strokes (the learned ones were not trained on wide undecided regions; docs/BENCHMARKS.md)."""

import numpy as np

from mattestudio.interaction.prompts import Box, Soft
from mattestudio.interaction.raster import soft_pixels
from mattestudio.interaction.session import Session
from mattestudio.interaction.soft_refine import BLEND_PX, handles_soft
from mattestudio.interaction.trimap import UNKNOWN
from mattestudio.models import registry


def test_soft_strokes_under_a_learned_refiner_are_solved_by_the_classic_one(disc_image):
    img, _ = disc_image
    stroke = Soft(((20.0, 95.0), (60.0, 100.0)), 9)
    gfm = registry.create("gfm", "refiner")
    assert not handles_soft(gfm) and handles_soft(registry.create("classic", "refiner"))
    learned = Session(img, "classic", gfm)
    learned.add_instance("disc")
    learned.run_round("disc", [Box(30, 10, 130, 110)])
    res = learned.run_round("disc", [stroke])
    classic = Session(img, "classic", "classic")
    classic.add_instance("disc")
    classic.run_round("disc", [Box(30, 10, 130, 110)])
    ref = classic.run_round("disc", [stroke])
    soft = soft_pixels([stroke], *img.shape[:2])
    assert (res.trimap[soft] == UNKNOWN).all() and res.mask[soft].all()
    assert any("solved by the classic refiner (gfm" in w for w in res.warnings)
    import cv2

    deep = cv2.erode(soft.astype(np.uint8), np.ones((2 * BLEND_PX + 3,) * 2, np.uint8)) > 0
    assert deep.any()
    np.testing.assert_allclose(res.alpha[deep], ref.alpha[deep], atol=2e-4)  # the classic solve inside the strokes
    plain = Session(img, "classic", gfm)
    plain.add_instance("disc")
    plain.run_round("disc", [Box(30, 10, 130, 110)])
    without = plain.run_round("disc", [Box(30, 10, 130, 110)])  # the same map, no strokes: gfm's own alpha
    far = ~(cv2.dilate(soft.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0)
    np.testing.assert_allclose(res.alpha[far], without.alpha[far], atol=2e-4)  # ... gfm's alpha elsewhere
