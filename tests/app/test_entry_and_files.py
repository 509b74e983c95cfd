"""--screenshot end to end, autosave and crash restore, settings isolation."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from mattestudio.app import gui_entry
from mattestudio.app.autosave import orphans
from mattestudio.interaction.project import load_project
from mattestudio.interaction.prompts import Box


def test_screenshot_runs_the_prompt_rounds(qapp, tmp_path, disc_image):
    img = tmp_path / "disc.png"
    Image.fromarray(disc_image[0]).save(img)
    prompts = tmp_path / "p.json"
    prompts.write_text(json.dumps({"instances": [
        {"name": "disc", "rounds": [[{"type": "box", "x0": 40, "y0": 20, "x1": 120, "y1": 100}],
                                    [{"type": "click", "x": 80, "y": 60, "positive": True}]]},
        {"name": "corner", "rounds": [[{"type": "box", "x0": 2, "y0": 2, "x1": 40, "y1": 30}]]}]}))
    out = tmp_path / "shot.png"
    rc = gui_entry.main([str(img), "--prompts", str(prompts), "--overlays", "mask,conflict,markers",
                         "--screenshot", str(out)])
    assert rc == 0
    shot = np.asarray(Image.open(out).convert("RGB"))
    assert shot.shape[0] > 300 and shot.shape[1] > 500 and shot.std() > 10


def test_screenshot_reports_a_bad_prompts_file(qapp, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"instances": [{"name": "x", "rounds": [[{"type": "lasso"}]]}]}')
    assert gui_entry.main(["--prompts", str(bad), "--screenshot", str(tmp_path / "s.png")]) == 2


def test_autosave_and_restore_after_a_crash(qtbot, window, tmp_path):
    c = window.controller
    c.add_prompt(Box(40, 20, 120, 100))
    saved = window.autosaver.save_now()
    assert saved is not None and load_project(saved).instance(c.current).pending == [Box(40, 20, 120, 100)]
    assert orphans(window.autosaver.folder) == []  # this process is alive: nothing to restore
    crashed = saved.with_name("autosave-999999999.mattes")  # a process id that is not running
    saved.replace(crashed)
    assert orphans(window.autosaver.folder) == [crashed]


def test_settings_are_isolated_and_remembered(settings, tmp_path):
    assert settings.segmenter == "classic" and settings.auto_run_ms == 0
    settings.add_recent(tmp_path / "a.png")
    settings.add_recent(tmp_path / "b.png")
    settings.add_recent(tmp_path / "a.png")
    assert [p.rsplit("/", 1)[-1] for p in settings.recent_files] == ["a.png", "b.png"]
    settings.set_overlay_opacity("mask", 0.3)
    settings.sync()
    from mattestudio.app.settings import Settings

    again = Settings.at(tmp_path / "settings.ini")
    assert again.overlay_opacity("mask", 1.0) == 0.3 and len(again.recent_files) == 2
