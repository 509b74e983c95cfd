import numpy as np

from mattestudio.interaction.trimap import BG, FG, UNKNOWN, trimap_from_prob


def _disc(h, w, r):
    yy, xx = np.mgrid[0:h, 0:w]
    return (np.hypot(yy - h / 2, xx - w / 2) < r).astype(np.float32)


def test_band_grows_with_image_size():
    small = trimap_from_prob(np.full((200, 200, 3), 128, np.uint8), _disc(200, 200, 60))
    large = trimap_from_prob(np.full((800, 800, 3), 128, np.uint8), _disc(800, 800, 240))
    frac_small = (small == UNKNOWN).sum() / (2 * np.pi * 60)
    frac_large = (large == UNKNOWN).sum() / (2 * np.pi * 240)
    assert frac_large > 2 * frac_small  # width per unit boundary length grows with the image
    assert set(np.unique(small)) == {BG, UNKNOWN, FG}


def test_band_is_wider_where_the_edge_is_hairy():
    rng = np.random.default_rng(1)
    h = w = 200
    prob = np.zeros((h, w), np.float32)
    prob[:, :100] = 1.0
    img = np.full((h, w, 3), 100, np.uint8)
    img[:, :100] = 200
    # bottom half: hair-like texture across the edge
    img[100:, 80:120] = rng.integers(0, 255, (100, 40, 1)).astype(np.uint8)
    tri = trimap_from_prob(img, prob)
    width_clean = (tri[20:80] == UNKNOWN).sum(1).mean()
    width_hairy = (tri[120:180] == UNKNOWN).sum(1).mean()
    assert width_hairy > 1.5 * width_clean
    assert (tri[:, 0] == FG).all() and (tri[:, -1] == BG).all()


def test_uniform_mask_has_no_unknown():
    img = np.zeros((10, 10, 3), np.uint8)
    assert (trimap_from_prob(img, np.ones((10, 10), np.float32)) == FG).all()
    assert (trimap_from_prob(img, np.zeros((10, 10), np.float32)) == BG).all()


def test_large_images_keep_the_full_resolution_boundary_inside_the_band(monkeypatch):
    import mattestudio.interaction.trimap as tm

    monkeypatch.setattr(tm, "WORK_SIDE", 100)  # force the working-size path on a small image
    prob = _disc(300, 400, 97).astype(np.float32)
    img = np.full((300, 400, 3), 90, np.uint8)
    tri = tm.trimap_from_prob(img, prob)
    mask = prob >= 0.5
    edge = mask ^ np.roll(mask, 1, axis=1)
    assert (tri[edge] == UNKNOWN).all()
    assert not ((tri == FG) & ~mask).any() and not ((tri == BG) & mask).any()
