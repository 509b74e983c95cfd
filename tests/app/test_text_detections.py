"""The text bar with the default back-end: the detections the text was matched against are drawn as dashed boxes
with tags (class and score) on the canvas, and clicking a tag runs the round again with that detection."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QCoreApplication, QPointF, Qt
from PySide6.QtGui import QImage

from mattestudio.app.overlays import Overlay
from mattestudio.interaction.grounding.scenes import pair
from mattestudio.interaction.prompts import Box
from mattestudio.interaction.session import Session

ROUND_TIMEOUT_MS = 180_000


def _grab(window) -> np.ndarray:
    QCoreApplication.processEvents()  # items added by the last refresh reach the scene's index (a queued update)
    img = window.canvas.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h = img.width(), img.height()
    rows = np.frombuffer(img.constBits(), np.uint8, img.bytesPerLine() * h).reshape(h, -1)
    return rows[:, :3 * w].reshape(h, w, 3).copy()  # a copy: the image's memory goes with it


def _run(qtbot, window, trigger):
    c = window.controller
    done = []
    c.roundFinished.connect(lambda *a: done.append(a))
    with qtbot.waitSignals([c.roundFinished, window.overlaysUpdated], timeout=ROUND_TIMEOUT_MS, order="simple"):
        trigger()
    return done[-1]


def _edge_pixels(window, box) -> list[tuple[int, int]]:
    """Viewport pixels along the left edge of ``box`` (image pixels)."""
    x0, y0, x1, y1 = box
    out = []
    for y in np.linspace(y0 + 0.2 * (y1 - y0), y1 - 0.2 * (y1 - y0), 40):
        p = window.canvas.view_point(x0, float(y))
        out.append((int(round(p.x())), int(round(p.y()))))
    return out


def test_detections_are_drawn_and_a_tag_picks_one(qtbot, make_window, sample_image):
    window = make_window(Session(pair(sample_image, sample_image)))
    c = window.controller
    window.text_edit.setText("the person on the left")
    window.add_text_prompt()
    _, committed = _run(qtbot, window, window.actions["run"].trigger)
    assert committed
    info = c.instance().result.grounding
    layer = window.canvas.detections
    assert len(info.considered) == 2 and len(layer.tags) == 2
    chosen = info.chosen[0]
    other = next(d for d in info.considered if d is not chosen)
    assert chosen.box[0] < 512 < other.box[0]

    # the pixels: the layer draws dashed boxes (the chosen one in the instance's colour) and filled tags; the layers
    # drawn from the result are hidden, so that nothing else changes between the two grabs
    for kind in (Overlay.COMPOSITE, Overlay.ALPHA, Overlay.MASK, Overlay.TRIMAP, Overlay.CONFLICT):
        window.set_overlay_visible(kind, False)
    shown = _grab(window)
    window.set_overlay_visible(Overlay.DETECTIONS, False)
    hidden = _grab(window)
    window.set_overlay_visible(Overlay.DETECTIONS, True)
    colour = np.array(c.instance().colour)
    for det, expected in ((chosen, colour), (other, np.array([255, 255, 255]))):
        drawn = []
        for x, y in _edge_pixels(window, det.box):
            band = np.abs(shown[y, x - 3:x + 4].astype(int) - hidden[y, x - 3:x + 4]).sum(1)
            if band.max() > 60:
                drawn.append(shown[y, x - 3 + int(band.argmax())].astype(int))
        assert 0.2 < len(drawn) / 40 < 0.95, det  # a dashed line: drawn, with gaps
        assert np.median([np.abs(p - expected).sum() for p in drawn]) < 60, det  # in its colour
    tag = layer.tags[info.considered.index(chosen)]
    pad = tag.deviceTransform(window.canvas.viewportTransform()).map(QPointF(1.5, 1.5))  # its padding, not its text
    inside = (int(pad.x()), int(pad.y()))
    assert np.abs(shown[inside[1], inside[0]].astype(int) - colour).sum() < 60
    assert np.abs(hidden[inside[1], inside[0]].astype(int) - colour).sum() > 60
    labels = [t.childItems()[0].text() for t in layer.tags]
    assert all(lbl.startswith("person 0.") for lbl in labels)

    # clicking the other detection's tag runs the round again with it as the box
    other_tag = layer.tags[info.considered.index(other)]
    at = other_tag.deviceTransform(window.canvas.viewportTransform()).map(QPointF(4, 4)).toPoint()
    _, committed = _run(qtbot, window, lambda: qtbot.mouseClick(window.canvas.viewport(),
                                                                 Qt.MouseButton.LeftButton, pos=at))
    assert committed
    boxes = [p for p in c.instance().rounds[-1].prompts if isinstance(p, Box)]
    assert len(c.instance().rounds) == 1 and (boxes[-1].x0 + boxes[-1].x1) / 2 > 512
    alpha = c.session.alphas()[c.current]
    assert alpha[:, 600:].mean() > 5 * alpha[:, :400].mean()  # the matte moved to the right person
