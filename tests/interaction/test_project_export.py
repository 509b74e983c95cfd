import json
import os
import stat
import zipfile

import cv2
import numpy as np
import pytest

from mattestudio.interaction.errors import ExportError, ProjectError
from mattestudio.interaction.export import export_alpha, export_mask, export_over, export_rgba
from mattestudio.interaction.project import load_project, save_project
from mattestudio.interaction.prompts import Box, Click, Text
from mattestudio.interaction.session import Session


@pytest.fixture
def session(disc_image):
    img, _ = disc_image
    s = Session(img)
    s.add_instance("disc")
    s.run_round("disc", [Box(30, 10, 130, 110)])
    s.run_round("disc", [Click(80, 60, True), Text("red disc")])
    s.run_round("disc", [Click(5, 5, False)])
    s.undo("disc")  # one round on the redo stack
    s.add_prompt("disc", Click(70, 50, True))  # an open round
    s.add_instance("empty")
    return s


def test_project_round_trip_is_identical(session, tmp_path):
    path = save_project(session, tmp_path / "p.mattes", "/photos/disc.png")
    back = load_project(path)
    np.testing.assert_array_equal(back.image, session.image)
    assert list(back.instances) == list(session.instances)
    for name, inst in session.instances.items():
        other = back.instances[name]
        assert other.colour == inst.colour and other.pending == inst.pending
        assert [r.prompts for r in other.rounds] == [r.prompts for r in inst.rounds]
        assert [r.prompts for r in other.redo_rounds] == [r.prompts for r in inst.redo_rounds]
        for a, b in zip(inst.rounds + inst.redo_rounds, other.rounds + other.redo_rounds):
            for key in ("prob", "alpha", "conflict", "trimap"):
                np.testing.assert_array_equal(getattr(a.result, key), getattr(b.result, key))
    assert back.redo("disc") and len(back.instance("disc").rounds) == 3
    for k, v in session.alphas().items():
        np.testing.assert_array_equal(back.alphas()[k], v)


def _rewrite(src, dst, manifest_edit=None, extra=None):
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w") as zo:
        for info in zi.infolist():
            data = zi.read(info)
            if info.filename == "manifest.json" and manifest_edit:
                m = json.loads(data)
                manifest_edit(m)
                data = json.dumps(m).encode()
            zo.writestr(info, data)
        for name, data in (extra or {}).items():
            zo.writestr(name, data)


@pytest.mark.parametrize("edit, message", [
    (lambda m: m.update(format_version=99), "version 99 is not supported"),
    (lambda m: m.update(format="other"), "not a MatteStudio project"),
    (lambda m: m["image"].update(sha256="0" * 64), "does not match the hash"),
    (lambda m: m["instances"][0]["rounds"][0]["prompts"].append({"type": "click", "x": 1e9, "y": 1}), "outside"),
    (lambda m: m["instances"][0]["rounds"][0]["result"]["files"].update(prob="../../etc/passwd"), "lacks"),
    (lambda m: m["instances"][0].update(rounds="x"), "must be a list"),
])
def test_damaged_projects_give_clear_errors(session, tmp_path, edit, message):
    good = save_project(session, tmp_path / "good.mattes")
    bad = tmp_path / "bad.mattes"
    _rewrite(good, bad, edit)
    with pytest.raises(ProjectError, match=message):
        load_project(bad)


def test_not_a_zip_and_zip_bomb(tmp_path, session):
    junk = tmp_path / "junk.mattes"
    junk.write_bytes(b"hello")
    with pytest.raises(ProjectError, match="not a zip"):
        load_project(junk)
    good = save_project(session, tmp_path / "good.mattes")
    bomb = tmp_path / "bomb.mattes"
    with zipfile.ZipFile(good) as zi, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            data = zi.read(info)
            if info.filename == "image.png":
                data = b"\0" * (500 * 1024 * 1024)
            zo.writestr(info.filename, data)
    with pytest.raises(ProjectError, match="zip bomb"):
        load_project(bomb)


def test_save_failure_keeps_the_previous_project(session, tmp_path, monkeypatch):
    path = save_project(session, tmp_path / "p.mattes")
    before = path.read_bytes()
    import mattestudio.interaction.project as project

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project.zipfile.ZipFile, "writestr", boom)
    with pytest.raises(ProjectError, match="No space left"):
        save_project(session, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.mattes"]  # no temporary file left behind


def test_export_alpha_8_and_16_bit_round_trip(tmp_path):
    alpha = np.linspace(0, 1, 64 * 48, dtype=np.float32).reshape(48, 64)
    p8 = export_alpha(alpha, tmp_path / "a8.png", 8)
    p16 = export_alpha(alpha, tmp_path / "a16.png", 16)
    a8 = cv2.imread(str(p8), cv2.IMREAD_UNCHANGED)
    a16 = cv2.imread(str(p16), cv2.IMREAD_UNCHANGED)
    assert a8.dtype == np.uint8 and a8.shape == (48, 64)
    assert a16.dtype == np.uint16
    np.testing.assert_allclose(a8 / 255.0, alpha, atol=0.5 / 255 + 1e-6)
    np.testing.assert_allclose(a16 / 65535.0, alpha, atol=0.5 / 65535 + 1e-7)


def test_export_rgba_has_no_halo(tmp_path):
    h, w = 40, 60
    alpha = np.zeros((h, w), np.float32)
    alpha[:, 20:40] = 1.0
    alpha[:, 19] = alpha[:, 40] = 0.5
    fg = np.array([250, 20, 20], np.float32)
    bg = np.array([20, 20, 250], np.float32)
    img = (alpha[..., None] * fg + (1 - alpha[..., None]) * bg).astype(np.uint8)
    p = export_rgba(img, alpha, tmp_path / "cut.png")
    bgra = cv2.imread(str(p), cv2.IMREAD_UNCHANGED)
    rgba = cv2.cvtColor(bgra, cv2.COLOR_BGRA2RGBA)
    assert rgba.shape == (h, w, 4)
    np.testing.assert_array_equal(rgba[..., 3], np.round(alpha * 255).astype(np.uint8))
    # the half-transparent edge carries the foreground colour, not the blue/red mix
    edge = rgba[:, 19, :3].astype(int)
    assert (edge[:, 0] > 200).all() and (edge[:, 2] < 80).all()


def test_export_errors_leave_nothing_behind(tmp_path):
    alpha = np.zeros((4, 4), np.float32)
    with pytest.raises(ExportError, match="end in .png"):
        export_alpha(alpha, tmp_path / "a.jpg")
    with pytest.raises(ExportError, match="8 or 16"):
        export_alpha(alpha, tmp_path / "a.png", bits=12)
    with pytest.raises(ExportError, match="cannot write"):
        export_alpha(alpha, tmp_path / "missing" / "a.png")
    target = tmp_path / "keep.png"
    target.write_bytes(b"old")
    with pytest.raises(ExportError):
        export_rgba(np.zeros((5, 5, 3), np.uint8), alpha, target)
    assert target.read_bytes() == b"old"


def test_export_mask_writes_0_and_255(tmp_path):
    prob = np.zeros((30, 40), np.float32)
    prob[5:20, 10:30] = 0.7
    prob[0, 0] = 0.49
    m = cv2.imread(str(export_mask(prob, tmp_path / "m.png")), cv2.IMREAD_UNCHANGED)
    assert m.dtype == np.uint8 and np.array_equal(m == 255, prob >= 0.5) and set(np.unique(m)) == {0, 255}
    b = cv2.imread(str(export_mask(prob >= 0.5, tmp_path / "b.png")), cv2.IMREAD_UNCHANGED)
    assert np.array_equal(b, m)


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_respect_the_umask(tmp_path, session, umask, mode):
    """Atomic writes (temp file + rename) give the permissions a plain open(..., "w") would give."""
    old = os.umask(umask)
    try:
        paths = [export_alpha(np.zeros((4, 4), np.float32), tmp_path / "a.png"),
                 export_rgba(np.zeros((4, 4, 3), np.uint8), np.ones((4, 4), np.float32), tmp_path / "c.png"),
                 export_mask(np.ones((4, 4), bool), tmp_path / "m.png"),
                 export_over(np.zeros((4, 4, 3), np.uint8), np.ones((4, 4), np.float32), (0, 0, 0), tmp_path / "o.png")]
        save_project(session, tmp_path / "p.mattes")
        paths.append(tmp_path / "p.mattes")
        plain = tmp_path / "plain.txt"
        plain.write_text("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(plain.stat().st_mode) == mode
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in paths} == {p.name: mode for p in paths}
