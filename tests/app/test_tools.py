"""The Qt-free tool state machines."""

from mattestudio.app.tools import ToolKind, ToolMachine
from mattestudio.interaction.prompts import Box, Click, Scribble


def test_gestures_clamp_to_the_image_and_ignore_outside_presses():
    t = ToolMachine(100, 50, ToolKind.CLICK)
    t.press(-10, 10)
    assert t.release(-10, 10) is None
    t.press(99.4, 49.4, positive=False)
    assert t.release(99.4, 49.4) == Click(99, 49, False)
    t.set_kind(ToolKind.BOX)
    t.press(10, 10)
    t.move(500, 500)
    assert t.release(500, 500) == Box(10, 10, 99, 49)
    t.set_kind(ToolKind.SCRIBBLE)
    t.radius = 4
    t.press(5, 5)
    for x in range(6, 30):
        t.move(x, 5)
    s = t.release(30, 5)
    assert isinstance(s, Scribble) and s.points[0] == (5, 5) and s.points[-1] == (30, 5)
    assert t.grow_brush(1) > 4 and not t.active


def test_the_soft_brush_has_its_own_size_and_makes_soft_strokes():
    from mattestudio.interaction.prompts import Soft

    t = ToolMachine(100, 50, ToolKind.SCRIBBLE, radius=4, soft_radius=12)
    assert t.radius == 4
    t.set_kind(ToolKind.SOFT)
    assert t.radius == 12 and t.grow_brush(1) == 15
    t.press(10, 10, positive=False)  # a soft stroke has no sign
    t.move(20, 12)
    s = t.release(30, 14)
    assert s == Soft(((10, 10), (20, 12), (30, 14)), 15)
    t.set_kind(ToolKind.SCRIBBLE)
    assert t.radius == 4  # the scribble brush kept its size
    t.set_kind(ToolKind.BOX)
    assert t.brush == ToolKind.SCRIBBLE and t.radius == 4
