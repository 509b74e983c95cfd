import math

import numpy as np
import pytest

from mattestudio.interaction.prompts import (Box, Click, PromptError, Scribble, Text, prompt_from_dict,
                                             to_prompt_set)


def test_round_trip_of_every_prompt_type():
    prompts = [Click(3, 4, False), Scribble(((1, 2), (5, 6)), 3, True), Box(10, 20, 2, 4), Text("  the  doll ")]
    for p in prompts:
        assert prompt_from_dict(p.to_dict()) == p
    assert prompts[2] == Box(2, 4, 10, 20)  # a box dragged backwards is normalised
    assert prompts[3].text == "the doll"


@pytest.mark.parametrize("bad, message", [
    ({"type": "click", "x": 1}, "lacks y"),
    ({"type": "click", "x": 1, "y": 2, "z": 3}, "unknown field"),
    ({"type": "click", "x": "1", "y": 2}, "must be a number"),
    ({"type": "click", "x": math.nan, "y": 2}, "finite"),
    ({"type": "click", "x": 1, "y": 2, "positive": "yes"}, "true or false"),
    ({"type": "box", "x0": 1, "y0": 1, "x1": 2, "y1": 50}, "degenerate"),
    ({"type": "scribble", "points": []}, "no points"),
    ({"type": "scribble", "points": [[1, 2, 3]]}, "pairs"),
    ({"type": "scribble", "points": [[1, 2]], "radius": 0}, "radius"),
    ({"type": "text", "text": "   "}, "empty"),
    ({"type": "lasso"}, "unknown prompt type"),
    ([1, 2], "must be an object"),
])
def test_malformed_prompts_give_clear_errors(bad, message):
    with pytest.raises(PromptError, match=message):
        prompt_from_dict(bad)


def test_validation_against_the_image():
    Click(0, 0).validate(10, 10)
    Click(9, 9).validate(10, 10)
    with pytest.raises(PromptError, match="outside the 10x10 image"):
        Click(10, 3).validate(10, 10)
    with pytest.raises(PromptError, match="outside"):
        Scribble(((1, 1), (1, -1))).validate(10, 10)
    with pytest.raises(PromptError, match="outside"):
        Box(0, 0, 12, 5).validate(10, 10)


def test_prompt_set_conversion():
    ps = to_prompt_set([Click(1, 2, True), Click(3, 4, False), Box(0, 0, 5, 5), Text("cat"),
                        Scribble(((0, 0), (2, 2)), 2, False)])
    np.testing.assert_array_equal(ps.clicks, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(ps.click_labels, [True, False])
    assert ps.boxes == ((0, 0, 5, 5),) and ps.texts == ("cat",)
    assert len(ps.strokes) == 1 and not ps.strokes[0].positive
