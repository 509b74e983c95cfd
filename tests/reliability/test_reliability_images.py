"""Every awkward image of the fixture folder gives a correct result or one clear message: when loaded, through
``mattestudio matte`` and through the app's open-file path."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest

from mattestudio.app.cli import main as cli_main
from mattestudio.interaction.imageio import ImageError, load_image
from reliability_images import CASES, HUGE, Case

IDS = [c.name for c in CASES]
APP_WAIT_MS = 60_000


def _expected(case: Case) -> np.ndarray:
    return np.asarray(case.expected(), np.uint8)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_load_gives_the_pixels_or_one_clear_message(image_folder, case):
    path = image_folder / case.filename
    if not case.ok:
        with pytest.raises(ImageError) as info:
            load_image(path)
        text = str(info.value)
        assert case.message in text and "\n" not in text and text.startswith(str(path))
        return
    got = load_image(path)
    want = _expected(case)
    assert got.rgb.dtype == np.uint8 and got.rgb.shape == want.shape and got.rgb.flags.c_contiguous
    diff = np.abs(got.rgb.astype(float) - want.astype(float)).mean()
    assert diff <= case.tolerance + 1e-9, f"mean difference {diff:.2f}"
    assert case.message in got.note and got.had_alpha == case.had_alpha


def test_exif_rotation_turns_the_picture(image_folder):
    """The stored pixels are 48 high and 36 wide with the disc's colour; displayed they are turned clockwise."""
    case = next(c for c in CASES if c.name == "exif_rotated")
    stored = cv2.imread(str(image_folder / case.filename), cv2.IMREAD_IGNORE_ORIENTATION | cv2.IMREAD_COLOR)
    got = load_image(image_folder / case.filename).rgb
    assert stored.shape[:2] == (48, 36) and got.shape[:2] == (36, 48)
    # the stored first column becomes the displayed first row (clockwise turn)
    np.testing.assert_allclose(got[0, :, :].astype(float), stored[::-1, 0, ::-1].astype(float), atol=40)


def test_huge_image_is_refused_without_exhausting_memory(image_folder):
    """A file claiming 20000 x 20000 px is refused with a clear message in a process limited to 1 GiB of memory."""
    if not Path("/proc/self/status").is_file():
        pytest.skip("measures the peak memory through Linux /proc")
    path = image_folder / "huge.png"
    code = textwrap.dedent(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        from mattestudio.interaction.imageio import ImageError, load_image
        try:
            load_image({str(path)!r})
        except ImageError as exc:
            print(exc)
        # peak resident memory of this process since exec (ru_maxrss would include the forking parent's)
        with open("/proc/self/status") as f:
            print(next(line.split()[1] for line in f if line.startswith("VmHWM:")))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    message, maxrss_kb = out.stdout.strip().splitlines()
    assert "too large" in message and "downscale" in message
    assert int(maxrss_kb) < 300 * 1024  # far below the 1.2 GB that 20000 x 20000 RGB pixels would need
    assert HUGE * HUGE * 3 > 1 << 30


def _prompts_for(tmp_path, case: Case):
    h, w = _expected(case).shape[:2]
    p = tmp_path / "prompts.json"
    p.write_text(json.dumps({"instances": [{"name": "thing", "rounds": [
        [{"type": "box", "x0": 2, "y0": 2, "x1": w - 3, "y1": h - 3},
         {"type": "click", "x": w / 2, "y": h / 2, "positive": True}]]}]}))
    return p


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli_matte_writes_a_matte_or_one_error_line(image_folder, tmp_path, capsys, case):
    prompts = _prompts_for(tmp_path, case) if case.ok else tmp_path / "p.json"
    if not case.ok:
        prompts.write_text(json.dumps({"instances": [{"name": "x", "rounds": [[{"type": "click", "x": 0,
                                                                                 "y": 0}]]}]}))
    out = tmp_path / "out dir ü" / "alpha é.png"
    out.parent.mkdir()
    code = cli_main(["matte", str(image_folder / case.filename), "--prompts", str(prompts), "-o", str(out)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if case.ok:
        assert code == 0, err
        alpha = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
        assert alpha.dtype == np.uint8 and alpha.shape == _expected(case).shape[:2]
        assert alpha.max() > alpha.min()  # a real matte, not a blank
    else:
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1 and lines[0].startswith("mattestudio: error:")
        assert case.message in lines[0]
        assert not out.exists() and list(out.parent.iterdir()) == []


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_app_open_shows_the_image_or_a_message_box(qt_window, qtbot, image_folder, case):
    c = qt_window.controller
    path = image_folder / case.filename
    signal = c.sessionChanged if case.ok else c.error
    with qtbot.waitSignal(signal, timeout=APP_WAIT_MS) as blocker:
        qt_window.open_path(path)
    if case.ok:
        np.testing.assert_array_equal(c.session.image, load_image(path).rgb)
        assert c.image_path == path and qt_window.last_error is None
        assert qt_window.windowTitle().startswith(path.name)
    else:
        message = blocker.args[0]
        assert case.message in message and "Traceback" not in message and "\n" not in message
        assert qt_window.last_error == message and qt_window.error_box.isVisible()
        assert qt_window.error_box.text() == message
        assert c.session is None
