"""Registers the grounding networks (role ``grounder``): the detector and the person segmenter behind one object
that the session asks, with results cached per image (the detector runs once per photo)."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from ..nn.runtime import resolve_device
from ..registry import register
from .specs import ALL
from .types import DetectionField

CACHED_IMAGES = 4
CACHED_CROPS = 4  # a crop's probability is as large as the crop (48 MB for a 12 MP photo)


class Grounder:
    name = "grounding"

    def __init__(self, device: str = "cpu", fit: str = "both"):
        self.device = str(resolve_device(device))
        self.fit = fit
        self._detector = None
        self._selfie = None
        self._fields: OrderedDict[str, DetectionField] = OrderedDict()
        self._crops: OrderedDict[tuple, tuple] = OrderedDict()
        self._lock = threading.Lock()

    def detect(self, image: np.ndarray, key: str) -> DetectionField:
        """Every candidate box of ``image`` with its 80 class scores (cached under ``key``)."""
        with self._lock:
            if key in self._fields:
                self._fields.move_to_end(key)
                return self._fields[key]
            if self._detector is None:
                from .nanodet import NanoDet

                self._detector = NanoDet(self.device, self.fit)
            field = self._detector.detect(image)
            self._fields[key] = field
            while len(self._fields) > CACHED_IMAGES:
                self._fields.popitem(last=False)
            return field

    def person(self, image: np.ndarray, box: tuple[float, float, float, float],
               key: str) -> tuple[tuple[int, int, int, int], np.ndarray]:
        """(region, person probability over it) for the crop around ``box`` (cached per image and region)."""
        with self._lock:
            if self._selfie is None:
                from .selfie import SelfieSegmenter

                self._selfie = SelfieSegmenter(self.device)
            from .selfie import crop_region

            region = crop_region(box, image.shape[1], image.shape[0])
            ck = (key, region)
            if ck not in self._crops:
                self._crops[ck] = self._selfie.person(image, box)
                while len(self._crops) > CACHED_CROPS:
                    self._crops.popitem(last=False)
            self._crops.move_to_end(ck)
            return self._crops[ck]


@register("grounding", ("grounder",),
          "text grounding: NanoDet (COCO detector) and MediaPipe Selfie Segmentation (person prior)",
          needs_torch=True, accepts_text=True, devices=("cpu", "cuda", "auto"), weights=ALL)
def make_grounder(role: str, device: str = "cpu", **options):  # noqa: ARG001 - one role
    return Grounder(device, **options)
