"""Corrections at object scale (classic engine, through the session): one click on a wrongly included object takes
all of it out, one click on a missing part brings the part in, and a tight box finds a thin subject."""

import numpy as np
import pytest

from mattestudio.interaction.prompts import Box, Click
from mattestudio.interaction.session import Session

H, W = 240, 320
YY, XX = np.mgrid[0:H, 0:W]
GRAIN = 25 * np.sin(XX / 5.0 + 3 * np.sin(YY / 17.0))


def _noisy(img, sigma, seed=0):
    return np.clip(img + np.random.default_rng(seed).normal(0, sigma, img.shape), 0, 255).astype(np.uint8)


def _rounds(img, *rounds):
    s = Session(img)
    s.add_instance("x")
    masks = []
    for prompts in rounds:
        s.run_round("x", prompts)
        masks.append(s.instance("x").result.mask)
    return masks


def _share(mask, region):
    return (mask & region).sum() / region.sum()


def _iou(a, b):
    return (a & b).sum() / (a | b).sum()


def test_one_positive_click_in_an_enclosed_part_brings_all_of_it():
    """A badge on a suit whose colours are the background's (a navy panel beside the subject): the box leaves a hole
    there; one click inside the hole brings the whole badge, not a disc around the click."""
    bg = np.where((XX < 200)[..., None], np.array([170, 170, 175]), np.array([30, 35, 90])).astype(np.float64)
    suit = (np.abs(XX - 120) < 70) & (YY > 40) & (YY < 230)
    badge = np.hypot(XX - 110, YY - 130) < 22
    img = bg.copy()
    img[suit] = (230, 110, 60)
    img[badge] = (35, 40, 95)
    img[badge & (np.abs(YY - 130) < 3)] = (170, 170, 175)
    box, click = _rounds(_noisy(img, 5), [Box(40, 30, 200, 235)], [Click(110, 140, True)])
    assert _share(box, badge) < 0.1  # the box round alone takes the badge for background
    assert _share(click, badge) > 0.97 and _iou(click, suit) > 0.97


def test_one_negative_click_on_a_separate_object_takes_all_of_it_out():
    """A textured blob of the subject's colours beside it inside the box: one negative click removes the blob."""
    img = np.full((H, W, 3), (150, 160, 150), np.float64) + 20 * np.sin(XX / 6.0)[..., None]
    subject = np.hypot(XX - 120, YY - 120) < 60
    blob = (np.abs(XX - 230) < 25) & (np.abs(YY - 170) < 30)
    img[subject] = (200, 90, 60)
    img[blob] = (195, 100, 70)
    img[blob & (((XX // 6) + (YY // 6)) % 2 == 0)] = (120, 60, 40)
    box, click = _rounds(_noisy(img, 5), [Box(50, 50, 265, 210)], [Click(230, 190, False)])
    assert _share(box, blob) > 0.9
    assert _share(click, blob) < 0.02 and _iou(click, subject) > 0.97


def test_one_negative_click_on_a_touching_object_of_similar_colour_takes_all_of_it_out():
    bg = np.stack([60 + 40 * np.sin(XX / 9.0), 90 + 30 * np.cos(YY / 7.0), 70 + 0 * XX], -1)
    a = np.hypot(XX - 120, YY - 120) < 60
    b = (np.hypot(XX - 215, YY - 120) < 45) & ~a
    img = bg.copy()
    img[a] = np.stack([200 + GRAIN, 120 + GRAIN, 60 + 0 * XX], -1)[a]
    img[b] = np.stack([185 - GRAIN, 125 - GRAIN * 0.5, 75 + 0 * XX], -1)[b]
    box, click = _rounds(_noisy(img, 10), [Box(50, 50, 270, 190)], [Click(215, 120, False)])
    assert _share(box, b) > 0.9
    assert _share(click, b) < 0.1 and _iou(click, a) > 0.95


def test_one_positive_click_on_the_missing_colour_of_a_two_coloured_subject_adds_the_part():
    """A red head over a textured navy body, on a textured background of the body's colours: the box takes the head
    only; one click on the body adds the body."""
    bg = np.stack([40 + 15 * np.sin(YY / 5.0), 50 + 20 * np.sin(XX / 13.0), 90 + 25 * np.cos(YY / 11.0 + XX / 23.0)], -1)
    head = np.hypot(XX - 160, YY - 70) < 40
    body = (np.abs(XX - 160) < 55) & (YY > 105) & (YY < 220)
    img = bg.copy()
    img[head] = (220, 60, 50)
    img[body] = np.stack([30 + GRAIN * 0.6, 45 + 0 * XX, 110 + GRAIN], -1)[body]
    box, click = _rounds(_noisy(img, 8), [Box(95, 20, 225, 230)], [Click(160, 170, True)])
    assert _share(click, body) > 0.95 and _iou(click, head | body) > 0.95


@pytest.mark.parametrize("half_width", [4.5, 6.0])
def test_a_tight_box_around_a_thin_dark_bar_finds_the_bar(half_width):
    """A dark bar covering ~5 % of its box on a light table with a lighting ramp and grain: the box round alone."""
    img = np.stack([170 + 0.25 * XX + 0.5 * GRAIN, 155 + 0.25 * XX + 0.4 * GRAIN, 120 + 0.2 * XX + 0.3 * GRAIN], -1)
    d = np.abs((YY - 30) - (XX - 40) * (180 / 240.0)) / np.hypot(1, 180 / 240.0)
    bar = (d < half_width) & (XX > 40) & (XX < 280)
    img[bar] = (60, 45, 40)
    ys, xs = np.nonzero(bar)
    box, = _rounds(_noisy(img, 6), [Box(xs.min() - 2, ys.min() - 2, xs.max() + 2, ys.max() + 2)])
    assert bar.sum() / ((np.ptp(xs) + 4) * (np.ptp(ys) + 4)) < 0.09
    assert _iou(box, bar) >= 0.9


def _dock_scene():
    """A plush toy (orange fur) whose previous mask also took the strip of wooden dock it stands on (light boards,
    dark gaps), in front of rippled water; 320 x 400 px."""
    from mattestudio.models.classic.colour import ColourModel

    yy, xx = np.mgrid[0:320, 0:400]
    toy = (np.hypot(xx - 200, yy - 120) < 95) | ((np.abs(xx - 200) < 85) & (yy > 120) & (yy < 300))
    dock = (yy >= 262) & (xx > 20) & (xx < 380) & ~toy
    img = np.stack([40 + 20 * np.sin(xx / 7.0 + yy / 3.0), 80 + 25 * np.sin(xx / 5.0), 140 + 30 * np.cos(yy / 4.0)], -1)
    boards = np.stack([190 + 0 * xx, 150 + 0 * xx, 115 + 0 * xx], -1) + 12 * np.sin(xx / 2.5)[..., None]
    boards[(yy % 14) < 3] = (90, 75, 70)
    img[dock] = boards[dock]
    img[toy] = np.stack([200 + 20 * np.sin(xx * 1.3) * np.cos(yy * 1.7), 120 + 15 * np.sin(xx * 0.9 + yy), 50 + 0 * xx],
                        -1)[toy]
    colour = ColourModel(16)
    return colour.index(_noisy(img, 6)), colour, toy, dock, xx, yy


def test_a_deep_click_takes_the_stretch_its_own_colours_explain():
    """One negative click in the middle of a striped dock the mask took with the toy: the whole dock, none of the
    toy (the geodesic pull would stop at the first dark gap between boards)."""
    from mattestudio.models.classic.parts import colour_part
    from mattestudio.models.classic.segment import SegmenterConfig

    idx, colour, toy, dock, xx, yy = _dock_scene()
    seed = np.hypot(xx - 70, yy - 295) < 3
    part = colour_part(idx, colour, seed, toy | dock, np.zeros_like(toy), SegmenterConfig())
    reach = np.hypot(xx - 70, yy - 295) < 4 * 30  # the seed lies 30 px deep: the stretch reaches 4 times that
    assert _share(part, dock & reach) > 0.95 and _share(part, toy) == 0


def test_no_stretch_for_a_shallow_click_or_a_mixed_sample():
    from mattestudio.models.classic.parts import colour_part
    from mattestudio.models.classic.segment import SegmenterConfig

    idx, colour, toy, dock, xx, yy = _dock_scene()
    cfg = SegmenterConfig()
    edge = np.hypot(xx - 70, yy - 266) < 2  # 4 px into the dock: a correction at the edge stays a disc
    assert not colour_part(idx, colour, edge, toy | dock, np.zeros_like(toy), cfg).any()
    # a seed on the toy near the dock, 45 px deep: the rest of the toy explains its sample as well as it does
    border = np.hypot(xx - 130, yy - 300) < 2
    assert not colour_part(idx, colour, border, toy | dock, np.zeros_like(toy), cfg).any()
