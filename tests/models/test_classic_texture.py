"""Texture beside colour in the classic engine's models (decision 0009): a sharp subject in front of a defocused
background of the same colours."""

import dataclasses

import numpy as np

from mattestudio.interaction.prompts import Box, Click
from mattestudio.interaction.session import Session
from mattestudio.models.classic.colour import ColourModel
from mattestudio.models.classic.refine import ClassicRefiner
from mattestudio.models.classic.segment import ClassicSegmenter, SegmenterConfig

H, W = 200, 260
YY, XX = np.mgrid[0:H, 0:W]
GREEN, OLIVE = np.array([60, 110, 50]), np.array([120, 130, 60])


def _scene(seed=0):
    """A disc of fine olive-and-green speckle (a dry shrub in focus) over large smooth blotches of the same two colours
    (a leaf and bokeh behind it): the subject is 60 % olive, the background 35 %; sharpness is what differs."""
    rng = np.random.default_rng(seed)
    blotch = np.sin(XX / 23.0 + 2 * np.sin(YY / 31.0)) + np.cos(YY / 19.0) > 0.3
    img = np.where(blotch[..., None], OLIVE, GREEN).astype(np.float64)
    subject = np.hypot(XX - 130, YY - 100) < 55
    speckle = np.kron(rng.random((H // 2, W // 2)) < 0.6, np.ones((2, 2), bool))
    img[subject] = np.where(speckle[..., None], OLIVE, GREEN)[subject]
    img = np.clip(img + rng.normal(0, 3, img.shape), 0, 255).astype(np.uint8)
    return img, subject


def _iou(a, b):
    return (a & b).sum() / (a | b).sum()


def _rounds(img, config):
    s = Session(img, ClassicSegmenter(config), ClassicRefiner())
    s.add_instance("x")
    masks = []
    for prompts in ([Box(55, 25, 205, 175)], [Click(130, 100, True), Click(70, 40, False), Click(190, 160, False)]):
        s.run_round("x", prompts)
        masks.append(s.instance("x").result.mask)
    return masks


def test_texture_levels_split_busy_from_flat_neighbourhoods():
    img, subject = _scene()
    levels = ColourModel(texture=4).texture_levels(img)
    assert levels.min() == 0 and levels.max() == 3
    inner = np.hypot(XX - 130, YY - 100) < 45
    flat = np.hypot(XX - 130, YY - 100) > 70
    assert np.mean(levels[inner] == 3) > 0.8  # the speckle is the busiest quarter
    assert np.mean(levels[flat] <= 1) > 0.6  # the blotches are flat but at their edges


def _right(model, img, subject):
    """Shares of the subject's and the background's pixels that models fitted on the truth label right."""
    idx = model.index(img)
    margin = model.neg_log_likelihood(idx, ~subject) - model.neg_log_likelihood(idx, subject)
    return np.mean(margin[subject] > 0), np.mean(margin[~subject] < 0)


def test_texture_tells_the_sides_apart_where_colour_alone_cannot():
    img, subject = _scene()
    fg, bg = _right(ColourModel(), img, subject)
    assert fg < 0.7 and bg < 0.7  # each colour is labelled by its majority side: one pixel in three wrong
    fg, bg = _right(ColourModel(texture=4), img, subject)
    assert fg > 0.95 and bg > 0.8  # the background's blotch edges are what is left


def test_texture_levels_smooth_over_neighbouring_levels_only():
    """One pixel at texture level 1: its histogram mass spreads to levels 0 and 2 alike, hardly to level 3."""
    model = ColourModel(texture=4)
    idx = np.array([[((8 * 16 + 8) * 16 + 8) * 4 + 1]])
    hist = model._smoothed(idx, np.ones((1, 1), bool)).reshape(16, 16, 16, 4)[8, 8, 8]
    assert hist[1] > hist[0] > hist[3] and np.isclose(hist[0], hist[2]) and hist[3] < 0.01 * hist[1]


def test_a_correction_round_separates_a_sharp_subject_from_a_defocused_background_of_its_colours():
    """A box, then a positive click on the subject and two negative clicks on the background: with texture the
    correction round finds the disc; with colour alone the same prompts leave the box round's mask as it was."""
    img, subject = _scene()
    box, corrected = _rounds(img, SegmenterConfig())
    assert _iou(box, subject) < 0.8 and _iou(corrected, subject) > 0.9
    box_plain, corrected_plain = _rounds(img, dataclasses.replace(SegmenterConfig(), texture_bins=1))
    assert _iou(corrected_plain, subject) < 0.8
    # the box round fits colour alone either way (its models are fitted on the box's inside, background and all)
    assert np.array_equal(box, box_plain)
