"""``mattestudio matte`` with soft strokes, edge controls (JSON and --edge) and the cut-out over a colour."""

import json

import cv2
import numpy as np
import pytest

from mattestudio.app.cli import main

ROUNDS = [[{"type": "box", "x0": 30, "y0": 10, "x1": 130, "y1": 110}],
          [{"type": "soft", "points": [[60, 60], [100, 60]], "radius": 6},
           {"type": "click", "x": 80, "y": 40, "positive": True}]]


@pytest.fixture
def disc_png(tmp_path, disc_image):
    p = tmp_path / "disc.png"
    cv2.imwrite(str(p), cv2.cvtColor(disc_image[0], cv2.COLOR_RGB2BGR))
    return p


def _run(tmp_path, disc_png, edge=None, *extra):
    inst = {"name": "disc", "rounds": ROUNDS}
    if edge is not None:
        inst["edge"] = edge
    prompts = tmp_path / "p.json"
    prompts.write_text(json.dumps({"instances": [inst]}))
    out = tmp_path / f"alpha{len(list(tmp_path.iterdir()))}.png"
    assert main(["matte", str(disc_png), "--prompts", str(prompts), "-o", str(out), *extra]) == 0
    return cv2.imread(str(out), cv2.IMREAD_UNCHANGED).astype(np.float32) / 255.0


def _width(a):
    return int(((a > 0.05) & (a < 0.95)).sum())


def test_soft_strokes_and_edge_controls_on_the_command_line(tmp_path, disc_png, capsys):
    plain = _run(tmp_path, disc_png)
    assert "soft" in capsys.readouterr().out  # the round's prompt kinds are listed
    feathered = _run(tmp_path, disc_png, {"feather": 3})
    assert _width(feathered) > 1.5 * _width(plain)
    grown = _run(tmp_path, disc_png, {"feather": 3}, "--edge", "shift=100,feather=0")  # --edge wins per control
    assert (grown >= 0.5).sum() > (plain >= 0.5).sum() + 100 and _width(grown) < _width(feathered)
    over, rgba = tmp_path / "over.png", tmp_path / "cut.png"
    _run(tmp_path, disc_png, {"decontaminate": 100}, "--over", str(over), "--over-colour", "0,0,0", "--rgba",
         str(rgba))
    o = cv2.imread(str(over), cv2.IMREAD_UNCHANGED)
    assert o.shape == (120, 160, 3) and (o[0, 0] == 0).all() and o[60, 80, 2] > 150  # black, red disc
    assert cv2.imread(str(rgba), cv2.IMREAD_UNCHANGED).shape == (120, 160, 4)


@pytest.mark.parametrize("extra, message", [
    (["--edge", "feather=-1"], "--edge: edge 'feather' -1 is outside"),
    (["--edge", "blur=2"], "unknown edge control"),
    (["--over", "o.png", "--over-colour", "teal"], "colour 'teal' must be #rrggbb"),
])
def test_bad_edge_and_colour_options_exit_2_with_one_line(tmp_path, disc_png, capsys, extra, message):
    prompts = tmp_path / "p.json"
    prompts.write_text(json.dumps({"instances": [{"name": "disc", "rounds": ROUNDS}]}))
    extra = [str(tmp_path / e) if e == "o.png" else e for e in extra]
    code = main(["matte", str(disc_png), "--prompts", str(prompts), "-o", str(tmp_path / "a.png"), *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and message in err[0]
