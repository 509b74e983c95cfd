"""What the runner drives: our engine through the real :class:`Session`, or a peer, behind one small interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..prompts import Prompt
from ..session import Session


@dataclass
class MethodRound:
    mask: np.ndarray  # H x W bool: the round's coarse mask (what the simulated user looks at)
    alpha: np.ndarray  # H x W float32: the round's alpha of this instance
    segment_seconds: float
    refine_seconds: float


class Method(Protocol):
    name: str

    def start(self, image: np.ndarray, instances: list[str], key: str = "") -> None: ...

    def run_round(self, instance: str, prompts: list[Prompt]) -> MethodRound: ...

    def alphas(self) -> dict[str, np.ndarray]: ...


class EngineMethod:
    """Our engine: every round goes through ``Session.run_round`` so the conflict map and the previous prediction are
    fed back exactly as in the app; alphas come from ``Session.alphas()`` (exclusive across instances)."""

    def __init__(self, segmenter: str = "classic", refiner: str = "classic", device: str = "cpu"):
        self.segmenter_name, self.refiner_name, self.device = segmenter, refiner, device
        self.name = segmenter if segmenter == refiner else f"{segmenter}+{refiner}"
        self._segmenter = self._refiner = None
        self.session: Session | None = None

    @property
    def accepts_text(self) -> bool:
        self._build()
        return bool(getattr(self._segmenter, "accepts_text", False))

    def _build(self) -> None:
        if self._segmenter is None:
            from mattestudio.models import registry

            self._segmenter = registry.create(self.segmenter_name, "segmenter", self.device)
            self._refiner = registry.create(self.refiner_name, "refiner", self.device)

    def start(self, image: np.ndarray, instances: list[str], key: str = "") -> None:
        self._build()  # back-ends are built once and reused across images
        self.session = Session(image, self._segmenter, self._refiner, self.device, key=key or None)
        for name in instances:
            self.session.add_instance(name)

    def run_round(self, instance: str, prompts: list[Prompt]) -> MethodRound:
        res = self.session.run_round(instance, prompts)
        return MethodRound(res.mask, res.alpha, res.segment_seconds, res.refine_seconds)

    def alphas(self) -> dict[str, np.ndarray]:
        return self.session.alphas()


class _TruthSegmenter:
    """A segmenter that answers every round with the ground-truth mask it was given (the oracle's)."""

    name = "truth"
    accepts_text = False

    def __init__(self, masks: dict[str, np.ndarray]):
        self.masks = masks
        self.instance = ""

    def segment(self, request, progress, cancel):
        from mattestudio.models.protocol import SegmentResult

        return SegmentResult(self.masks[self.instance].astype(np.float32))


class OracleMethod(EngineMethod):
    """The limit of the mask -> trimap -> refiner pipeline: the ground-truth mask (alpha >= 0.5) as the round's coarse
    mask, through the session's own trimap and refiner. Its one round ignores the prompts it is given."""

    def __init__(self, refiner: str = "classic", device: str = "cpu"):
        super().__init__("classic", refiner, device)
        self.name = "oracle"
        self.truth = _TruthSegmenter({})

    def bind_truth(self, masks: dict[str, np.ndarray]) -> None:
        self.truth.masks = masks

    def start(self, image: np.ndarray, instances: list[str], key: str = "") -> None:
        self._build()
        self.session = Session(image, self.truth, self._refiner, self.device, key=key or None)
        for name in instances:
            self.session.add_instance(name)

    def run_round(self, instance: str, prompts: list[Prompt]) -> MethodRound:
        self.truth.instance = instance
        return super().run_round(instance, prompts)
