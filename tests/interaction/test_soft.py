"""The soft (unknown) brush through the session: covered by the mask, unknown in the trimap, no conflict, solved."""

import numpy as np
import pytest

from mattestudio.interaction.prompts import Box, Click, PromptError, Scribble, Soft, Text, prompt_from_dict
from mattestudio.interaction.raster import conflict_map, soft_pixels
from mattestudio.interaction.session import Session
from mattestudio.interaction.trimap import UNKNOWN


def test_soft_stroke_json_round_trip_and_default_radius():
    s = Soft(((3, 4), (10.5, 7)), 9)
    assert prompt_from_dict(s.to_dict()) == s
    assert s.to_dict() == {"type": "soft", "points": [[3.0, 4.0], [10.5, 7.0]], "radius": 9.0}
    assert prompt_from_dict({"type": "soft", "points": [[1, 2]]}).radius == 12.0


@pytest.mark.parametrize("bad, message", [
    ({"type": "soft", "points": []}, "soft stroke has no points"),
    ({"type": "soft"}, "soft prompt lacks points"),
    ({"type": "soft", "points": [[1, 2, 3]]}, "soft stroke points must be a list of \\[x, y\\] pairs"),
    ({"type": "soft", "points": "abc"}, "pairs"),
    ({"type": "soft", "points": [[1, float("nan")]]}, "soft stroke y must be finite"),
    ({"type": "soft", "points": [[1, 2]], "radius": 0}, "soft stroke radius 0 is outside"),
    ({"type": "soft", "points": [[1, 2]], "radius": -3}, "soft stroke radius -3 is outside"),
    ({"type": "soft", "points": [[1, 2]], "radius": 1e6}, "soft stroke radius 1e\\+06 is outside"),
    ({"type": "soft", "points": [[1, 2]], "positive": False}, "unknown field"),
])
def test_malformed_soft_strokes_give_clear_errors(bad, message):
    with pytest.raises(PromptError, match=message):
        prompt_from_dict(bad)


def test_soft_stroke_outside_the_image_is_refused():
    Soft(((0, 0), (9, 9))).validate(10, 10)
    with pytest.raises(PromptError, match="soft stroke point at \\(12, 3\\) lies outside the 10x10 image"):
        Soft(((1, 1), (12, 3))).validate(10, 10)


def test_soft_pixels_carry_no_conflict():
    prev = np.zeros((40, 50), bool)
    prev[10:30, 10:30] = True
    stroke = Soft(((5.0, 20.0), (45.0, 20.0)), 3)
    cmap = conflict_map(prev, [Box(12, 12, 28, 28), Click(40, 20, True), stroke], 40, 50)
    soft = soft_pixels([stroke], 40, 50)
    assert soft[20, 40] and soft[20, 15]
    assert (cmap[soft] == 0).all()  # neither the click under it nor the box's outside makes a conflict there
    assert cmap[35, 20] == 0 and cmap[12, 12] == 0 and cmap[5, 45] == 0
    assert (cmap[~soft & prev & (np.indices(prev.shape)[1] < 12)] == 2).all()


def test_the_mask_covers_soft_pixels_and_the_trimap_is_unknown_there(disc_image):
    img, alpha = disc_image
    s = Session(img)
    s.add_instance("disc")
    s.run_round("disc", [Box(30, 10, 130, 110)])
    stroke = Soft(((10.0, 100.0), (40.0, 105.0)), 5)  # background, far from the disc
    fg_stroke = Soft(((80.0, 60.0),), 6)  # the disc's opaque middle
    r = s.run_round("disc", [stroke, fg_stroke, Click(80, 30, True)])
    soft = soft_pixels([stroke, fg_stroke], *alpha.shape)
    assert r.mask[soft].all() and (r.trimap[soft] == UNKNOWN).all() and (r.conflict[soft] == 0).all()
    assert (r.prob[soft] == pytest.approx(0.5, abs=1e-4))
    # the refiner solved them: background stays transparent, the disc's middle opaque
    a = s.alphas()["disc"]
    assert a[soft_pixels([stroke], *alpha.shape)].mean() < 0.1
    assert a[soft_pixels([fg_stroke], *alpha.shape)].mean() > 0.9
    # the next round keeps them unknown (every round's soft strokes count), and undo takes the round back
    r3 = s.run_round("disc", [Click(60, 60, True)])
    assert (r3.trimap[soft] == UNKNOWN).all()
    assert s.undo("disc") and s.undo("disc")
    assert (s.instance("disc").result.trimap[soft] != UNKNOWN).any()


def test_a_semi_transparent_lens_painted_soft_gets_its_partial_alpha(lens_image):
    img, d = lens_image
    inside = d <= 20
    clicks = Session(img)
    clicks.add_instance("lens")
    clicks.run_round("lens", [Box(40, 20, 120, 100)])
    clicks.run_round("lens", [Click(80, 60, True), Click(70, 55, True)])
    by_clicks = clicks.alphas()["lens"][inside].mean()
    assert by_clicks > 0.9  # clicks can only say "in": the lens comes out opaque
    soft = Session(img)
    soft.add_instance("lens")
    soft.run_round("lens", [Box(40, 20, 120, 100)])
    soft.run_round("lens", [Soft(((80.0, 60.0),), 25)])
    a = soft.alphas()["lens"]
    print(f"\nlens alpha inside: clicks {by_clicks:.3f}, soft {a[inside].mean():.3f} (truth 0.4)")
    assert a[inside].mean() == pytest.approx(0.4, abs=0.1)
    assert a[(d > 26) & (d < 29)].mean() > 0.9 and a[d > 36].max() < 0.05  # the rim stays opaque, the rest clear


def test_soft_strokes_mix_with_every_type_undo_per_stroke_and_stay_exclusive(disc_image):
    img, _ = disc_image
    s = Session(img)
    s.add_instance("a")
    s.add_instance("b")
    for p in (Box(30, 10, 130, 110), Soft(((60.0, 60.0), (100.0, 60.0)), 8), Click(80, 60, True),
              Scribble(((5, 5), (30, 5)), 2, False), Text("the red disc")):
        s.add_prompt("a", p)
    assert s.undo_prompt("a") == Text("the red disc") and s.undo_prompt("a").positive is False
    assert isinstance(s.undo_prompt("a"), Click) and isinstance(s.undo_prompt("a"), Soft)
    assert isinstance(s.redo_prompt("a"), Soft) and len(s.instance("a").pending) == 2
    s.run_round("a")
    s.run_round("b", [Box(50, 30, 110, 90), Soft(((60.0, 40.0), (100.0, 40.0)), 4)])
    alphas = s.alphas()
    raw = [s.instance(n).result.alpha for n in "ab"]
    assert ((raw[0] + raw[1]) > 1.2).sum() > 500  # both instances claim the disc ...
    assert (alphas["a"] + alphas["b"] <= 1.0 + 1e-6).all()  # ... and still share at most 1
    # per instance: each one's trimap is unknown under its own strokes only
    assert (s.instance("a").result.trimap[60, 60:101] == UNKNOWN).all()
    assert (s.instance("b").result.trimap[40, 60:101] == UNKNOWN).all()
    assert (s.instance("a").result.trimap[40, 70:91] != UNKNOWN).all()
    assert (s.instance("b").result.trimap[60, 70:91] != UNKNOWN).all()
