import numpy as np
import pytest

from mattestudio.interaction import session as session_mod
from mattestudio.interaction.prompts import Box, Click, PromptError, Scribble, Text
from mattestudio.interaction.session import Session, SessionError


def _iou(a, b):
    return (a & b).sum() / max(1, (a | b).sum())


def test_rounds_with_mixed_prompts_localise_the_disc(disc_image):
    img, alpha = disc_image
    s = Session(img)
    s.add_instance("disc")
    r1 = s.run_round("disc", [Box(30, 10, 130, 110)])
    assert r1.prob.shape == alpha.shape and r1.prob.dtype == np.float32
    assert r1.alpha.min() >= 0 and r1.alpha.max() <= 1
    r2 = s.run_round("disc", [Click(80, 60, True), Scribble(((5, 5), (30, 5)), 2, False), Text("the red disc")])
    assert any("not used" in w for w in r2.warnings)  # the text names nothing the detector knows
    assert _iou(r2.alpha >= 0.5, alpha >= 0.5) > 0.95
    soft = (r2.alpha > 0.02) & (r2.alpha < 0.98)
    assert soft.any()  # a soft edge, not a binary mask
    assert len(s.instance("disc").rounds) == 2


def test_conflict_map_is_computed_from_the_previous_round(disc_image):
    img, _ = disc_image
    s = Session(img)
    s.add_instance("a")
    s.run_round("a", [Box(30, 10, 130, 110)])
    prev = s.instance("a").result.mask
    inside = tuple(np.argwhere(prev)[0])
    outside = (5, 5)
    assert not prev[outside]
    r = s.run_round("a", [Click(outside[1], outside[0], True), Click(inside[1], inside[0], False)])
    assert r.conflict[outside] == 1 and r.conflict[inside] == 2


def test_undo_redo_of_rounds_and_prompts(disc_image):
    img, _ = disc_image
    s = Session(img)
    s.add_instance("a")
    assert not s.can_undo("a")
    s.run_round("a", [Box(30, 10, 130, 110)])
    first = s.instance("a").result.alpha.copy()
    s.run_round("a", [Click(5, 5, True)])
    assert s.undo("a") and s.can_redo("a")
    np.testing.assert_array_equal(s.instance("a").result.alpha, first)
    assert s.redo("a") and len(s.instance("a").rounds) == 2
    s.undo("a")
    s.run_round("a", [Click(80, 60, True)])  # a new edit clears redo
    assert not s.can_redo("a")
    # prompts of the open round
    s.add_prompt("a", Click(1, 1, False))
    s.add_prompt("a", Click(2, 2, False))
    assert s.undo_prompt("a") == Click(2, 2, False)
    assert s.redo_prompt("a") == Click(2, 2, False)
    s.undo_prompt("a")
    s.run_round("a")  # runs the pending prompts
    assert s.instance("a").rounds[-1].prompts == (Click(1, 1, False),)
    assert s.instance("a").pending == []



def test_one_history_of_prompts_rounds_and_edge_steps(disc_image, tmp_path):
    """undo_step / redo_step (Ctrl+Z / Ctrl+Shift+Z) walk the instance's changes newest first, whatever their kind;
    moves of one control join one step, a reset is its own; the edge never changes the stored alpha."""
    from mattestudio.interaction.edge import EdgeSettings
    from mattestudio.interaction.project import load_project, save_project

    img, _ = disc_image
    s = Session(img)
    s.add_instance("a")
    assert s.undo_step("a") is None and not s.set_edge("a", EdgeSettings())
    s.set_edge("a", EdgeSettings(feather=1.0))  # before any round
    s.run_round("a", [Box(30, 10, 130, 110)])
    alpha = s.instance("a").result.alpha.copy()
    s.set_edge("a", EdgeSettings(feather=0.5))  # a drag of "feather" let go (its own step), ...
    s.end_edge_step("a")
    for f in (1.5, 2.0):
        s.set_edge("a", EdgeSettings(feather=f))  # ... a second drag of it, then one of "shift"
    for f in (0.5, 1.0, 1.5, 2.0):
        s.set_edge("a", EdgeSettings(feather=2.0, shift=f * 10))
    s.set_edge("a", EdgeSettings(feather=3.0, shift=20.0))
    s.add_prompt("a", Click(5, 5, False))
    s.set_edge("a", EdgeSettings())  # a reset
    steps = []
    while (step := s.undo_step("a")) is not None:
        steps.append((step, s.instance("a").edge, len(s.instance("a").pending), len(s.instance("a").rounds)))
    assert steps == [("edge", EdgeSettings(feather=3.0, shift=20.0), 1, 1),
                     ("prompt", EdgeSettings(feather=3.0, shift=20.0), 0, 1),
                     ("edge", EdgeSettings(feather=2.0, shift=20.0), 0, 1),
                     ("edge", EdgeSettings(feather=2.0), 0, 1),  # the whole shift drag
                     ("edge", EdgeSettings(feather=0.5), 0, 1),  # the second feather drag
                     ("edge", EdgeSettings(feather=1.0), 0, 1),  # the first
                     ("round", EdgeSettings(feather=1.0), 0, 0),
                     ("edge", EdgeSettings(), 0, 0)]
    redone = []
    while (step := s.redo_step("a")) is not None:
        redone.append((step, s.instance("a").edge))
    assert [k for k, _ in redone] == ["edge", "round", "edge", "edge", "edge", "edge", "prompt", "edge"]
    assert s.instance("a").edge.identity and s.instance("a").pending == [Click(5, 5, False)]
    np.testing.assert_array_equal(s.instance("a").result.alpha, alpha)
    # a new change drops the edge redo; a saved project reopens with its prompts undoable, then its rounds
    s.undo_step("a")
    s.add_prompt("a", Click(6, 6, False))
    assert not s.instance("a").edge_redo
    path = tmp_path / "p.mattestudio"
    save_project(s, path)
    t = load_project(path)
    t.set_edge("a", EdgeSettings(contrast=50.0))
    assert [t.undo_step("a") for _ in range(4)] == ["edge", "prompt", "prompt", "round"]


def test_stale_results_are_dropped(disc_image):
    img, _ = disc_image
    s = Session(img)
    s.add_instance("a")
    old = s.begin_round("a", [Box(30, 10, 130, 110)])
    new = s.begin_round("a", [Box(20, 5, 140, 115)])  # supersedes the first
    assert not s.commit(old, s.compute(old))
    assert s.instance("a").rounds == []
    assert s.commit(new, s.compute(new))
    t = s.begin_round("a", [Click(80, 60, True)])
    res = s.compute(t)
    s.undo("a")  # the user undid while it ran
    assert not s.commit(t, res)


def test_history_is_bounded(disc_image, monkeypatch):
    monkeypatch.setattr(session_mod, "HISTORY_LIMIT", 3)
    img, _ = disc_image
    s = Session(img)
    s.add_instance("a")
    s.run_round("a", [Box(30, 10, 130, 110)])
    for k in range(5):
        s.run_round("a", [Click(80 + k, 60, True)])
    rounds = s.instance("a").rounds
    assert sum(r.result is not None for r in rounds) == 3
    assert s.undo("a") and s.undo("a")
    assert not s.undo("a")  # the round before holds no result any more
    assert len(s.instance("a").all_prompts()) == 4  # prompts of forgotten rounds still count


def test_instances_and_errors(disc_image):
    img, _ = disc_image
    s = Session(img)
    s.add_instance("a")
    assert s.add_instance().name == "instance 2"
    with pytest.raises(SessionError, match="exists"):
        s.add_instance("a")
    s.rename_instance("a", "b")
    assert list(s.instances) == ["b", "instance 2"]
    with pytest.raises(SessionError, match="at least one prompt"):
        s.run_round("b", [])
    with pytest.raises(PromptError, match="outside"):
        s.run_round("b", [Click(500, 5)])
    with pytest.raises(SessionError, match="no instance"):
        s.undo("zzz")
    s.remove_instance("b")
    assert list(s.instances) == ["instance 2"]
    assert s.instances["instance 2"].colour != (0, 0, 0)


def test_instance_alphas_are_exclusive(disc_image):
    img, _ = disc_image
    s = Session(img)
    s.add_instance("left")
    s.add_instance("right")
    s.run_round("left", [Box(10, 10, 110, 110)])
    s.run_round("right", [Box(50, 10, 150, 110)])
    raw = [s.instance(n).result.alpha for n in ("left", "right")]
    assert (raw[0] + raw[1]).max() > 1.0  # both claim the disc
    out = s.alphas()
    total = out["left"] + out["right"]
    assert total.max() <= 1.0 + 1e-6
    s.run_round("right", [Click(80, 60, True)])  # the right instance's own click supports the centre
    out = s.alphas()
    assert out["right"][60, 80] > 0.9 and out["left"][60, 80] < 0.1


def test_exclusivity_rule_on_hand_made_values():
    from mattestudio.interaction.exclusive import exclusive_alphas

    a = np.array([[0.8, 0.3, 1.0]], np.float32)
    b = np.array([[0.6, 0.3, 1.0]], np.float32)
    sa = np.array([[0.9, 0.0, 0.2]], np.float32)
    sb = np.array([[0.1, 0.0, 0.8]], np.float32)
    ea, eb = exclusive_alphas([a, b], [sa, sb])
    np.testing.assert_allclose(ea, [[0.8, 0.3, 0.0]], atol=1e-6)
    np.testing.assert_allclose(eb, [[0.2, 0.3, 1.0]], atol=1e-6)


def test_session_rejects_non_rgb_images():
    with pytest.raises(SessionError):
        Session(np.zeros((10, 10), np.uint8))


def test_one_click_inside_a_wrong_region_fixes_the_whole_region():
    """GrabCut's global colour model alone leaves such regions wrong; the geodesic pull of a click must not."""
    rng = np.random.default_rng(3)
    h, w = 120, 200
    img = np.zeros((h, w, 3), np.float32)
    img[:] = (90, 110, 100)
    img[30:90, 20:80] = (220, 60, 50)  # the object
    img[30:90, 110:170] = (60, 70, 210)  # a second thing inside the box, labelled foreground in round 1
    img = np.clip(img + rng.normal(0, 5, img.shape), 0, 255).astype(np.uint8)
    s = Session(img)
    s.add_instance("a")
    r1 = s.run_round("a", [Box(10, 20, 180, 100)])
    assert r1.mask[60, 140]  # the blue square came in with the box
    r2 = s.run_round("a", [Click(140, 60, False)])
    square = np.zeros((h, w), bool)
    square[32:88, 112:168] = True
    assert r2.mask[square].mean() < 0.02  # the whole square left, not just a disk around the click
    assert r2.mask[35:85, 25:75].mean() > 0.98  # the object stayed
