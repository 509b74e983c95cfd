"""The benchmark protocols: which prompts the simulated user gives in each round."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..prompts import Prompt, Text
from . import simulator as sim

CLICKS_PER_ROUND = 3
SCRIBBLES_PER_ROUND = 2
SOFT_STROKES_PER_ROUND = 2  # the refine protocol's round 2
NOC_MAX_CLICKS = 20
NOC_THRESHOLDS = (0.85, 0.90)
PROTOCOLS = ("click", "scribble", "box", "mixed", "text", "noc", "refine")


class ProtocolError(ValueError):
    """A protocol cannot run with these settings; the message is meant for the user."""


@dataclass
class UserState:
    """What the simulated user remembers about one instance."""

    gt: np.ndarray  # H x W bool
    rng: np.random.Generator
    text: str = ""
    clicked: np.ndarray = field(default=None)  # H x W bool, every click so far
    pred: np.ndarray | None = None  # the latest coarse mask
    done: bool = False  # NoC: reached the last threshold
    truth: np.ndarray | None = None  # H x W float: the true alpha (the refine protocol's soft strokes need it)
    alpha: np.ndarray | None = None  # the latest alpha of this instance

    def __post_init__(self):
        if self.clicked is None:
            self.clicked = np.zeros(self.gt.shape, bool)


@dataclass(frozen=True)
class Protocol:
    name: str
    rounds: int
    use_text: bool = False
    separate_clicks: bool = True  # see simulator.round_clicks
    separate_strokes: bool = False  # see simulator.round_scribbles

    def prompts(self, round_index: int, user: UserState) -> list[Prompt]:
        """Prompts of round ``round_index`` (1-based); empty when the user has nothing left to correct."""
        first = round_index == 1
        if self.name == "noc":
            return sim.round_clicks(user.gt, user.pred, 1, user.clicked)
        if self.name == "text":
            if first:
                return [Text(user.text)]
            return sim.round_clicks(user.gt, user.pred, CLICKS_PER_ROUND, user.clicked, self.separate_clicks)
        if first:
            out: list[Prompt] = [sim.simulated_box(user.gt)]
            if self.use_text and user.text:
                out.append(Text(user.text))
            return out
        if self.name == "refine" and round_index == 2:
            if user.truth is None:
                raise ProtocolError("the refine protocol needs the true alpha in the user state")
            return sim.round_soft(user.truth, user.alpha, SOFT_STROKES_PER_ROUND)
        if self.name in ("click", "refine") or (self.name == "mixed" and round_index % 2 == 0):
            return sim.round_clicks(user.gt, user.pred, CLICKS_PER_ROUND, user.clicked, self.separate_clicks)
        if self.name in ("scribble", "mixed"):
            return sim.round_scribbles(user.gt, user.pred, SCRIBBLES_PER_ROUND, user.rng, self.separate_strokes)
        return []


def make_protocol(name: str, rounds: int, accepts_text: bool, separate_clicks: bool = True,
                  separate_strokes: bool = False) -> Protocol:
    """``box`` has one round and ``noc`` up to 20 clicks (one per round); text needs a segmenter that reads text."""
    if name not in PROTOCOLS:
        raise ProtocolError(f"unknown protocol '{name}' (use {', '.join(PROTOCOLS)})")
    if rounds < 1:
        raise ProtocolError("--rounds must be at least 1")
    if name == "text" and not accepts_text:
        raise ProtocolError("the text protocol needs a segmenter that accepts text prompts")
    if name == "box":
        rounds = 1
    if name == "noc":
        rounds = NOC_MAX_CLICKS
    return Protocol(name, rounds, use_text=accepts_text and name == "mixed", separate_clicks=separate_clicks,
                    separate_strokes=separate_strokes)
