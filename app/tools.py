"""Canvas tools as small Qt-free state machines: press / move / release in image pixels -> a typed prompt.

Coordinates are image pixels (x right, y down, the centre of pixel (i, j) at (i, j)); points are clamped to the image
so that every emitted prompt validates against it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum

from mattestudio.interaction.prompts import (MAX_RADIUS, MAX_SCRIBBLE_POINTS, SOFT_RADIUS, Box, Click, Prompt,
                                             Scribble, Soft)

#: smallest and largest brush radius offered by the UI (image pixels)
MIN_BRUSH, MAX_BRUSH = 1.0, 200.0
#: one step of the [ and ] keys multiplies / divides the radius by this factor
BRUSH_STEP = 1.25
#: a box smaller than this on either side is treated as a stray click and dropped
MIN_BOX_SIDE = 2.0


class ToolKind(str, Enum):
    CLICK = "click"
    SCRIBBLE = "scribble"
    BOX = "box"
    PAN = "pan"
    SOFT = "soft"  # the soft (unknown) brush: "the subject is here, solve its alpha"


#: tools that paint with a brush; each keeps its own size
BRUSHES = (ToolKind.SCRIBBLE, ToolKind.SOFT)


def clamp_radius(radius: float) -> float:
    return float(min(max(radius, MIN_BRUSH), min(MAX_BRUSH, MAX_RADIUS)))


@dataclass
class Gesture:
    """A gesture in progress (the canvas draws it as a preview)."""

    kind: ToolKind
    positive: bool
    points: list[tuple[float, float]] = field(default_factory=list)


class ToolMachine:
    """Turns pointer gestures on an image of ``width`` x ``height`` pixels into prompts. Each brush tool keeps its own
    radius; :attr:`radius` is the current tool's (the scribble brush's while a non-brush tool is active)."""

    def __init__(self, width: int, height: int, kind: ToolKind = ToolKind.CLICK, radius: float = 6.0,
                 soft_radius: float = SOFT_RADIUS):
        self.width, self.height = int(width), int(height)
        self.kind = kind
        self.radii = {ToolKind.SCRIBBLE: clamp_radius(radius), ToolKind.SOFT: clamp_radius(soft_radius)}
        self.gesture: Gesture | None = None

    @property
    def brush(self) -> ToolKind:
        """The brush that [ and ] resize: the current tool when it is a brush, else the scribble brush."""
        return self.kind if self.kind in BRUSHES else ToolKind.SCRIBBLE

    @property
    def radius(self) -> float:
        return self.radii[self.brush]

    @radius.setter
    def radius(self, value: float) -> None:
        self.radii[self.brush] = clamp_radius(value)

    # ------------------------------------------------------------------ helpers
    def clamp(self, x: float, y: float) -> tuple[float, float]:
        return (min(max(float(x), 0.0), self.width - 1.0), min(max(float(y), 0.0), self.height - 1.0))

    def inside(self, x: float, y: float) -> bool:
        return -0.5 <= x <= self.width - 0.5 and -0.5 <= y <= self.height - 0.5

    @property
    def active(self) -> bool:
        return self.gesture is not None

    def set_kind(self, kind: ToolKind) -> None:
        self.cancel()
        self.kind = kind

    def grow_brush(self, steps: int) -> float:
        self.radius = self.radius * BRUSH_STEP ** steps
        return self.radius

    # ------------------------------------------------------------------ the state machine
    def press(self, x: float, y: float, positive: bool = True) -> None:
        """Start a gesture; a press outside the image starts nothing."""
        if self.kind == ToolKind.PAN or not self.inside(x, y):
            self.gesture = None
            return
        self.gesture = Gesture(self.kind, bool(positive), [self.clamp(x, y)])

    def move(self, x: float, y: float) -> None:
        g = self.gesture
        if g is None:
            return
        p = self.clamp(x, y)
        if g.kind in BRUSHES:
            last = g.points[-1]
            spacing = max(0.5, self.radius / 4.0)
            if math.hypot(p[0] - last[0], p[1] - last[1]) >= spacing:
                g.points.append(p)
        elif g.kind == ToolKind.BOX:
            g.points[1:] = [p]

    def release(self, x: float, y: float) -> Prompt | None:
        """End the gesture; returns its prompt (None for a gesture too small to mean anything)."""
        g, self.gesture = self.gesture, None
        if g is None:
            return None
        p = self.clamp(x, y)
        if g.kind == ToolKind.CLICK:
            return Click(g.points[0][0], g.points[0][1], g.positive)
        if g.kind in BRUSHES:
            pts = g.points if g.points[-1] == p else g.points + [p]
            if len(pts) > MAX_SCRIBBLE_POINTS:
                step = math.ceil(len(pts) / MAX_SCRIBBLE_POINTS)
                pts = pts[::step]
            if g.kind == ToolKind.SOFT:
                return Soft(tuple(pts), self.radius)
            return Scribble(tuple(pts), self.radius, g.positive)
        (x0, y0), (x1, y1) = g.points[0], p
        if abs(x1 - x0) < MIN_BOX_SIDE or abs(y1 - y0) < MIN_BOX_SIDE:
            return None
        return Box(x0, y0, x1, y1)

    def cancel(self) -> None:
        self.gesture = None
