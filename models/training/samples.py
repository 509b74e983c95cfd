"""Training samples as plain numpy (no torch): what a data stream hands to the trainers. The trainers turn them into
tensors (:mod:`.batches`); the stream that makes them lives outside ``models``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Protocol

import numpy as np

from ..protocol import PromptSet


@dataclass
class SegmentSample:
    """One ISCN round: image, the target instance's mask, every prompt so far and the CRM inputs."""

    image: np.ndarray  # H x W x 3 uint8 RGB
    target: np.ndarray  # H x W bool
    prompts: PromptSet  # all rounds (text included)
    conflict: np.ndarray  # H x W uint8 conflict map of this round (0/1/2)
    prev_prob: Optional[np.ndarray] = None  # H x W float32, previous round's probability
    task: str = "box"  # box | text | mixed | clicks | scribbles (for logs and eval)
    kind: str = ""  # expression kind for text tasks (spatial, size, colour, depth, combo)
    source: object = None  # the stream's handle on the scene, so that it can continue the rounds


@dataclass
class MatteSample:
    """One refiner example: image, true alpha, a coarse mask/probability and (optional) fg/bg layers."""

    image: np.ndarray  # H x W x 3 uint8 RGB
    alpha: np.ndarray  # H x W float32
    coarse: np.ndarray  # H x W float32 in [0, 1]
    fg: Optional[np.ndarray] = None  # H x W x 3 float32 0..255
    bg: Optional[np.ndarray] = None
    segment: Optional[SegmentSample] = None  # the round a frozen segmenter answers to give ``coarse``


class DataSource(Protocol):
    """What the trainers read. Batches depend only on (seed, step): a resumed run sees the same data."""

    def segment_batch(self, step: int, size: int) -> list[SegmentSample]:
        """``size`` rounds, all with text or all without."""

    def follow_up(self, sample: SegmentSample, prob: np.ndarray, step: int, index: int) -> SegmentSample:
        """The next round after the network answered ``sample`` with ``prob`` (H x W)."""

    def segment_eval(self, count: int) -> list[SegmentSample]:
        """Held-out rounds (scenes never used for training)."""

    def matte_batch(self, step: int, size: int) -> list[MatteSample]:
        """Refiner examples; ``coarse`` is set, or ``segment`` for a frozen segmenter to answer."""

    def matte_eval(self, count: int) -> list[MatteSample]:
        """Held-out refiner examples."""
