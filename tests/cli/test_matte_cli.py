import json
import os
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from mattestudio.app.cli import main


@pytest.fixture
def disc_png(tmp_path, disc_image):
    img, _ = disc_image
    p = tmp_path / "disc photo ü.png"  # spaces and non-ASCII in the path
    cv2.imwrite(str(p), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    return p


def _prompts(tmp_path, instances):
    p = tmp_path / "prompts.json"
    p.write_text(json.dumps({"instances": instances}))
    return p


ONE = [{"name": "disc", "rounds": [[{"type": "box", "x0": 30, "y0": 10, "x1": 130, "y1": 110}],
                                   [{"type": "click", "x": 80, "y": 60, "positive": True},
                                    {"type": "scribble", "points": [[5, 5], [30, 9]], "radius": 3,
                                     "positive": False}],
                                   [{"type": "text", "text": "the red disc"}]]}]


def test_one_instance_writes_alpha_rgba_and_project(tmp_path, disc_png, capsys):
    out, rgba, proj = tmp_path / "alpha.png", tmp_path / "cut.png", tmp_path / "s.mattes"
    mask = tmp_path / "mask.png"
    code = main(["matte", str(disc_png), "--prompts", str(_prompts(tmp_path, ONE)), "-o", str(out),
                 "--rgba", str(rgba), "--save-project", str(proj), "--bits", "16", "--mask", str(mask)])
    assert code == 0
    captured = capsys.readouterr()
    lines = [ln for ln in captured.out.splitlines() if "round" in ln]
    assert len(lines) == 3 and all(" s" in ln for ln in lines)
    assert "not used: 'disc' is not a class the detector knows" in captured.err
    a = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert a.dtype == np.uint16 and a.shape == (120, 160)
    assert cv2.imread(str(rgba), cv2.IMREAD_UNCHANGED).shape == (120, 160, 4)
    from mattestudio.interaction.project import load_project

    loaded = load_project(proj)
    assert len(loaded.instance("disc").rounds) == 3
    m = cv2.imread(str(mask), cv2.IMREAD_UNCHANGED)  # the last round's coarse mask, 0 / 255
    assert m.dtype == np.uint8 and set(np.unique(m)) <= {0, 255}
    assert np.array_equal(m == 255, loaded.instance("disc").result.mask)


def test_several_instances_write_a_folder(tmp_path, disc_png):
    two = [{"name": "left", "rounds": [[{"type": "box", "x0": 10, "y0": 10, "x1": 110, "y1": 110}]]},
           {"name": "right", "rounds": [[{"type": "box", "x0": 50, "y0": 10, "x1": 150, "y1": 110}]]}]
    out = tmp_path / "mattes"
    assert main(["matte", str(disc_png), "--prompts", str(_prompts(tmp_path, two)), "-o", str(out)]) == 0
    left = cv2.imread(str(out / "left.png"), cv2.IMREAD_GRAYSCALE).astype(int)
    right = cv2.imread(str(out / "right.png"), cv2.IMREAD_GRAYSCALE).astype(int)
    assert (left + right).max() <= 256  # exclusive (allowing one rounding step)


@pytest.mark.parametrize("case, message", [
    ("missing_image", "no such file"),
    ("corrupt_image", "not an image"),
    ("truncated_image", "corrupt or truncated"),
    ("empty_image", "empty"),
    ("bad_json", "invalid JSON"),
    ("outside", "outside the 160x120 image"),
    ("unknown_backend", "unknown back-end 'nope'"),
    ("bad_output", "must end in .png"),
    ("missing_prompts", "no such prompts file"),
])
def test_error_paths_exit_nonzero_with_one_line(tmp_path, disc_png, capsys, case, message):
    prompts = _prompts(tmp_path, ONE)
    image, out, extra = str(disc_png), str(tmp_path / "o.png"), []
    if case == "missing_image":
        image = str(tmp_path / "nope.png")
    elif case == "corrupt_image":
        (tmp_path / "c.png").write_bytes(b"this is not a png at all")
        image = str(tmp_path / "c.png")
    elif case == "truncated_image":
        data = disc_png.read_bytes()
        (tmp_path / "t.png").write_bytes(data[: len(data) // 2])
        image = str(tmp_path / "t.png")
    elif case == "empty_image":
        (tmp_path / "e.png").write_bytes(b"")
        image = str(tmp_path / "e.png")
    elif case == "bad_json":
        prompts.write_text('{"instances": [')
    elif case == "outside":
        prompts = _prompts(tmp_path, [{"name": "x", "rounds": [[{"type": "click", "x": 500, "y": 5}]]}])
    elif case == "unknown_backend":
        extra = ["--segmenter", "nope"]
    elif case == "bad_output":
        out = str(tmp_path / "o.jpg")
    elif case == "missing_prompts":
        prompts = tmp_path / "none.json"
    code = main(["matte", image, "--prompts", str(prompts), "-o", out, *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("mattestudio: error:") and message in err[0]
    assert "Traceback" not in "\n".join(err)
    assert not os.path.exists(out)


def test_verbose_shows_details(tmp_path, disc_png, capsys):
    code = main(["matte", str(tmp_path / "nope.png"), "--prompts", str(_prompts(tmp_path, ONE)), "-o",
                 str(tmp_path / "o.png"), "--verbose"])
    assert code == 2 and "Traceback" in capsys.readouterr().err


def test_console_script_version_and_help():
    exe = [sys.executable, "-m", "mattestudio.app.cli"]
    out = subprocess.run([*exe, "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("mattestudio 0.")
    out = subprocess.run([*exe, "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "matte" in out.stdout


def test_gt04_box_then_two_click_rounds(data_dir, tmp_path):
    """Issue acceptance: a real photo, a box round then two click rounds, a soft alpha in well under 10 s."""
    image = data_dir / "alphamatting27" / "image" / "GT04.png"
    gt = cv2.imread(str(data_dir / "alphamatting27" / "alpha" / "GT04.png"), cv2.IMREAD_GRAYSCALE)
    ys, xs = np.nonzero(gt >= 128)
    h, w = gt.shape
    pad = 0.05 * max(h, w)
    box = {"type": "box", "x0": max(0, xs.min() - pad), "y0": max(0, ys.min() - pad),
           "x1": min(w - 1, xs.max() + pad), "y1": min(h - 1, ys.max() + pad)}
    cy, cx = np.argwhere(gt == 255)[len(np.argwhere(gt == 255)) // 2]
    rounds = [[box], [{"type": "click", "x": float(cx), "y": float(cy), "positive": True}],
              [{"type": "click", "x": 3.0, "y": 3.0, "positive": False}]]
    out = tmp_path / "gt04.png"
    t = time.perf_counter()
    code = subprocess.run([sys.executable, "-m", "mattestudio.app.cli", "matte", str(image), "--prompts",
                           str(_prompts(tmp_path, [{"name": "toy", "rounds": rounds}])), "-o", str(out)],
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    assert code.returncode == 0, code.stderr
    alpha = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert alpha.shape == gt.shape
    soft = np.count_nonzero((alpha > 0) & (alpha < 255))
    print(f"GT04: {elapsed:.1f} s for 3 rounds in a fresh process, {soft} soft pixels")
    assert soft > 1000
