"""Referring expressions of the synthetic scenes: each text names exactly the instance it was made for."""

import cv2
import numpy as np
import pytest

from mattestudio.interaction.synth.dataset import load_backgrounds
from mattestudio.interaction.synth.stream import SceneConfig, make_scene, scene_seed
from mattestudio.interaction.synth.text import (InstanceFacts, Query, colour_name, expressions, parse, resolve)

SMALL = SceneConfig(width=(128, 160))


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bg")
    rng = np.random.default_rng(3)
    for i in range(3):
        yy, xx = np.mgrid[0:90, 0:120]
        img = np.stack([xx * 2, yy * 2, 60 * i + 0 * xx], -1) + rng.normal(0, 12, (90, 120, 3))
        cv2.imwrite(str(folder / f"bg{i}.jpg"), np.clip(img, 0, 255).astype(np.uint8))
    return load_backgrounds(folder)


def _facts(*items):
    return [InstanceFacts(cx, area, colour, 0.0, frozenset(occ)) for cx, area, colour, occ in items]


def test_every_expression_names_its_instance(photos):
    kinds = set()
    for i in range(25):
        scene = make_scene(scene_seed(0, 9, i), photos, SMALL)
        facts = scene.facts
        for e in expressions(facts, np.random.default_rng(i)):
            kinds.add(e.kind)
            assert parse(e.text) == e.query, e.text  # the text says what the query means
            assert resolve(e.query, facts) == [e.target], e.text
            q, t = e.query, facts[e.target]
            same = [f for f in facts if q.colour is None or f.colour == q.colour]
            if q.colour:
                assert t.colour == q.colour
            if q.relation == "left":
                assert t.cx == min(f.cx for f in same)
            if q.relation == "right":
                assert t.cx == max(f.cx for f in same)
            if q.relation == "largest":
                assert t.area == max(f.area for f in same)
            if q.relation == "smallest":
                assert t.area == min(f.area for f in same)
    assert {"spatial", "size", "colour"} <= kinds


def test_ambiguous_queries_are_not_emitted():
    # two instances at nearly the same x and of equal size, both red: nothing tells them apart
    facts = _facts((0.50, 0.2, "red", ()), (0.52, 0.2, "red", ()))
    assert expressions(facts, np.random.default_rng(0)) == []
    # a third, blue and clearly to the right: only it can be named
    facts = _facts((0.30, 0.2, "red", ()), (0.32, 0.2, "red", ()), (0.8, 0.1, "blue", ()))
    targets = {e.target for e in expressions(facts, np.random.default_rng(0))}
    assert targets == {2}


def test_combinations_and_occlusion():
    # two red (left one smaller) and a green one in front of both
    facts = _facts((0.2, 0.05, "red", (2,)), (0.5, 0.2, "red", (2,)), (0.8, 0.1, "green", ()))
    exprs = expressions(facts, np.random.default_rng(1))
    by_query = {e.query: e.target for e in exprs}
    assert by_query[Query("red", "left")] == 0 and by_query[Query("red", "largest")] == 1
    assert by_query[Query(None, "front")] == 2 and Query("red", None) not in by_query
    assert Query(None, "back") not in by_query  # the two red ones are both behind only the green one


def test_colour_names():
    assert colour_name(np.array([220, 20, 20])) == "red"
    assert colour_name(np.array([30, 60, 220])) == "blue"
    assert colour_name(np.array([40, 170, 60])) == "green"
    assert colour_name(np.array([240, 240, 240])) == "white"
    assert colour_name(np.array([10, 10, 10])) == "black"
