"""The edge controls dock: per instance, a live preview while a slider moves and the full view after, applied on
export; and the export dialog's coarse mask and cut-out over a colour, each file read back."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PySide6.QtGui import QColor

from mattestudio.app import main_window as mw
from mattestudio.app.dialogs import ExportDialog
from mattestudio.app.overlays import Overlay
from mattestudio.interaction.edge import EdgeSettings
from mattestudio.interaction.prompts import Box
from mattestudio.interaction.session import Session

TIMEOUT_MS = 60_000


@pytest.fixture
def two(make_window, disc_image):
    s = Session(disc_image[0])
    s.add_instance("disc")
    s.run_round("disc", [Box(30, 10, 130, 110)])
    s.add_instance("corner")
    s.run_round("corner", [Box(2, 2, 40, 30)])
    window = make_window(s)
    window.controller.select_instance("disc")
    return window, s


def test_sliders_set_the_current_instance_edge_with_a_preview_then_the_full_view(qtbot, two, monkeypatch):
    window, s = two
    monkeypatch.setattr(mw, "PREVIEW_SIDE", 80)  # the 160 x 120 photo counts as large here
    panel = window.edge_panel
    for k in Overlay:
        window.set_overlay_visible(k, k == Overlay.ALPHA)
    before = s.alphas()["disc"].copy()
    with qtbot.waitSignal(window.overlaysUpdated, timeout=TIMEOUT_MS):
        panel.sliders["feather"].setValue(8)  # 8 notches of 0.5 px
    assert s.instance("disc").edge == EdgeSettings(feather=4.0) and s.instance("corner").edge.identity
    assert panel.values["feather"].text() == "4 px"
    preview = window.canvas.overlay_pixmap(Overlay.ALPHA)
    assert preview.width() == 80 and window.canvas.layers[Overlay.ALPHA].scale() == pytest.approx(2.0)
    with qtbot.waitSignal(window.overlaysUpdated, timeout=TIMEOUT_MS):
        pass  # the full view follows once the slider rests
    full = window.canvas.overlay_pixmap(Overlay.ALPHA).toImage()
    assert full.width() == 160 and window.canvas.layers[Overlay.ALPHA].scale() == pytest.approx(1.0)
    after = s.alphas()["disc"]
    soft = lambda a: int(((a > 0.05) & (a < 0.95)).sum())  # noqa: E731
    assert soft(after) > 2 * soft(before)
    y, x = np.argwhere((after > 0.2) & (after < 0.8) & ((before < 0.05) | (before > 0.95)))[0]
    assert abs(full.pixelColor(int(x), int(y)).red() - round(after[y, x] * 255)) <= 1  # the drawn alpha is edged
    window.controller.select_instance("corner")  # the panel shows each instance's own settings
    assert panel.sliders["feather"].value() == 0
    window.controller.select_instance("disc")
    assert panel.sliders["feather"].value() == 8
    panel.reset()
    assert s.instance("disc").edge.identity and np.array_equal(s.alphas()["disc"], before)


def test_export_dialog_writes_mask_and_cutout_over_a_colour(qtbot, two, tmp_path):
    window, s = two
    window.edge_panel.sliders["shift"].setValue(50)
    assert s.instance("disc").edge.shift == 50
    dialog = ExportDialog(str(tmp_path), "photo", window)
    qtbot.addWidget(dialog)
    dialog.alpha8.setChecked(True)
    dialog.mask.setChecked(True)
    dialog.set_over_colour(QColor(0, 0, 255))
    dialog.all_instances.setChecked(True)
    written = window.export_to(dialog.options())
    assert sorted(p.name for p in written) == sorted(f"photo.{n}.{k}.png" for n in ("disc", "corner")
                                                     for k in ("alpha", "mask", "over"))
    mask = cv2.imread(str(tmp_path / "photo.disc.mask.png"), cv2.IMREAD_UNCHANGED)
    assert np.array_equal(mask == 255, s.instance("disc").result.mask) and set(np.unique(mask)) == {0, 255}
    alpha = cv2.imread(str(tmp_path / "photo.disc.alpha.png"), cv2.IMREAD_UNCHANGED)
    np.testing.assert_allclose(alpha / 255.0, s.alphas()["disc"], atol=0.5 / 255 + 1e-6)  # the shifted edge
    assert (alpha >= 128).sum() > (s.instance("disc").result.alpha >= 0.5).sum() + 50
    over = cv2.imread(str(tmp_path / "photo.disc.over.png"), cv2.IMREAD_UNCHANGED)
    assert over.shape == (120, 160, 3)
    assert tuple(over[115, 155]) == (255, 0, 0)  # BGR of the chosen blue, where nothing is cut out
    assert over[60, 80, 2] > 150  # the red disc


def test_decontamination_shows_in_the_composite():
    from mattestudio.app.overlay_render import OverlayRequest, render

    h, w = 60, 80
    xx = np.tile(np.arange(w, dtype=np.float32), (h, 1))
    alpha = np.clip((40.5 - xx) / 6 + 0.5, 0, 1).astype(np.float32)
    image = np.zeros((h, w, 3), np.uint8)
    image[..., 0] = 220  # a red subject ...
    image[:, 38:46, 1] = 200  # ... whose partly transparent edge carries the old background's green

    def green(amount: float) -> int:
        req = OverlayRequest(image, lambda: {"a": alpha}, {"a": (60, 140, 230)}, None, None,
                             {Overlay.COMPOSITE: True}, (0, 0, 0), {"a": amount})
        return render(req)[Overlay.COMPOSITE].pixelColor(41, 30).green()

    assert green(0.0) > 60 and green(100.0) < 10  # over black: alpha x colour, the fringe's green gone


def test_ctrl_z_undoes_a_slider_movement_as_one_step_in_the_instance_history(qtbot, two):
    """A slider's drag is one undo step, ordered with the prompts of the open round; the drawn alpha follows."""
    window, s = two
    panel, c = window.edge_panel, window.controller
    for k in Overlay:
        window.set_overlay_visible(k, k == Overlay.ALPHA)
    before = s.alphas()["disc"].copy()
    panel.sliders["feather"].setValue(2)  # a drag let go ...
    panel.sliders["feather"].sliderReleased.emit()
    for v in range(3, 9):  # ... and a second one: six notches
        panel.sliders["feather"].setValue(v)
    c.add_prompt(Box(20, 5, 140, 115))  # then a prompt of the next round
    panel.sliders["shift"].setValue(-30)
    assert s.instance("disc").edge == EdgeSettings(feather=4.0, shift=-30.0)
    window.actions["undo"].trigger()
    assert s.instance("disc").edge == EdgeSettings(feather=4.0) and len(c.pending()) == 1
    assert panel.sliders["shift"].value() == 0 and panel.values["shift"].text() == "0 %"
    window.actions["undo"].trigger()
    assert c.pending() == [] and s.instance("disc").edge == EdgeSettings(feather=4.0)
    window.actions["undo"].trigger()  # the whole second drag at once
    assert s.instance("disc").edge == EdgeSettings(feather=1.0) and panel.sliders["feather"].value() == 2
    with qtbot.waitSignal(window.overlaysUpdated, timeout=TIMEOUT_MS):
        window.actions["undo"].trigger()
    assert s.instance("disc").edge.identity and panel.sliders["feather"].value() == 0
    with qtbot.waitSignal(window.overlaysUpdated, timeout=TIMEOUT_MS):
        pass  # the full view
    drawn = window.canvas.overlay_pixmap(Overlay.ALPHA).toImage()
    y, x = np.argwhere((before > 0.05) & (before < 0.95))[0]
    assert abs(drawn.pixelColor(int(x), int(y)).red() - round(before[y, x] * 255)) <= 1
    assert len(s.instance("disc").rounds) == 1  # the round itself is the next step back
    for _ in range(4):  # redo walks the same history forwards
        window.actions["redo"].trigger()
    assert s.instance("disc").edge == EdgeSettings(feather=4.0, shift=-30.0) and len(c.pending()) == 1
    assert panel.sliders["feather"].value() == 8 and panel.sliders["shift"].value() == -30
