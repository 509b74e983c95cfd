"""The classic refiner's colour-sampling prior under soft strokes: a lens in an opaque rim, painted soft by a stroke
that falls a pixel short of the rim. The pixel ring left known as opaque pins closed-form matting's inside to 1; the
colours say 0.4, and with the prior the inside gets it."""

import numpy as np
import pytest

from mattestudio.models.classic.refine import ClassicRefiner
from mattestudio.models.classic.sampling import kmeans_colours, soft_prior
from mattestudio.models.protocol import RefineRequest, never_cancel, no_progress


def lens(image_and_distance):
    img, d = image_and_distance
    # unknown under the stroke (d < 24), known opaque from there to 29 (the lens' last pixel ring, whose alpha is 0.4,
    # among it), the band around the rim unknown, the rest background
    trimap = np.where(d < 24, 128, np.where(d < 29, 255, np.where(d < 33, 128, 0))).astype(np.uint8)
    return img, trimap, d


def test_the_prior_gives_an_enclosed_lens_its_partial_alpha(lens_image):
    img, trimap, d = lens(lens_image)
    prob = (d < 30.5).astype(np.float32)
    soft = d < 24
    ref = ClassicRefiner()
    plain = ref.refine(RefineRequest(img, prob, trimap), no_progress, never_cancel).alpha
    painted = ref.refine(RefineRequest(img, prob, trimap, soft=soft), no_progress, never_cancel).alpha
    inside = d < 20
    print(f"\nlens inside: closed-form alone {plain[inside].mean():.3f}, with the soft prior "
          f"{painted[inside].mean():.3f} (truth 0.4)")
    assert plain[inside].mean() > 0.9
    assert painted[inside].mean() == pytest.approx(0.4, abs=0.15)
    assert (painted[(d > 25) & (d < 28.5)] == 1).all() and (painted[d > 33.5] == 0).all()  # known pixels stay


def test_prior_estimates_and_deterministic_clusters(lens_image):
    img, trimap, d = lens(lens_image)
    est, conf = soft_prior(img / 255.0, trimap, d < 24)
    inside = d < 20
    assert np.median(est[inside]) == pytest.approx(0.4, abs=0.05) and conf[inside].mean() > 0.5
    assert (est[d >= 24] == 0).all() and (conf[d >= 24] == 0).all()
    colours = np.random.default_rng(0).random((500, 3))
    np.testing.assert_array_equal(kmeans_colours(colours, 5), kmeans_colours(colours.copy(), 5))
    assert soft_prior(img / 255.0, np.full(trimap.shape, 128, np.uint8), d < 24) is None  # nothing known
