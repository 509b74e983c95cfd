import numpy as np

from mattestudio.models.classic.colour import ColourModel
from mattestudio.models.classic.geodesic import geodesic_distance, geodesic_nearest
from mattestudio.models.classic.graph import band_cut, grid_cut, pairwise_weights
from mattestudio.models.classic.guided import guided_coefficients, guided_upsample
from mattestudio.models.classic.refine import (
    ClassicRefiner,
    RefinerConfig,
    colour_doubt,
    colour_knn_laplacian,
    solve_closed_form,
)
from mattestudio.models.protocol import RefineRequest


def test_band_cut_agrees_with_the_full_cut():
    rng = np.random.default_rng(0)
    lab = rng.random((30, 40, 3)).astype(np.float32) * 50
    pw = pairwise_weights(lab, 5.0)
    cf, cb = (rng.random((30, 40)).astype(np.float32) * 3 for _ in range(2))
    none = np.zeros((30, 40), bool)
    full = grid_cut(cf, cb, pw, none, none)
    assert (band_cut(~full, np.ones_like(none), cf, cb, pw, none, none) == full).all()
    band = none.copy()
    band[5:20, 10:30] = True
    assert (band_cut(full, band, cf, cb, pw, none, none) == full).all()  # the optimum is stable in any band
    hard = none.copy()
    hard[10, 15] = True
    assert band_cut(full & ~hard, band, cf, cb, pw, hard, none)[10, 15]  # hard seeds win


def test_geodesic_distance_stops_at_colour_edges():
    feat = np.zeros((20, 40, 3), np.float32)
    feat[:, 20:] = 100.0  # a strong colour edge in the middle
    seeds = np.zeros((20, 40), bool)
    seeds[10, 5] = True
    d = geodesic_distance(feat, seeds, gamma=1.0, tau=0.0)
    assert d[10, 5] == 0
    assert abs(d[10, 15] - 10) < 1e-4  # plain spatial distance on the same side
    assert d[10, 25] > 100  # crossing the edge costs its colour difference


def test_geodesic_nearest_carries_the_value_of_the_seed_each_path_starts_from():
    feat = np.zeros((20, 40, 3), np.float32)
    feat[:, 20:] = 100.0
    seeds = np.zeros((20, 40), bool)
    seeds[10, 5] = seeds[10, 18] = True
    values = np.zeros((20, 40), np.float32)
    values[10, 5], values[10, 18] = 1.0, 2.0
    d, came = geodesic_nearest(feat, seeds, values, gamma=1.0, tau=0.0)
    np.testing.assert_array_equal(d, geodesic_distance(feat, seeds, gamma=1.0, tau=0.0))
    assert came[10, 8] == 1.0 and came[10, 14] == 2.0  # the spatially nearer seed on the same side
    assert (came[:, 20:] == 2.0).all()  # across the edge everything comes from the seed next to it


def test_guided_upsampling_matches_a_plain_resize_of_the_coefficients():
    import cv2

    rng = np.random.default_rng(0)
    gs = rng.random((37, 53, 3)).astype(np.float32)
    ps = rng.random((37, 53)).astype(np.float32)
    gf = (rng.random((111, 159, 3)) * 255).astype(np.uint8)
    a, b = guided_coefficients(gs, ps, 1, 1e-5)
    ref = (cv2.resize(a, (159, 111)) * gf / 255.0).sum(-1) + cv2.resize(b, (159, 111))
    for rows in (7, 512):  # strips give the same result as one pass
        np.testing.assert_allclose(guided_upsample(gs, ps, gf, rows=rows), ref, atol=1e-4)
    win = guided_upsample(gs, ps, gf, rows=9, region=(20, 70, 30, 101))
    np.testing.assert_allclose(win, ref[20:70, 30:101], atol=1e-4)


def test_closed_form_recovers_a_linear_blend(disc_image):
    img, alpha = disc_image
    tri = np.where(alpha >= 0.999, 255, np.where(alpha <= 0.001, 0, 128)).astype(np.uint8)
    import cv2

    tri = np.where(cv2.dilate((tri == 128).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0, 128, tri).astype(np.uint8)
    est = solve_closed_form(img, tri, 1e-6)
    band = tri == 128
    assert np.abs(est[band] - alpha[band]).mean() < 0.06
    res = ClassicRefiner().refine(RefineRequest(img, alpha, tri), lambda *a: None, lambda: False)
    assert res.alpha.dtype == np.float32 and np.abs(res.alpha - alpha).mean() < 0.02


def test_non_local_colour_flow_opens_background_holes_that_closed_form_fills():
    # a red square with 2 x 2 holes of the blue background inside an unknown region fenced off by known foreground
    # (the usual band runs along the square's outline): closed-form's local colour lines cannot tell the holes from
    # the red around them (a constant alpha costs nothing), the non-local flow ties their blue to the known blue
    # outside
    img = np.zeros((80, 80, 3), np.uint8)
    img[..., 2] = 200
    img[20:60, 20:60] = (210, 30, 20)
    holes = np.zeros((80, 80), bool)
    holes[28:52:5, 28:52:5] = True
    holes |= np.roll(holes, 1, 0) | np.roll(holes, 1, 1) | np.roll(np.roll(holes, 1, 0), 1, 1)
    img[holes] = (0, 0, 200)
    img = np.clip(img + np.random.default_rng(0).normal(0, 4, img.shape), 0, 255).astype(np.uint8)  # sensor noise
    tri = np.zeros((80, 80), np.uint8)
    tri[17:63, 17:63] = 128
    tri[23:57, 23:57] = 255
    tri[25:55, 25:55] = 128
    local = solve_closed_form(img, tri, 1e-6)
    both = solve_closed_form(img, tri, 1e-6, nonlocal_weight=0.3)
    red = (tri == 128) & ~holes
    red[:25] = red[55:] = red[:, :25] = red[:, 55:] = False
    assert local[holes].mean() > 0.9  # closed-form alone fills the holes
    assert both[holes].mean() < 0.2 and both[red].mean() > 0.9
    res = ClassicRefiner().refine(RefineRequest(img, (tri > 0).astype(np.float32), tri), lambda *a: None, lambda: False)
    assert res.alpha[holes].mean() < 0.2  # the refiner's default uses it


def test_holes_of_background_colour_in_known_foreground_are_solved():
    # a mask that covers a net whole: the trimap pins its holes (background blue) to foreground; the refiner hands
    # the known foreground whose colour the background model explains better to the solver, which opens them
    rng = np.random.default_rng(1)
    img = np.zeros((90, 90, 3), np.uint8)
    img[..., 2] = 200
    img[15:75, 15:75] = (210, 30, 20)
    holes = np.zeros((90, 90), bool)
    for y in range(26, 64, 10):
        for x in range(26, 64, 10):
            holes[y:y + 5, x:x + 5] = True
    img[holes] = (0, 0, 200)
    img = np.clip(img + rng.normal(0, 4, img.shape), 0, 255).astype(np.uint8)
    prob = np.zeros((90, 90), np.float32)
    prob[15:75, 15:75] = 1.0
    tri = np.zeros((90, 90), np.uint8)
    tri[12:78, 12:78] = 128
    tri[18:72, 18:72] = 255
    doubt = colour_doubt(img, tri, prob, 0.5, 1024)
    assert doubt[holes].all() and not doubt[~holes].any()
    # fitted at half the size (large photos), most of each hole is still found (its rim mixes with the red there)
    half = colour_doubt(img, tri, prob, 0.5, 45)
    assert half[holes].mean() > 0.5 and not half[~holes].any()
    request = RefineRequest(img, prob, tri)
    inner = (tri == 255) & ~holes
    off = ClassicRefiner(RefinerConfig(colour_doubt=None)).refine(request, lambda *a: None, lambda: False).alpha
    on = ClassicRefiner().refine(request, lambda *a: None, lambda: False).alpha
    assert off[holes].min() == 1.0  # pinned by the trimap
    assert on[holes].max() < 0.5 and on[inner].mean() > 0.95  # opened (the solver's own balance sets how far)


def test_colour_knn_laplacian_is_a_symmetric_graph_laplacian_of_the_queried_pixels():
    rng = np.random.default_rng(2)
    img = rng.random((12, 15, 3))
    query = rng.random((12, 15)) < 0.3
    L = colour_knn_laplacian(img, query, 5, 0.1)
    assert L.shape == (180, 180)
    assert abs(L - L.T).max() < 1e-12  # symmetric, so conjugate gradients applies
    np.testing.assert_allclose(np.asarray(L.sum(1)).ravel(), 0.0, atol=1e-12)  # constants cost nothing
    assert np.linalg.eigvalsh(L.toarray()).min() > -1e-10  # positive semi-definite
    linked = np.asarray(abs(L).sum(1)).ravel() > 0
    assert linked[query.ravel()].all()  # every queried pixel has neighbours
    # a pixel that is neither queried nor anyone's neighbour stays out of the graph
    far = np.zeros((12, 15, 3))
    far[0, 0] = 1.0
    q = np.zeros((12, 15), bool)
    q[6, 7] = True
    assert abs(colour_knn_laplacian(far, q, 3, 0.1)[0]).sum() == 0


def test_guided_filter_restricted_to_a_region_is_exact_inside_it():
    import cv2

    from mattestudio.models.classic.guided import guided_filter

    rng = np.random.default_rng(1)
    guide = rng.random((60, 80, 3)).astype(np.float32)
    src = rng.random((60, 80)).astype(np.float32)
    where = np.zeros((60, 80), bool)
    where[10:50, 20:70] = True
    full = guided_filter(guide, src, 2, 1e-3)
    part = guided_filter(guide, src, 2, 1e-3, where)
    inner = cv2.erode(where.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    np.testing.assert_allclose(part[inner], full[inner], atol=1e-4)


def test_a_new_seed_pulls_only_what_is_nearer_to_it_than_to_the_other_side():
    """On a flat image a click's pull would spread in every direction; it stops halfway to the nearest opposite seed."""
    from mattestudio.models.classic.segment import ClassicSegmenter, SegmenterConfig

    image = np.full((40, 120, 3), 128, np.uint8)
    none = np.zeros((40, 120), bool)
    old_bg = none.copy()
    old_bg[:, 110:] = True  # an earlier negative scribble on the right
    new_fg = none.copy()
    new_fg[20, 30] = True  # this round's positive click
    pulls = {}
    for gated in (True, False):
        seg = ClassicSegmenter(SegmenterConfig(pull_voronoi=gated, coarse_side=120, work_side=120))
        coarse, _ = seg._levels(image, "flat")
        _, _, pull = seg._seed_terms(coarse, new_fg, old_bg, none, new_fg, none, None)
        pulls[gated] = pull[1]  # closeness to the new foreground seed
    assert pulls[True][20, 30] == 1.0 and pulls[True][20, 60] > 0.1  # nearer to the click: pulled as before
    np.testing.assert_array_equal(pulls[True][:, :60], pulls[False][:, :60])
    assert (pulls[True][:, 72:] == 0).all() and (pulls[False][:, 72:110] > 1e-3).all()


def test_a_correction_at_the_previous_boundary_pulls_less_far_than_one_deep_in_the_wrong_label():
    from mattestudio.models.classic.segment import _depth_scaled_pull

    lab = np.zeros((60, 300, 3), np.float32)
    prev_fg = np.zeros((60, 300), bool)
    prev_fg[:, :50] = True  # the previous round's foreground: the left part
    seeds = np.zeros((60, 300), bool)
    seeds[30, 52] = True  # a click 3 px outside the previous boundary (a sliver)
    seeds[30, 280] = True  # a click 230 px into the previous background (a missed region)
    close, dist = _depth_scaled_pull(lab, seeds, prev_fg, 1.0, 0.0, 4.0, (3.0, 60.0))
    assert close[30, 52] == close[30, 280] == 1.0 and dist[30, 52] == dist[30, 280] == 0.0
    # 30 px from each click: the sliver's pull (scale 4 x its 3 px depth) has faded, the other's (capped at 60) has not
    assert close[30, 82] < 0.15 and close[30, 250] > 0.55
    assert dist[30, 72] == 20.0 and dist[30, 200] == 80.0  # distance to the nearest click, whatever its scale


def test_a_correction_pulls_no_deeper_into_the_wrong_label_than_it_lies_itself():
    """A click 41 px into the previous background flips the region between it and the previous foreground, not the
    same-coloured background that runs on beyond it (a curtain behind a tuft of hair)."""
    from mattestudio.models.classic.segment import _depth_scaled_pull

    lab = np.zeros((60, 300, 3), np.float32)
    prev_fg = np.zeros((60, 300), bool)
    prev_fg[:, :50] = True
    seeds = np.zeros((60, 300), bool)
    seeds[30, 90] = True  # 41 px from the previous foreground
    free, _ = _depth_scaled_pull(lab, seeds, prev_fg, 1.0, 0.0, 4.0, (3.0, 200.0))
    held, _ = _depth_scaled_pull(lab, seeds, prev_fg, 1.0, 0.0, 4.0, (3.0, 200.0), reach=1.0)
    np.testing.assert_array_equal(held[:, :90], free[:, :90])  # the gap back to the foreground: pulled as before
    assert (free[30, 140:190] > 0.5).all() and (held[:, 93:] == 0).all()  # beyond the click's own depth: not pulled


def test_each_stretch_of_a_stroke_pulls_no_deeper_than_it_lies_itself():
    """A stroke that runs from the previous boundary (5 px deep) out to 45 px deep pulls the background beside its
    shallow end only as deep as that end lies, not as deep as its far end."""
    import cv2

    from mattestudio.models.classic.segment import _depth_scaled_pull

    lab = np.zeros((60, 300, 3), np.float32)
    prev_fg = np.zeros((60, 300), bool)
    prev_fg[:, :50] = True
    seeds = np.zeros((60, 300), np.uint8)
    cv2.line(seeds, (55, 5), (95, 55), 1, 3)  # a diagonal stroke, 3 px wide
    seeds = seeds.astype(bool)
    args = (lab, seeds, prev_fg, 1.0, 0.0, 4.0, (3.0, 200.0))
    whole, _ = _depth_scaled_pull(*args, reach=1.0)
    local, _ = _depth_scaled_pull(*args, reach=1.0, local=True)
    np.testing.assert_array_equal(local[seeds], whole[seeds])
    assert whole[5, 90] > 0.5 and local[5, 90] == 0  # 40 px deep, nearest the stroke where it lies about 22 px
    np.testing.assert_array_equal(local[50:], whole[50:])  # beside the deep end: pulled as before
    assert (whole[local > 0] > 0).all()  # the stretch's depth only ever narrows the reach
    click = np.zeros((60, 300), np.uint8)
    cv2.circle(click, (90, 30), 3, 1, -1)
    args = (lab, click.astype(bool), prev_fg, 1.0, 0.0, 4.0, (3.0, 200.0))
    np.testing.assert_array_equal(_depth_scaled_pull(*args, reach=1.0, local=True)[0],
                                  _depth_scaled_pull(*args, reach=1.0)[0])  # a click is one stretch


def test_a_stroke_pulls_less_far_than_a_click_at_the_same_depth():
    """A stroke paints the extent of the region it corrects itself; a click leaves the extent to the engine. A seed
    holding a new click's centre is a click; every other seed is a stroke."""
    import cv2

    from mattestudio.models.classic.segment import SegmenterConfig, _depth_scaled_pull

    lab = np.zeros((60, 300, 3), np.float32)
    prev_fg = np.zeros((60, 300), bool)
    prev_fg[:, :50] = True
    seeds = np.zeros((60, 300), np.uint8)
    cv2.line(seeds, (90, 20), (90, 40), 1, 3)  # 39-41 px into the previous background
    seeds = seeds.astype(bool)
    centre = np.zeros((60, 300), bool)
    centre[30, 90] = True
    cfg = SegmenterConfig()
    factors = (cfg.pull_depth, cfg.stroke_pull_depth)
    args = (lab, seeds, prev_fg, 1.0, 0.0)
    as_click, _ = _depth_scaled_pull(*args, factors[0], (3.0, 400.0), clicks=centre, stroke_factor=factors[1])
    as_stroke, _ = _depth_scaled_pull(*args, factors[0], (3.0, 400.0), clicks=np.zeros_like(centre),
                                      stroke_factor=factors[1])
    np.testing.assert_array_equal(as_click, _depth_scaled_pull(*args, factors[0], (3.0, 400.0))[0])  # as before
    np.testing.assert_array_equal(as_stroke, _depth_scaled_pull(*args, factors[1], (3.0, 400.0))[0])
    assert as_click[30, 130] > 0.85 and as_stroke[30, 130] < 0.55  # 40 px beside it: scale 8 x 41 px vs 1.5 x 41 px


def test_pixels_whose_colour_contradicts_the_coarse_cut_are_re_decided_at_the_fine_scale():
    """Background seen through gaps finer than the coarse scale (between leaves, inside a shrub) opens up."""
    from mattestudio.interaction.prompts import Box
    from mattestudio.interaction.session import Session
    from mattestudio.models.classic.segment import ClassicSegmenter, SegmenterConfig

    rng = np.random.default_rng(0)
    image = np.empty((400, 400, 3), np.uint8)
    image[:] = (40, 70, 160)
    yy, xx = np.mgrid[:400, :400]
    disc = (yy - 200) ** 2 + (xx - 200) ** 2 < 120 ** 2
    image[disc] = (220, 140, 40)
    holes = np.zeros((400, 400), bool)
    for y, x in rng.integers(110, 290, (40, 2)):
        holes[y:y + 2, x:x + 2] = True  # 2 x 2 px of background inside the disc: one pixel at the coarse scale
    holes &= disc
    image[holes] = (40, 70, 160)
    image = np.clip(image + rng.normal(0, 4, image.shape), 0, 255).astype(np.uint8)
    opened = {}
    for doubt in (0.0, 1.0):
        seg = ClassicSegmenter(SegmenterConfig(coarse_side=200, work_side=400, fine_doubt=doubt))
        session = Session(image, seg, "classic")
        session.add_instance("disc")
        mask = session.run_round("disc", [Box(60, 60, 340, 340)]).mask
        opened[doubt] = float((~mask[holes]).mean())
        assert mask[disc & ~holes].mean() > 0.98 and not mask[~disc].any()
    assert opened[0.0] < 0.5 and opened[1.0] > 0.95  # without the re-decision most stay filled (measured 0.3)


def test_the_outside_of_a_box_is_hard_background_and_clicks_are_hard_seeds():
    """A stripe of one colour runs across the whole photo: only the part inside the box can be foreground, and clicks
    hold against the colour model."""
    from mattestudio.interaction.prompts import Box, Click
    from mattestudio.interaction.session import Session

    image = np.full((200, 300, 3), (30, 90, 40), np.uint8)
    image[80:120] = (230, 200, 60)
    session = Session(image, "classic", "classic")
    session.add_instance("stripe")
    mask = session.run_round("stripe", [Box(100, 60, 200, 140), Click(150, 100, True)]).mask
    assert mask[100, 150] and not mask[:, :95].any() and not mask[:, 205:].any()
    mask = session.run_round("stripe", [Click(130, 100, False)]).mask
    assert not mask[100, 130] and mask[100, 150]


def test_a_new_click_is_found_inside_its_own_seed_at_the_coarse_scale():
    """The pull tells clicks from strokes by the click centres at the coarse scale: each must land on its own seed."""
    from mattestudio.interaction.prompts import Click
    from mattestudio.interaction.raster import rasterise
    from mattestudio.models.classic.segment import ClassicSegmenter, _down, _points

    image = np.zeros((300, 400, 3), np.uint8)
    coarse, _ = ClassicSegmenter()._levels(image, "test")
    clicks = [Click(100.7, 50.2, True), Click(399.0, 299.0, True), Click(0.0, 0.0, True)]
    centres = _points(np.array([[c.x, c.y] for c in clicks]), coarse)
    assert centres[32, 64] and centres.sum() == 9 + 4 + 4  # (100.7, 50.2) x 0.64, with its neighbours; two corners
    for c in clicks:
        seed = _down(rasterise([c], 300, 400)[0], coarse.size)
        assert seed[_points(np.array([[c.x, c.y]]), coarse)].sum() >= 4  # the centre and some of its neighbours


def test_local_colour_model_judges_a_pixel_against_the_colours_near_it():
    # left half: red foreground on blue; right half: the same red as background (on green foreground)
    img = np.zeros((60, 120, 3), np.uint8)
    fg = np.zeros((60, 120), bool)
    img[:, :60] = (0, 0, 200)
    img[15:45, 15:45] = (200, 0, 0)
    fg[15:45, 15:45] = True
    img[:, 60:] = (200, 0, 0)
    img[15:45, 75:105] = (0, 200, 0)
    fg[15:45, 75:105] = True
    model = ColourModel()
    idx = model.index(img)
    margin = model.local_neg_log_likelihood(idx, ~fg) - model.local_neg_log_likelihood(idx, fg)
    whole = model.neg_log_likelihood(idx, ~fg) - model.neg_log_likelihood(idx, fg)
    assert margin[30, 30] > 0.5 and margin[30, 110] < -0.5  # red: foreground on the left, background on the right
    assert abs(whole[30, 30] - whole[30, 110]) < 1e-6  # one model for the photo cannot tell them apart
    # with an overwhelming pseudo-count every window falls back to the whole photo's model
    far = model.local_neg_log_likelihood(idx, fg, prior=1e9)
    np.testing.assert_allclose(far, model.neg_log_likelihood(idx, fg), atol=1e-4)


def test_dark_fur_is_not_doubted_for_a_dark_background_elsewhere_in_the_photo():
    # a light-bodied subject with a dark fur rim on a light backdrop; far to the right, a large dark background
    img = np.full((120, 240, 3), 210, np.uint8)
    img[:, 150:] = (40, 30, 25)
    img[30:90, 30:90] = (190, 150, 110)
    img[30:90, 30:45] = (42, 31, 27)
    prob = np.zeros((120, 240), np.float32)
    prob[30:90, 30:90] = 1.0
    tri = np.zeros((120, 240), np.uint8)
    tri[27:93, 27:93] = 128
    tri[33:87, 33:87] = 255
    fur = (tri == 255) & (np.arange(240)[None, :] < 45)
    whole = colour_doubt(img, tri, prob, 0.25, 1024, prior=1e9)  # one model for the whole photo
    local = colour_doubt(img, tri, prob, 0.25, 1024)
    assert whole[fur].all()  # the dark fur looks like the dark background, seen from the whole photo
    assert not local[fur].any() and not local.any()
