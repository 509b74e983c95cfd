"""Edge controls on hand-made alphas: identity by default, feather widens the ramp, shift edge moves the 0.5 contour
by the asked amount, contrast hardens, smooth rounds a jagged outline, decontamination replaces fringe colours."""

import math

import numpy as np
import pytest

from mattestudio.interaction.edge import (SHIFT_DIAGONAL, EdgeError, EdgeSettings, apply_edge, decontaminate,
                                          parse_edge)
from mattestudio.interaction.instance_alphas import preview_size
from mattestudio.interaction.prompt_file import dump_prompts, parse_prompts
from mattestudio.interaction.prompts import Box, PromptError
from mattestudio.interaction.session import Session

H, W = 200, 300


def ramp(edge_x: float = 150.5, width: float = 4.0) -> np.ndarray:
    """A vertical edge: 1 on the left, 0 on the right, a linear ramp of ``width`` px whose 0.5 lies at ``edge_x``."""
    xx = np.tile(np.arange(W, dtype=np.float32), (H, 1))
    return np.clip((edge_x - xx) / width + 0.5, 0, 1).astype(np.float32)


def contour_x(a: np.ndarray, row: int = H // 2) -> float:
    """Sub-pixel x where row ``row`` of ``a`` falls through 0.5."""
    r = a[row].astype(np.float64)
    i = int(np.nonzero(r < 0.5)[0][0])
    return i - 1 + (r[i - 1] - 0.5) / (r[i - 1] - r[i])


def ramp_width(a: np.ndarray, row: int = H // 2) -> int:
    return int(((a[row] > 0.05) & (a[row] < 0.95)).sum())


def test_default_settings_leave_the_alpha_unchanged_bit_for_bit():
    rng = np.random.default_rng(0)
    a = rng.random((H, W), dtype=np.float32)
    out = apply_edge(a, EdgeSettings())
    assert out.dtype == a.dtype and out.tobytes() == a.tobytes()
    colours = rng.random((H, W, 3), dtype=np.float32)
    assert decontaminate(colours, a, 0.0).tobytes() == colours.tobytes()
    assert EdgeSettings().identity and EdgeSettings(decontaminate=10).alpha_identity


def test_the_session_applies_default_edges_as_identity(disc_image):
    img, _ = disc_image
    s = Session(img)
    s.add_instance("disc")
    s.run_round("disc", [Box(30, 10, 130, 110)])
    assert s.alphas()["disc"].tobytes() == s.instance("disc").result.alpha.tobytes()
    s.instance("disc").edge = EdgeSettings(feather=3)
    assert s.alphas()["disc"].tobytes() != s.instance("disc").result.alpha.tobytes()


@pytest.mark.parametrize("feather", [1.5, 4.0])
def test_feather_widens_the_ramp_and_keeps_its_middle(feather):
    a = ramp()
    out = apply_edge(a, EdgeSettings(feather=feather))
    assert ramp_width(out) > ramp_width(a) + feather
    assert contour_x(out) == pytest.approx(contour_x(a), abs=0.05)


@pytest.mark.parametrize("shift", [50.0, -50.0, 100.0, -25.0, 37.0])
def test_shift_edge_moves_the_half_contour_by_the_asked_amount(shift):
    a = ramp()
    out = apply_edge(a, EdgeSettings(shift=shift))
    px = shift / 100 * SHIFT_DIAGONAL * math.hypot(H, W)  # 100 % = 1 % of the diagonal (3.6 px here)
    assert contour_x(out) - contour_x(a) == pytest.approx(px, abs=0.05)
    assert ramp_width(out) == pytest.approx(ramp_width(a), abs=1)  # moved, not blurred


def test_shift_edge_at_preview_scale_moves_the_same_share_of_the_image():
    full = ramp(150.5, 8.0)
    small = ramp(75.25, 4.0)[:, :150]  # the same edge at half size
    out_full = apply_edge(full, EdgeSettings(shift=80))
    out_small = apply_edge(small, EdgeSettings(shift=80), scale=0.5, full_shape=(H, W))
    assert contour_x(out_small) * 2 == pytest.approx(contour_x(out_full), abs=0.3)


def test_contrast_hardens_and_smooth_rounds_a_jagged_outline():
    a = ramp(width=10.0)
    hard = apply_edge(a, EdgeSettings(contrast=90))
    assert ramp_width(hard) < ramp_width(a) / 4 and contour_x(hard) == pytest.approx(contour_x(a), abs=0.1)
    jag = np.zeros((H, W), np.float32)
    jag[:, :150] = 1.0
    jag[::4, 150:153] = 1.0  # one-row teeth every 4 rows
    smooth = apply_edge(jag, EdgeSettings(smooth=100))
    teeth = lambda x: np.abs(np.diff(x[:, 148:156].sum(1))).sum()  # noqa: E731
    assert teeth(smooth) < 0.3 * teeth(jag)
    assert ((smooth > 0.05) & (smooth < 0.95))[H // 2].sum() <= 4  # the outline stays sharp


def test_decontaminate_pulls_fringe_colours_to_the_opaque_neighbours():
    a = ramp(width=6.0)
    colours = np.zeros((H, W, 3), np.float32)
    colours[..., 0] = 0.9  # a red subject ...
    colours[:, 148:156, 1] = 0.8  # ... with a green fringe from the old background where it is not opaque
    out = decontaminate(colours, a, 100.0)
    fringe = (a > 0.02) & (a < 0.5)
    assert out[fringe][:, 1].mean() < 0.2 * colours[fringe][:, 1].mean()
    assert np.array_equal(out[a >= 1.0], colours[a >= 1.0])  # opaque pixels keep their colour
    half = decontaminate(colours, a, 50.0)
    assert out[fringe][:, 1].mean() < half[fringe][:, 1].mean() < colours[fringe][:, 1].mean()


@pytest.mark.parametrize("bad, message", [
    ({"feather": -1}, "feather' -1 is outside 0..250"),
    ({"shift": 150}, "shift' 150 is outside -100..100"),
    ({"smooth": "a lot"}, "must be a number"),
    ({"contrast": float("nan")}, "outside"),
    ({"blur": 2}, "unknown edge control"),
    ({"smooth": 10 ** 400}, "smooth' is too large"),
])
def test_edge_settings_are_validated(bad, message):
    with pytest.raises(EdgeError, match=message):
        EdgeSettings.from_dict(bad)


def test_edge_in_the_prompts_json_and_on_the_command_line():
    data = {"instances": [{"name": "a", "rounds": [[{"type": "soft", "points": [[1, 2]]}]],
                           "edge": {"feather": 2, "shift": -20}}, {"name": "b", "rounds": [[{"type": "text",
                                                                                           "text": "cat"}]]}]}
    a, b = parse_prompts(data)
    assert a.edge == EdgeSettings(feather=2, shift=-20) and b.edge.identity
    assert parse_prompts(__import__("json").loads(dump_prompts([a, b]))) == [a, b]
    with pytest.raises(PromptError, match="instance 'a': edge 'feather' -2 is outside"):
        parse_prompts({"instances": [{"name": "a", "rounds": [[{"type": "text", "text": "x"}]],
                                      "edge": {"feather": -2}}]})
    assert parse_edge("feather=2, shift=0") == {"feather": 2.0, "shift": 0.0}
    assert a.edge.replace(**parse_edge("feather=0")) == EdgeSettings(shift=-20)
    with pytest.raises(EdgeError, match="name=value"):
        parse_edge("feather")
    with pytest.raises(EdgeError, match="not a number"):
        parse_edge("feather=wide")


def test_preview_size():
    assert preview_size(3000, 4000, 1600) == (1600, 1200)
    assert preview_size(500, 400, 1600) is None
