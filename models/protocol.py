"""The contract between the session and every back-end (no torch, no Qt at import).

A *segmenter* localises one instance: image + prompts (all rounds so far, and the new ones) + the CRM conflict map
+ the previous prediction -> a coarse probability map. A *refiner* turns the coarse map (and the trimap derived from
it) into an alpha matte. Back-ends see plain numpy arrays only; the typed prompts of ``mattestudio.interaction`` are
converted to :class:`PromptSet` before they reach this layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Protocol, runtime_checkable

import numpy as np

ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]


def no_progress(fraction: float, message: str = "") -> None:  # noqa: ARG001 - signature of ProgressFn
    """Progress callback that ignores every report."""


def never_cancel() -> bool:
    """Cancel callback that never asks to stop."""
    return False


class Cancelled(Exception):
    """Raised by a back-end when its ``cancel`` callable returned True."""


class BackendError(Exception):
    """A back-end cannot serve this request; the message is meant for the user."""


class UnsupportedPrompt(BackendError):
    """The back-end does not understand a prompt type (e.g. text without a text encoder)."""


@dataclass(frozen=True)
class Stroke:
    points: np.ndarray  # (N, 2) float32, x right, y down, image pixels
    radius: float
    positive: bool


@dataclass(frozen=True)
class PromptSet:
    """Prompts of one instance in image pixels (x right, y down)."""

    clicks: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))  # (N, 2)
    click_labels: np.ndarray = field(default_factory=lambda: np.zeros((0,), bool))  # True = positive
    strokes: tuple[Stroke, ...] = ()
    boxes: tuple[tuple[float, float, float, float], ...] = ()  # (x0, y0, x1, y1)
    texts: tuple[str, ...] = ()
    soft: tuple[Stroke, ...] = ()  # soft (unknown) brush strokes: inside the instance, alpha to be solved there

    @property
    def empty(self) -> bool:
        return len(self.clicks) == 0 and not self.strokes and not self.boxes and not self.texts and not self.soft


@dataclass
class SegmentRequest:
    image: np.ndarray  # H x W x 3 uint8 RGB
    prompts: PromptSet  # every round of this instance so far, the new round included
    new_prompts: PromptSet  # the round being run
    pos_seeds: np.ndarray  # H x W bool: rasterised positive clicks/scribbles of all rounds
    neg_seeds: np.ndarray  # H x W bool: rasterised negative clicks/scribbles of all rounds
    conflict: np.ndarray  # H x W uint8: 0 none, 1 prev bg -> new fg, 2 prev fg -> new bg
    prev_prob: Optional[np.ndarray] = None  # H x W float32 in [0, 1], previous round's probability
    prev_logits: Optional[np.ndarray] = None  # back-end specific low-resolution logits of the previous round
    image_key: str = ""  # stable id of the image, for encode-once caches
    prior: Optional[np.ndarray] = None  # H x W float32 in [0, 1], a soft foreground prior (0.5: no opinion), e.g.
    # the person segmenter's probability over a person's box; a segmenter may ignore it
    # H x W bool: pixels under the soft strokes of all rounds. The session itself makes the result's mask cover them
    # and the trimap unknown there, whatever the segmenter answers; a back-end may read them, none has to.
    soft: Optional[np.ndarray] = None


@dataclass
class SegmentResult:
    prob: np.ndarray  # H x W float32 in [0, 1]; the coarse mask is prob >= 0.5
    logits: Optional[np.ndarray] = None  # opaque to the session, fed back as prev_logits
    info: dict = field(default_factory=dict)

    @property
    def mask(self) -> np.ndarray:
        return self.prob >= 0.5


@dataclass
class RefineRequest:
    image: np.ndarray  # H x W x 3 uint8 RGB
    prob: np.ndarray  # H x W float32 coarse probability
    trimap: np.ndarray | None  # H x W uint8: 0 bg, 128 unknown, 255 fg; None for a refiner with uses_trimap False
    image_key: str = ""
    # H x W bool: pixels painted soft. A refiner with ``handles_soft`` gets them unknown in the trimap and at prob 0.5
    # and solves them; any other gets the segmenter's own map, and may skip them (the session solves them for it).
    soft: Optional[np.ndarray] = None


@dataclass
class RefineResult:
    alpha: np.ndarray  # H x W float32 in [0, 1]
    info: dict = field(default_factory=dict)


@runtime_checkable
class Segmenter(Protocol):
    name: str
    accepts_text: bool

    def segment(self, request: SegmentRequest, progress: ProgressFn, cancel: CancelFn) -> SegmentResult: ...


@runtime_checkable
class Refiner(Protocol):
    """``uses_trimap`` (optional, default True): False tells the session that ``refine`` reads only the image and the
    coarse map, so it passes ``trimap=None`` and computes the round's trimap after it, or on another thread while it
    runs when ``on_accelerator`` (optional, default False) says that its work leaves the CPU free. ``handles_soft``
    (optional, default False): True says that it solves soft-painted pixels itself (``RefineRequest.soft``); for any
    other refiner the session solves them with the classic one (``interaction/soft_refine.py``)."""

    name: str

    def refine(self, request: RefineRequest, progress: ProgressFn, cancel: CancelFn) -> RefineResult: ...


def check_cancel(cancel: CancelFn) -> None:
    if cancel():
        raise Cancelled()
