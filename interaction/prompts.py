"""Typed prompts in image pixels (x right, y down) and their JSON form."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Union

import numpy as np

from mattestudio.models.protocol import PromptSet, Stroke

MAX_TEXT = 200
MAX_SCRIBBLE_POINTS = 10_000
MAX_RADIUS = 500.0
MIN_RADIUS = 0.5
#: radius of a soft (unknown) stroke when the JSON gives none
SOFT_RADIUS = 12.0


class PromptError(ValueError):
    """A prompt is malformed or does not fit the image; the message is meant for the user."""


def _finite(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise PromptError(f"{name} must be a number, got {type(value).__name__}")
    try:
        v = float(value)
    except OverflowError:
        raise PromptError(f"{name} is too large") from None
    if not math.isfinite(v):
        raise PromptError(f"{name} must be finite, got {v}")
    return v


def _inside(name: str, x: float, y: float, width: int, height: int) -> None:
    if not (0 <= x <= width - 1 and 0 <= y <= height - 1):
        raise PromptError(f"{name} at ({x:g}, {y:g}) lies outside the {width}x{height} image")


def _stroke(name: str, points: Any, radius: Any) -> tuple[tuple[tuple[float, float], ...], float]:
    """Validated points and radius of a brush stroke (``name`` says which kind in the messages)."""
    try:
        if any(len(p) != 2 for p in points):
            raise PromptError(f"{name} points must be a list of [x, y] pairs")
        pts = tuple((_finite(f"{name} x", p[0]), _finite(f"{name} y", p[1])) for p in points)
    except (TypeError, IndexError, KeyError):
        raise PromptError(f"{name} points must be a list of [x, y] pairs") from None
    if not pts:
        raise PromptError(f"{name} has no points")
    if len(pts) > MAX_SCRIBBLE_POINTS:
        raise PromptError(f"{name} has {len(pts)} points (at most {MAX_SCRIBBLE_POINTS})")
    r = _finite(f"{name} radius", radius)
    if not MIN_RADIUS <= r <= MAX_RADIUS:
        raise PromptError(f"{name} radius {r:g} is outside {MIN_RADIUS:g}..{MAX_RADIUS:g} px")
    return pts, r


@dataclass(frozen=True)
class Click:
    x: float
    y: float
    positive: bool = True

    def __post_init__(self):
        object.__setattr__(self, "x", _finite("click x", self.x))
        object.__setattr__(self, "y", _finite("click y", self.y))
        if not isinstance(self.positive, (bool, np.bool_)):
            raise PromptError("click 'positive' must be true or false")
        object.__setattr__(self, "positive", bool(self.positive))

    def validate(self, width: int, height: int) -> None:
        _inside("click", self.x, self.y, width, height)

    def to_dict(self) -> dict:
        return {"type": "click", "x": self.x, "y": self.y, "positive": self.positive}


@dataclass(frozen=True)
class Scribble:
    points: tuple[tuple[float, float], ...]
    radius: float = 4.0
    positive: bool = True

    def __post_init__(self):
        pts, r = _stroke("scribble", self.points, self.radius)
        if not isinstance(self.positive, (bool, np.bool_)):
            raise PromptError("scribble 'positive' must be true or false")
        object.__setattr__(self, "points", pts)
        object.__setattr__(self, "radius", r)
        object.__setattr__(self, "positive", bool(self.positive))

    def validate(self, width: int, height: int) -> None:
        for x, y in self.points:
            _inside("scribble point", x, y, width, height)

    def to_dict(self) -> dict:
        return {"type": "scribble", "points": [list(p) for p in self.points], "radius": self.radius,
                "positive": self.positive}


@dataclass(frozen=True)
class Soft:
    """A soft (unknown) brush stroke: the subject is here, but its alpha must be solved, not decided. Its pixels
    belong to the instance's coarse mask, are unknown in the trimap whatever the mask says, and carry no conflict."""

    points: tuple[tuple[float, float], ...]
    radius: float = SOFT_RADIUS

    def __post_init__(self):
        pts, r = _stroke("soft stroke", self.points, self.radius)
        object.__setattr__(self, "points", pts)
        object.__setattr__(self, "radius", r)

    def validate(self, width: int, height: int) -> None:
        for x, y in self.points:
            _inside("soft stroke point", x, y, width, height)

    def to_dict(self) -> dict:
        return {"type": "soft", "points": [list(p) for p in self.points], "radius": self.radius}


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def __post_init__(self):
        vals = [_finite(f"box {n}", getattr(self, n)) for n in ("x0", "y0", "x1", "y1")]
        x0, y0, x1, y1 = vals
        # accept a box dragged in any direction
        object.__setattr__(self, "x0", min(x0, x1))
        object.__setattr__(self, "x1", max(x0, x1))
        object.__setattr__(self, "y0", min(y0, y1))
        object.__setattr__(self, "y1", max(y0, y1))
        if self.x1 - self.x0 < 2 or self.y1 - self.y0 < 2:
            raise PromptError(f"box ({x0:g}, {y0:g})-({x1:g}, {y1:g}) is degenerate (needs at least 2 px each way)")

    def validate(self, width: int, height: int) -> None:
        _inside("box corner", self.x0, self.y0, width, height)
        _inside("box corner", self.x1, self.y1, width, height)

    def to_dict(self) -> dict:
        return {"type": "box", "x0": self.x0, "y0": self.y0, "x1": self.x1, "y1": self.y1}


@dataclass(frozen=True)
class Text:
    text: str

    def __post_init__(self):
        if not isinstance(self.text, str):
            raise PromptError("text prompt must be a string")
        t = " ".join(self.text.split())
        if not t:
            raise PromptError("text prompt is empty")
        if len(t) > MAX_TEXT:
            raise PromptError(f"text prompt is {len(t)} characters long (at most {MAX_TEXT})")
        object.__setattr__(self, "text", t)

    def validate(self, width: int, height: int) -> None:  # noqa: ARG002 - same signature as the others
        return None

    def to_dict(self) -> dict:
        return {"type": "text", "text": self.text}


Prompt = Union[Click, Scribble, Box, Text, Soft]

_FIELDS = {
    "click": ({"x", "y"}, {"positive"}),
    "scribble": ({"points"}, {"radius", "positive"}),
    "box": ({"x0", "y0", "x1", "y1"}, set()),
    "text": ({"text"}, set()),
    "soft": ({"points"}, {"radius"}),
}


def prompt_from_dict(d: Any) -> Prompt:
    """Parse one prompt of the JSON format; unknown fields and types are errors, not silently dropped."""
    if not isinstance(d, dict):
        raise PromptError(f"a prompt must be an object, got {type(d).__name__}")
    kind = d.get("type")
    if not isinstance(kind, str) or kind not in _FIELDS:
        raise PromptError(f"unknown prompt type {ascii(kind)[:40]} (use click, scribble, box, text or soft)")
    required, optional = _FIELDS[kind]
    keys = set(d) - {"type"}
    missing = required - keys
    if missing:
        raise PromptError(f"{kind} prompt lacks {', '.join(sorted(missing))}")
    unknown = keys - required - optional
    if unknown:
        raise PromptError(f"{kind} prompt has unknown field(s) {', '.join(sorted(ascii(k)[:40] for k in unknown))}")
    if kind == "click":
        return Click(d["x"], d["y"], d.get("positive", True))
    if kind in ("scribble", "soft"):
        name = "scribble" if kind == "scribble" else "soft stroke"
        pts = d["points"]
        if not isinstance(pts, list) or not all(isinstance(p, (list, tuple)) and len(p) == 2 for p in pts):
            raise PromptError(f"{name} points must be a list of [x, y] pairs")
        pts = tuple(tuple(p) for p in pts)
        if kind == "soft":
            return Soft(pts, d.get("radius", SOFT_RADIUS))
        return Scribble(pts, d.get("radius", 4.0), d.get("positive", True))
    if kind == "box":
        return Box(d["x0"], d["y0"], d["x1"], d["y1"])
    return Text(d["text"])


def to_prompt_set(prompts: list[Prompt] | tuple[Prompt, ...]) -> PromptSet:
    """Convert typed prompts to the plain arrays the back-ends see."""
    clicks = [p for p in prompts if isinstance(p, Click)]
    return PromptSet(
        clicks=np.array([[c.x, c.y] for c in clicks], np.float32).reshape(-1, 2),
        click_labels=np.array([c.positive for c in clicks], bool),
        strokes=tuple(Stroke(np.array(s.points, np.float32), s.radius, s.positive)
                      for s in prompts if isinstance(s, Scribble)),
        boxes=tuple((b.x0, b.y0, b.x1, b.y1) for b in prompts if isinstance(b, Box)),
        texts=tuple(t.text for t in prompts if isinstance(t, Text)),
        soft=tuple(Stroke(np.array(s.points, np.float32), s.radius, True) for s in prompts if isinstance(s, Soft)),
    )
