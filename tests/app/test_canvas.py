"""Mouse gestures on the real canvas become typed prompts in image pixels, at several zoom levels."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from mattestudio.app.canvas import SOFT
from mattestudio.app.tools import ToolKind
from mattestudio.interaction.prompts import Box, Click, Scribble, Soft

ZOOMS = (0.6, 1.0, 3.5)


def send(canvas, kind, x, y, button=Qt.MouseButton.NoButton, buttons=Qt.MouseButton.NoButton):
    """Deliver a mouse event at image pixel (x, y) (rounded to a whole viewport pixel, as a real mouse is)."""
    v = canvas.view_point(x, y)
    pos = QPointF(round(v.x()), round(v.y()))
    ev = QMouseEvent(kind, pos, canvas.viewport().mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas.viewport(), ev)


def press(canvas, x, y, button=Qt.MouseButton.LeftButton):
    send(canvas, QEvent.Type.MouseButtonPress, x, y, button, button)


def move(canvas, x, y, button=Qt.MouseButton.LeftButton):
    send(canvas, QEvent.Type.MouseMove, x, y, Qt.MouseButton.NoButton, button)


def release(canvas, x, y, button=Qt.MouseButton.LeftButton):
    send(canvas, QEvent.Type.MouseButtonRelease, x, y, button, Qt.MouseButton.NoButton)


def zoomed(window, zoom):
    canvas = window.canvas
    canvas.set_zoom(zoom)
    canvas.centerOn(80, 60)
    assert canvas.zoom == pytest.approx(zoom)
    return canvas, 0.5 / zoom + 1e-6  # one viewport pixel of rounding, in image pixels


@pytest.mark.parametrize("zoom", ZOOMS)
def test_clicks_are_positive_left_negative_right(window, zoom):
    canvas, tol = zoomed(window, zoom)
    window.set_tool(ToolKind.CLICK)
    press(canvas, 70.0, 40.0)
    release(canvas, 70.0, 40.0)
    press(canvas, 20.0, 100.0, Qt.MouseButton.RightButton)
    release(canvas, 20.0, 100.0, Qt.MouseButton.RightButton)
    a, b = window.controller.pending()
    assert isinstance(a, Click) and a.positive and not b.positive
    assert abs(a.x - 70) <= tol and abs(a.y - 40) <= tol
    assert abs(b.x - 20) <= tol and abs(b.y - 100) <= tol
    assert canvas.marker_count() == 2


@pytest.mark.parametrize("zoom", ZOOMS)
def test_scribble_stroke(window, zoom):
    canvas, tol = zoomed(window, zoom)
    window.actions["tool_scribble"].trigger()
    canvas.set_brush(5.0)
    path = [(30.0 + 4 * i, 50.0 + 2 * i) for i in range(12)]
    press(canvas, *path[0])
    for p in path[1:]:
        move(canvas, *p)
    release(canvas, *path[-1])
    (s,) = window.controller.pending()
    assert isinstance(s, Scribble) and s.positive and s.radius == pytest.approx(5.0)
    assert len(s.points) >= 6
    assert abs(s.points[0][0] - 30) <= tol and abs(s.points[0][1] - 50) <= tol
    assert abs(s.points[-1][0] - path[-1][0]) <= tol and abs(s.points[-1][1] - path[-1][1]) <= tol
    # every point lies on the drawn line y = 50 + (x - 30) / 2
    for x, y in s.points:
        assert abs(y - (50 + (x - 30) / 2)) <= 3 * tol


@pytest.mark.parametrize("zoom", ZOOMS)
def test_box_drag(window, zoom):
    canvas, tol = zoomed(window, zoom)
    window.actions["tool_box"].trigger()
    press(canvas, 110.0, 90.0)
    move(canvas, 60.0, 50.0)
    release(canvas, 25.0, 12.0)  # dragged up-left: the box comes out normalised
    (b,) = window.controller.pending()
    assert isinstance(b, Box)
    for got, want in ((b.x0, 25), (b.y0, 12), (b.x1, 110), (b.y1, 90)):
        assert abs(got - want) <= tol


def test_pan_and_tiny_box_make_no_prompt(window):
    canvas, _ = zoomed(window, 12.0)
    window.actions["tool_box"].trigger()
    press(canvas, 50.0, 50.0)
    release(canvas, 50.5, 50.5)  # a stray click with the box tool
    before = canvas.horizontalScrollBar().value()
    send(canvas, QEvent.Type.MouseButtonPress, 50.0, 50.0, Qt.MouseButton.MiddleButton, Qt.MouseButton.MiddleButton)
    send(canvas, QEvent.Type.MouseMove, 40.0, 50.0, Qt.MouseButton.NoButton, Qt.MouseButton.MiddleButton)
    send(canvas, QEvent.Type.MouseButtonRelease, 40.0, 50.0, Qt.MouseButton.MiddleButton, Qt.MouseButton.NoButton)
    assert window.controller.pending() == []
    assert canvas.horizontalScrollBar().value() != before


def test_keys_zoom_and_brush(window, qtbot):
    canvas = window.canvas
    canvas.setFocus()
    z = canvas.zoom
    window.actions["zoom_in"].trigger()
    assert canvas.zoom == pytest.approx(z * 1.25)
    window.actions["actual_size"].trigger()
    assert canvas.zoom == pytest.approx(1.0)
    r = canvas.tools.radius
    window.actions["brush_larger"].trigger()
    assert canvas.tools.radius > r
    assert window.settings.brush_radius == pytest.approx(canvas.tools.radius)
    qtbot.keyClick(canvas, Qt.Key.Key_B)
    assert canvas.tools.kind == ToolKind.BOX


def test_r_selects_the_soft_brush_with_its_own_size_and_colour(window, qtbot):
    canvas = window.canvas
    canvas.setFocus()
    scribble_r = canvas.tools.radius
    qtbot.keyClick(canvas, Qt.Key.Key_R)
    assert canvas.tools.kind == ToolKind.SOFT and window.actions["tool_soft"].isChecked()
    assert canvas.tools.radius == pytest.approx(window.settings.soft_radius) == pytest.approx(12.0)
    assert canvas.brush_ring.isVisible() and canvas.brush_ring.pen().color() == SOFT
    window.actions["brush_larger"].trigger()
    assert window.settings.soft_radius == pytest.approx(15.0) and "soft brush 15 px" in window.brush_label.text()
    assert window.settings.brush_radius == pytest.approx(scribble_r)  # the scribble brush is untouched
    canvas.set_zoom(1.0)
    press(canvas, 40.0, 60.0)
    for x in range(44, 100, 4):
        move(canvas, float(x), 60.0)
    release(canvas, 100.0, 60.0)
    (s,) = window.controller.pending()
    assert isinstance(s, Soft) and s.radius == pytest.approx(15.0) and len(s.points) >= 5
    assert canvas.marker_count() == 1
    qtbot.keyClick(canvas, Qt.Key.Key_S)
    assert canvas.tools.radius == pytest.approx(scribble_r) and canvas.brush_ring.pen().color() != SOFT
