import numpy as np

from mattestudio.interaction.prompts import Box, Click, Scribble
from mattestudio.interaction.raster import CONFLICT_BG, CONFLICT_FG, conflict_map, rasterise


def test_conflict_values_on_a_hand_made_case():
    prev = np.zeros((20, 20), bool)
    prev[:, 10:] = True  # previous prediction: right half foreground
    prompts = [Click(3, 10, True),  # lands on previous background -> 1
               Click(15, 10, True),  # already foreground -> 0
               Click(15, 3, False),  # on previous foreground -> 2
               Click(3, 3, False)]  # already background -> 0
    cmap = conflict_map(prev, prompts, 20, 20)
    pos, neg = rasterise(prompts, 20, 20, click_r=2)
    assert cmap[10, 3] == CONFLICT_FG
    assert cmap[10, 15] == 0
    assert cmap[3, 15] == CONFLICT_BG
    assert cmap[3, 3] == 0
    # exactly the new positive seeds on old background are 1, the new negative seeds on old foreground are 2
    np.testing.assert_array_equal(cmap == 1, pos & ~prev)
    np.testing.assert_array_equal(cmap == 2, neg & prev)
    assert set(np.unique(cmap)) == {0, 1, 2}


def test_first_round_counts_everything_as_previously_background():
    cmap = conflict_map(None, [Scribble(((2, 2), (12, 2)), 1, True), Click(10, 10, False)], 16, 16)
    assert (cmap[2, 2:13] == 1).all()
    assert not (cmap == 2).any()


def test_a_new_box_marks_previous_foreground_outside_it():
    prev = np.zeros((10, 10), bool)
    prev[1:9, 1:9] = True
    cmap = conflict_map(prev, [Box(3, 3, 9, 9)], 10, 10)
    assert (cmap[1, 1:9] == 2).all() and (cmap[1:3, 1] == 2).all()
    assert (cmap[3:9, 3:9] == 0).all()
