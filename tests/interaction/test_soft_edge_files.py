"""Soft strokes and edge controls in project files (format 2; format 1 files still load) and in every export."""

import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from mattestudio.interaction.edge import EdgeSettings
from mattestudio.interaction.errors import ExportError, ProjectError
from mattestudio.interaction.export import export_over, export_rgba, parse_colour
from mattestudio.interaction.project import FORMAT_VERSION, load_project, save_project
from mattestudio.interaction.prompts import Box, Click, Scribble, Soft
from mattestudio.interaction.session import Session

V1 = Path(__file__).parent / "data" / "project_v1.mattes"


def test_a_format_1_project_still_loads_and_saves_as_format_2(tmp_path):
    with zipfile.ZipFile(V1) as zf:
        assert '"format_version": 1' in zf.read("manifest.json").decode()
    s = load_project(V1)
    inst = s.instance("disc")
    assert [type(p).__name__ for r in inst.rounds for p in r.prompts] == ["Box", "Click", "Scribble"]
    assert len(inst.redo_rounds) == 1 and inst.pending == [Click(20, 16, True)]
    assert inst.edge == EdgeSettings() and inst.result.alpha.shape == (36, 48)
    before = s.alphas()["disc"]
    again = load_project(save_project(s, tmp_path / "v2.mattes"))
    with zipfile.ZipFile(tmp_path / "v2.mattes") as zf:
        assert f'"format_version": {FORMAT_VERSION}' in zf.read("manifest.json").decode() and FORMAT_VERSION == 2
    np.testing.assert_array_equal(again.alphas()["disc"], before)
    again.run_round("disc")  # the open round runs on a loaded old project
    assert len(again.instance("disc").rounds) == 3


def test_soft_strokes_and_edge_settings_round_trip(disc_image, tmp_path):
    img, _ = disc_image
    s = Session(img)
    s.add_instance("disc")
    s.run_round("disc", [Box(30, 10, 130, 110), Soft(((60.0, 60.0), (100.0, 60.0)), 7)])
    s.run_round("disc", [Soft(((20.0, 20.0),), 5), Scribble(((5, 5), (30, 5)), 2, False)])
    s.undo("disc")
    s.add_prompt("disc", Soft(((90.0, 90.0),), 12))
    s.instance("disc").edge = EdgeSettings(feather=2.5, shift=-30, decontaminate=80)
    back = load_project(save_project(s, tmp_path / "p.mattes"))
    inst, other = s.instance("disc"), back.instance("disc")
    assert [r.prompts for r in other.rounds + other.redo_rounds] == [r.prompts for r in inst.rounds + inst.redo_rounds]
    assert other.pending == [Soft(((90.0, 90.0),), 12)] and other.edge == inst.edge
    np.testing.assert_array_equal(back.alphas()["disc"], s.alphas()["disc"])
    assert not np.array_equal(back.alphas()["disc"], other.result.alpha)  # the edge controls are applied


def test_bad_edge_settings_in_a_project_are_refused(disc_image, tmp_path):
    img, _ = disc_image
    s = Session(img)
    s.add_instance("disc")
    good = save_project(s, tmp_path / "good.mattes")
    bad = tmp_path / "bad.mattes"
    with zipfile.ZipFile(good) as zi, zipfile.ZipFile(bad, "w") as zo:
        for info in zi.infolist():
            data = zi.read(info)
            if info.filename == "manifest.json":
                data = data.replace(b'"edge": {}', b'"edge": {"feather": -4}')
            zo.writestr(info, data)
    with pytest.raises(ProjectError, match="instance 'disc': edge 'feather' -4 is outside"):
        load_project(bad)


def _two_colour_edge():
    h, w = 40, 60
    alpha = np.zeros((h, w), np.float32)
    alpha[:, 20:40] = 1.0
    alpha[:, 19] = alpha[:, 40] = 0.5
    fg, bg = np.array([250, 20, 20], np.float32), np.array([20, 20, 250], np.float32)
    img = (alpha[..., None] * fg + (1 - alpha[..., None]) * bg).astype(np.uint8)
    return img, alpha


def test_export_over_a_colour_reads_back(tmp_path):
    img, alpha = _two_colour_edge()
    p = export_over(img, alpha, parse_colour("#00ff00"), tmp_path / "over.png")
    bgr = cv2.imread(str(p), cv2.IMREAD_UNCHANGED)
    assert bgr.shape == (40, 60, 3) and bgr.dtype == np.uint8
    rgb = bgr[..., ::-1].astype(int)
    assert (rgb[alpha == 0] == [0, 255, 0]).all()  # the chosen colour where nothing is cut out
    assert (np.abs(rgb[alpha == 1] - [250, 20, 20]) <= 2).all()
    half = rgb[:, 19]  # half of the foreground colour over half green, no blue of the old background
    assert (np.abs(half - [125, 137, 10]) <= 12).all()
    with pytest.raises(ExportError, match="#rrggbb or r,g,b"):
        parse_colour("green")
    assert parse_colour("10, 20,30") == (10, 20, 30)


def test_export_rgba_with_decontamination_reads_back(tmp_path):
    img, alpha = _two_colour_edge()
    plain = cv2.imread(str(export_rgba(img, alpha, tmp_path / "a.png")), cv2.IMREAD_UNCHANGED)
    clean = cv2.imread(str(export_rgba(img, alpha, tmp_path / "b.png", 8, 100.0)), cv2.IMREAD_UNCHANGED)
    assert clean.shape == (40, 60, 4)
    np.testing.assert_array_equal(clean[..., 3], plain[..., 3])
    np.testing.assert_array_equal(clean[alpha == 1], plain[alpha == 1])
    edge = clean[:, 19, :3][:, ::-1].astype(int)  # RGB of the half-transparent column: the opaque red nearby
    assert (np.abs(edge - [250, 20, 20]) <= 6).all()
    sixteen = cv2.imread(str(export_rgba(img, alpha, tmp_path / "c.png", 16, 50.0)), cv2.IMREAD_UNCHANGED)
    assert sixteen.dtype == np.uint16 and sixteen.shape == (40, 60, 4)
