"""Results of a round, kept compact: the current round's arrays in memory, older rounds packed as PNG bytes."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np


def quantise16(array: np.ndarray) -> np.ndarray:
    """``array`` clipped to [0, 1] and rounded to the 16-bit grid its PNG form holds exactly (float32)."""
    return (np.round(np.clip(array, 0.0, 1.0) * 65535.0) / 65535.0).astype(np.float32)


def pack_unit(array: np.ndarray) -> bytes:
    """A float map in [0, 1] as 16-bit PNG bytes (exact for maps on the :func:`quantise16` grid)."""
    q = np.round(np.clip(array, 0.0, 1.0) * 65535.0).astype(np.uint16)
    ok, buf = cv2.imencode(".png", q, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    assert ok
    return buf.tobytes()


def unpack_unit(data: bytes) -> np.ndarray:
    q = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if q is None or q.dtype != np.uint16 or q.ndim != 2:
        raise ValueError("not a 16-bit single-channel PNG")
    return (q.astype(np.float64) / 65535.0).astype(np.float32)


def pack_u8(array: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(array, np.uint8), [cv2.IMWRITE_PNG_COMPRESSION, 1])
    assert ok
    return buf.tobytes()


def unpack_u8(data: bytes) -> np.ndarray:
    a = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if a is None or a.dtype != np.uint8 or a.ndim != 2:
        raise ValueError("not an 8-bit single-channel PNG")
    return a


@dataclass
class RoundResult:
    prob: np.ndarray  # H x W float32: coarse probability from the segmenter
    alpha: np.ndarray  # H x W float32: refined alpha (before instance exclusivity)
    conflict: np.ndarray  # H x W uint8: CRM conflict map this round was run with
    trimap: np.ndarray  # H x W uint8: 0 / 128 / 255
    logits: np.ndarray | None = None
    segment_seconds: float = 0.0
    refine_seconds: float = 0.0  # trimap and alpha, from the end of the segmenter's call
    warnings: list[str] = field(default_factory=list)
    alpha_seconds: float = 0.0  # the refiner's call alone (a part of refine_seconds)
    # what the grounding step did (interaction/grounding): prompts it added to the round (a text's detection as the
    # box), what the text was matched against, and the results of further instances ("all", "both")
    added: tuple = ()
    grounding: object | None = None
    siblings: list = field(default_factory=list)
    _packed: "PackedResult | None" = field(default=None, repr=False, compare=False)
    #: reduced copies for previews (instance_alphas.py), by size
    previews: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def mask(self) -> np.ndarray:
        return self.prob >= 0.5

    def pack(self) -> "PackedResult":
        """The PNG form (computed once; the session does it on the thread that computed the round)."""
        if self._packed is None:
            self._packed = PackedResult(pack_unit(self.prob), pack_unit(self.alpha), pack_u8(self.conflict),
                                        pack_u8(self.trimap), self.segment_seconds, self.refine_seconds,
                                        list(self.warnings), self.alpha_seconds, self.grounding)
        return self._packed


@dataclass
class PackedResult:
    prob_png: bytes
    alpha_png: bytes
    conflict_png: bytes
    trimap_png: bytes
    segment_seconds: float = 0.0
    refine_seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    alpha_seconds: float = 0.0
    grounding: object | None = None  # the detections of a text round (small), for its boxes and re-picks

    def unpack(self) -> RoundResult:
        return RoundResult(unpack_unit(self.prob_png), unpack_unit(self.alpha_png), unpack_u8(self.conflict_png),
                           unpack_u8(self.trimap_png), None, self.segment_seconds, self.refine_seconds,
                           list(self.warnings), self.alpha_seconds, grounding=self.grounding)
