"""Reading a TensorFlow.js graph model (``model.json`` + weight shards) into a plain graph description and arrays.

The description is what :mod:`mattestudio.models.grounding.interpreter` runs: the non-constant nodes in the file's
order (name, op, inputs, attributes as plain JSON values), the names of the graph's inputs and outputs, and small
integer constants (permutations, paddings, shapes) inline. Float constants (the weights) are returned as arrays for a
safetensors file. Nodes that depend on constants only (the shape arithmetic an ONNX export leaves behind) are
evaluated here, so the runtime never sees them. No TensorFlow is needed: the format is JSON plus little-endian
buffers.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

import numpy as np

GRAPH_FORMAT = "mattestudio-tfjs-graph/1"

_DTYPES = {"float32": "<f4", "int32": "<i4", "bool": "|b1"}
_QUANT = {"float16": "<f2", "uint8": "|u1", "uint16": "<u2"}
#: attributes that carry meaning for the ops the interpreter runs (the others are TensorFlow bookkeeping)
_KEEP_ATTRS = {"padding", "data_format", "strides", "ksize", "dilations", "alpha", "half_pixel_centers",
               "align_corners", "explicit_paddings", "num_split", "N", "shape", "validate_indices"}


class TfjsError(ValueError):
    """The model file uses something this reader does not handle; the message names it."""


@dataclass
class Graph:
    nodes: list[dict]  # {"name", "op", "inputs", "attrs"} in the file's order, constants removed
    inputs: dict[str, list[int]]  # placeholder name -> shape
    outputs: dict[str, list[int]]  # output node name -> shape (from the signature)
    constants: dict[str, dict] = field(default_factory=dict)  # small non-float constants, inline
    weights: dict[str, np.ndarray] = field(default_factory=dict)  # float constants
    meta: dict[str, str] = field(default_factory=dict)  # where the graph came from, for its description

    def to_json(self, **meta) -> dict:
        return {"format": GRAPH_FORMAT, **meta, "inputs": self.inputs, "outputs": self.outputs,
                "constants": self.constants, "nodes": self.nodes}


def read_weights(manifest: list[dict], shards: dict[str, bytes]) -> dict[str, np.ndarray]:
    """The arrays of a weights manifest; ``shards`` maps each path of the manifest to its bytes."""
    out: dict[str, np.ndarray] = {}
    for group in manifest:
        buf = b"".join(shards[p] for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            shape = [int(s) for s in w["shape"]]
            count = int(np.prod(shape)) if shape else 1
            q = w.get("quantization")
            if q is not None:
                if q["dtype"] not in _QUANT:
                    raise TfjsError(f"weight {w['name']}: quantization {q['dtype']} is not supported")
                dt = np.dtype(_QUANT[q["dtype"]])
                raw = np.frombuffer(buf, dt, count, offset)
                if q["dtype"] == "float16":
                    arr = raw.copy()
                else:  # affine quantization: value = min + scale * q
                    arr = (raw.astype(np.float32) * np.float32(q["scale"]) + np.float32(q["min"]))
            else:
                if w["dtype"] not in _DTYPES:
                    raise TfjsError(f"weight {w['name']}: dtype {w['dtype']} is not supported")
                dt = np.dtype(_DTYPES[w["dtype"]])
                arr = np.frombuffer(buf, dt, count, offset).copy()
            offset += count * dt.itemsize
            out[w["name"]] = arr.reshape(shape)
        if offset != len(buf):
            raise TfjsError(f"weights of {group['paths']} use {offset} of {len(buf)} bytes")
    return out


def _attr(value: dict):
    """A TensorFlow AttrValue (as TF.js writes it) as a plain JSON value."""
    if "s" in value:
        return base64.b64decode(value["s"]).decode()
    if "i" in value:
        return int(value["i"])
    if "f" in value:
        return float(value["f"])
    if "b" in value:
        return bool(value["b"])
    if "list" in value:
        lst = value["list"]
        if "i" in lst:
            return [int(v) for v in lst["i"]]
        if "f" in lst:
            return [float(v) for v in lst["f"]]
        return []
    if "shape" in value:
        return [int(d.get("size", -1)) for d in value["shape"].get("dim", [])]
    if "type" in value:
        return value["type"]
    raise TfjsError(f"attribute {sorted(value)} is not supported")


def _fold(op: str, args: list[np.ndarray], attrs: dict) -> np.ndarray:
    """Evaluate a node whose inputs are all constants."""
    if op in ("Identity", "StopGradient"):
        return args[0]
    if op in ("Add", "AddV2"):
        return args[0] + args[1]
    if op == "Mul":
        return args[0] * args[1]
    if op == "Sub":
        return args[0] - args[1]
    if op == "SparseToDense":  # indices, output shape, values, default
        indices, shape, values, default = args
        out = np.full(shape.astype(np.int64), default, values.dtype)
        if indices.size == 0:
            return out
        idx = indices.astype(np.int64).reshape(len(indices), -1) if indices.ndim else indices.reshape(1, 1)
        vals = np.broadcast_to(values, (len(idx),))
        for i, v in zip(idx, vals):
            out[tuple(i)] = v
        return out
    raise TfjsError(f"constant node of op {op} cannot be folded")


def parse_graph(model: dict, shards: dict[str, bytes]) -> Graph:
    """The graph of a TF.js ``graph-model`` file, its constant sub-graphs evaluated."""
    if model.get("format") != "graph-model":
        raise TfjsError(f"not a TF.js graph model (format {model.get('format')!r})")
    values = read_weights(model["weightsManifest"], shards)
    nodes, inputs = [], {}
    for n in model["modelTopology"]["node"]:
        name, op = n["name"], n["op"]
        attrs = {k: _attr(v) for k, v in n.get("attr", {}).items() if k in _KEEP_ATTRS}
        if op == "Const":
            if name not in values:
                raise TfjsError(f"constant {name} has no value in the weights manifest")
            continue
        ins = [i for i in n.get("input", []) if not i.startswith("^")]  # control inputs order nothing here
        if ins and all(i.split(":")[0] in values and ":" not in i for i in ins):
            values[name] = _fold(op, [values[i] for i in ins], attrs)
            continue
        if op == "Placeholder":
            inputs[name] = attrs.get("shape", [])
            continue
        nodes.append({"name": name, "op": op, "inputs": ins, "attrs": attrs})
    used = {i.split(":")[0] for n in nodes for i in n["inputs"]}
    sig = model.get("signature", {}).get("outputs", {})
    outputs = {k.split(":")[0]: [int(d["size"]) for d in v["tensorShape"]["dim"]] for k, v in sig.items()}
    graph = Graph(nodes, inputs, dict(sorted(outputs.items())))
    for name in sorted(used & set(values)):
        arr = values[name]
        if arr.dtype.kind == "f":
            graph.weights[name] = arr
        else:
            graph.constants[name] = {"dtype": str(arr.dtype), "shape": list(arr.shape),
                                     "value": arr.reshape(-1).tolist()}
    return graph
