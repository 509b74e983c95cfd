"""The prompt mapping of the SAM presets, without a network: clicks, the newest box, points along scribbles (how many
and where), conflict points on the conflict components, and SAM's one-or-three-masks rule."""

import numpy as np

from mattestudio.interaction.prompts import Box, Click, Scribble, to_prompt_set
from mattestudio.models.iscn.sam.frame import SamFrame
from mattestudio.models.iscn.sam.prompts import (MAX_STROKE_POINTS, STROKE_POINTS, conflict_points, sam_prompt,
                                                 stroke_points)

FRAME = SamFrame(512, 1024)  # scale 1: frame pixels are image pixels


def test_points_along_a_scribble_follow_its_length_in_the_frame():
    short = np.array([[10.0, 10.0], [40.0, 10.0]])  # 30 px: one point, its middle
    assert np.allclose(stroke_points(short, 1.0), [[25, 10]])
    bent = np.array([[0.0, 0.0], [100.0, 0.0], [100.0, 100.0]])  # 200 px: ends and one point per 64 px, at most 4
    pts = stroke_points(bent, 1.0)
    assert len(pts) == 4 and np.allclose(pts[0], [0, 0]) and np.allclose(pts[-1], [100, 100])
    assert np.allclose(pts[1], [200 / 3, 0], atol=1e-9)  # evenly spaced by arc length
    assert len(stroke_points(bent, 0.25)) == 1  # a 4x larger photo: the same stroke spans 50 frame pixels
    long = np.array([[0.0, 0.0], [1000.0, 0.0]])
    assert len(stroke_points(long, 1.0)) == STROKE_POINTS


def test_clicks_scribbles_and_the_newest_box():
    prompts = [Box(10, 10, 500, 400), Click(50, 60), Click(70, 80, False), Box(20, 30, 400, 300),
               Scribble(((100, 100), (300, 100)), 4, False)]
    p = sam_prompt(to_prompt_set(prompts), FRAME)
    assert np.allclose(p.box, [20, 30, 400, 300])
    assert np.allclose(p.coords[:2], [[50, 60], [70, 80]]) and list(p.labels[:2]) == [1, 0]
    assert len(p.coords) == 2 + 4 and (p.labels[2:] == 0).all()  # 200 px of scribble: 4 negative points
    assert not p.multimask and p.conflict_points == 0


def test_scribble_points_are_capped_keeping_the_newest():
    strokes = [Scribble(((0, i * 20), (900, i * 20)), 4, i % 2 == 0) for i in range(8)]  # 8 x 4 points
    p = sam_prompt(to_prompt_set(strokes), FRAME)
    assert len(p.coords) == MAX_STROKE_POINTS
    assert np.allclose(p.coords[-1], [900, 140])  # the newest scribble's end is kept


def test_one_point_without_a_box_asks_for_three_masks():
    assert sam_prompt(to_prompt_set([Click(5, 5)]), FRAME).multimask
    assert not sam_prompt(to_prompt_set([Click(5, 5), Box(0, 0, 20, 20)]), FRAME).multimask
    assert not sam_prompt(to_prompt_set([Box(0, 0, 20, 20)]), FRAME).multimask
    assert not sam_prompt(to_prompt_set([Click(5, 5), Click(9, 9)]), FRAME).multimask


def test_conflict_points_sit_inside_the_largest_components():
    h, w = 600, 800
    frame = SamFrame(h, w)
    conflict = np.zeros((h, w), np.uint8)
    conflict[100:200, 100:140] = 1  # the largest positive conflict
    for k in range(4):  # four smaller ones; the smallest gets no point (3 per class)
        conflict[450:460, 100 + 60 * k:100 + 60 * k + 8 - 2 * k] = 1
    conflict[300:360, 500:700] = 2
    xy, labels = conflict_points(conflict, frame)
    assert list(labels) == [1, 1, 1, 0]
    assert all(x < 100 + 60 * 2 for (x, _), lab in zip(xy, labels) if lab == 1)  # none on the two smallest
    for (x, y), label in zip(xy, labels):
        assert conflict[int(round(y)), int(round(x))] == (1 if label else 2)
    assert abs(xy[0][0] - 119.5) < 2 and abs(xy[0][1] - 149.5) < 40  # on the medial axis of the 40 px wide band
    p = sam_prompt(to_prompt_set([Click(120, 150)]), frame, conflict)
    assert p.conflict_points == 4 and len(p.coords) == 5 and not p.multimask
