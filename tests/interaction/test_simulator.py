"""The simulated user: box, RITM clicks, scribbles, protocols, determinism."""

import numpy as np
import pytest

from mattestudio.interaction.bench import simulator as sim
from mattestudio.interaction.bench.protocols import ProtocolError, UserState, make_protocol
from mattestudio.interaction.prompts import Box, Click, Scribble


def test_box_is_tight_plus_five_percent_of_longer_side_clipped():
    gt = np.zeros((100, 200), bool)
    gt[40:60, 50:80] = True
    b = sim.simulated_box(gt)
    assert (b.x0, b.y0, b.x1, b.y1) == (40.0, 30.0, 89.0, 69.0)  # pad = 0.05 * 200 = 10
    gt[:5, :5] = True
    b = sim.simulated_box(gt)
    assert (b.x0, b.y0) == (0.0, 0.0)


def test_click_lands_in_the_deepest_false_negative():
    gt = np.zeros((60, 80), bool)
    gt[10:50, 10:50] = True  # 40 x 40 square, centre (29.5, 29.5)
    pred = np.zeros_like(gt)
    pred[10:50, 10:20] = True  # left strip found; FN = the 40 x 30 rest, deepest along x = 34.5
    c = sim.next_click(sim.ErrorState.of(gt, pred))
    assert c.positive
    assert 33 <= c.x <= 36 and 20 <= c.y <= 39
    assert gt[int(c.y), int(c.x)] and not pred[int(c.y), int(c.x)]


def test_click_is_negative_when_false_positives_are_deeper():
    gt = np.zeros((60, 80), bool)
    gt[20:30, 20:30] = True
    pred = gt.copy()
    pred[5:55, 45:75] = True  # a large false positive block
    pred[22:24, 22:24] = False  # a tiny false negative
    c = sim.next_click(sim.ErrorState.of(gt, pred))
    assert not c.positive
    assert 58 <= c.x <= 61 and 19 <= c.y <= 40  # on the medial axis of the 50 x 30 block


def test_border_counts_as_boundary_and_no_error_gives_no_click():
    gt = np.ones((20, 20), bool)
    c = sim.next_click(sim.ErrorState.of(gt, None))
    assert (c.x, c.y) in ((9.0, 9.0), (10.0, 9.0), (9.0, 10.0), (10.0, 10.0))  # padded DT: centre is deepest
    assert sim.next_click(sim.ErrorState.of(gt, gt)) is None


def test_round_clicks_are_separated_and_skip_clicked_pixels():
    gt = np.zeros((80, 160), bool)
    gt[10:70, 10:70] = True
    gt[20:60, 100:140] = True
    clicked = np.zeros_like(gt)
    clicks = sim.round_clicks(gt, None, 2, clicked)
    assert len(clicks) == 2 and all(c.positive for c in clicks)
    assert clicks[0].x < 80 < clicks[1].x  # second click goes to the other square, not next to the first
    assert clicked.sum() == 2


def test_scribble_follows_the_skeleton_of_the_largest_error():
    gt = np.zeros((60, 200), bool)
    gt[20:40, 10:190] = True  # a long horizontal bar, skeleton along y ~ 29.5
    gt[45:50, 5:10] = True  # a small second component
    rng = np.random.default_rng(0)
    s = sim.next_scribble(sim.ErrorState.of(gt, None), rng)
    assert isinstance(s, Scribble) and s.positive
    pts = np.array(s.points)
    assert np.all(np.abs(pts[:, 1] - 29.5) <= 2)  # on the medial axis
    length = np.hypot(*np.diff(pts, axis=0).T).sum()
    assert 0.15 * 180 <= length <= 0.31 * 180  # up to 30% of the skeleton's length
    assert 3 <= s.radius <= 8
    assert gt[sim.scribble_pixels(s, gt.shape)].all()  # the stroke stays inside the error


def test_negative_scribble_on_false_positive():
    gt = np.zeros((60, 120), bool)
    pred = np.zeros_like(gt)
    pred[10:50, 60:110] = True
    s = sim.next_scribble(sim.ErrorState.of(gt, pred), np.random.default_rng(0))
    assert not s.positive and np.all(np.array(s.points)[:, 0] >= 60)


def _state(seed):
    gt = np.zeros((60, 90), bool)
    gt[10:50, 20:70] = True
    return UserState(gt, np.random.default_rng(seed))


def test_protocols_give_the_right_prompts_and_are_deterministic():
    click = make_protocol("click", 5, accepts_text=False)
    u = _state(0)
    assert [type(p) for p in click.prompts(1, u)] == [Box]
    u.pred = np.zeros_like(u.gt)
    r2 = click.prompts(2, u)
    assert len(r2) == 3 and all(isinstance(p, Click) for p in r2)
    scrib = make_protocol("scribble", 5, accepts_text=False)
    a, b = _state(7), _state(7)
    a.pred = b.pred = np.zeros_like(a.gt)
    sa, sb = scrib.prompts(2, a), scrib.prompts(2, b)
    assert sa == sb and len(sa) == 2
    assert make_protocol("box", 5, False).rounds == 1
    assert make_protocol("noc", 5, False).rounds == 20
    with pytest.raises(ProtocolError):
        make_protocol("text", 5, accepts_text=False)
    with pytest.raises(ProtocolError):
        make_protocol("tap", 5, accepts_text=False)


def test_plain_ritm_clicks_of_a_round_stay_on_one_region():
    gt = np.zeros((80, 160), bool)
    gt[10:70, 10:70] = True
    gt[30:50, 110:130] = True  # depth 10, less than the ~15 px left in the big square around its clicked centre
    clicks = sim.round_clicks(gt, None, 2, np.zeros_like(gt), separate=False)
    assert clicks[0].x < 80 and clicks[1].x < 80
    assert sim.round_clicks(gt, None, 2, np.zeros_like(gt))[1].x > 100  # separated: the other square  # the second click lands next to the first (clicked pixel only)


def test_separated_scribbles_of_a_round_go_to_another_error_region():
    gt = np.zeros((80, 160), bool)
    gt[10:70, 10:70] = True
    gt[28:52, 110:134] = True  # smaller than the big square, larger than what its first stroke leaves of it
    rng = lambda: np.random.default_rng(0)  # noqa: E731
    plain = sim.round_scribbles(gt, None, 2, rng())
    separated = sim.round_scribbles(gt, None, 2, rng(), separate=True)
    assert plain[0] == separated[0] and plain[0].positive
    assert all(x < 80 for x, _ in plain[1].points)  # the protocol's rule: beside the first stroke
    assert all(x > 100 for x, _ in separated[1].points)  # the other square
    # the protocol carries the choice (the bench's --scribble-spacing); the default is the protocol's rule
    for separate, expected in ((False, plain), (True, separated)):
        user = UserState(gt, rng())
        assert make_protocol("scribble", 5, False, separate_strokes=separate).prompts(2, user) == expected
