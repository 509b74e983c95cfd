"""A small torch interpreter for the TensorFlow graphs of the shipped detector and person segmenter.

The graph description (``*.graph.json``, written by ``python -m mattestudio.models.convert``) lists the nodes in an
order where every input comes first; float weights come from a safetensors file, small integer constants are inline.
Tensors keep TensorFlow's layouts: a ``data_format`` NHWC op sees an NHWC tensor, which is an NCHW tensor in torch's
channels-last memory format, so the permutes around each convolution are views, not copies. Only the ops these two
graphs use are implemented; any other op is refused when the graph is loaded, not in the middle of a run.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from .graph_spec import GraphError


def _nchw(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 3, 1, 2)


def _nhwc(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 2, 3, 1)


def _same_pad(size: int, k: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's SAME padding (before, after) along one axis."""
    eff = (k - 1) * dilation + 1
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + eff - size, 0)
    return total // 2, total - total // 2


def _check_nhwc(attrs: dict) -> None:
    if attrs.get("data_format", "NHWC") != "NHWC":
        raise GraphError(f"data format {attrs['data_format']} is not supported")


def _spatial(attrs: dict, key: str) -> tuple[int, int]:
    v = attrs.get(key, [1, 1, 1, 1])
    return int(v[1]), int(v[2])


def _padded(x: torch.Tensor, attrs: dict, k: tuple[int, int], stride: tuple[int, int], dil: tuple[int, int],
            value: float = 0.0) -> torch.Tensor:
    """``x`` (NCHW) padded for SAME, or as it is for VALID."""
    if attrs.get("padding", "VALID") == "VALID":
        return x
    if attrs["padding"] != "SAME":
        raise GraphError(f"padding {attrs['padding']} is not supported")
    ph = _same_pad(x.shape[2], k[0], stride[0], dil[0])
    pw = _same_pad(x.shape[3], k[1], stride[1], dil[1])
    return F.pad(x, (pw[0], pw[1], ph[0], ph[1]), value=value) if any(ph + pw) else x


def _conv(x, w, attrs, groups=1, bias=None):
    _check_nhwc(attrs)
    stride, dil = _spatial(attrs, "strides"), _spatial(attrs, "dilations")
    xn = _padded(_nchw(x), attrs, (w.shape[2], w.shape[3]), stride, dil)
    return _nhwc(F.conv2d(xn, w, bias, stride, tuple(attrs.get("fused_pad", (0, 0))), dil, groups))


def _conv_transpose(shape, w, x, attrs):
    """Conv2DBackpropInput: the full transposed convolution, cropped the way the forward SAME/VALID conv pads."""
    _check_nhwc(attrs)
    stride = _spatial(attrs, "strides")
    out_h, out_w = int(shape[1]), int(shape[2])
    full = F.conv_transpose2d(_nchw(x), w, None, stride)
    crops = []
    for size, k, s, out in ((x.shape[1], w.shape[2], stride[0], out_h), (x.shape[2], w.shape[3], stride[1], out_w)):
        before = 0
        if attrs.get("padding") == "SAME":
            before = max((size - 1) * s + k - out, 0) // 2
        crops.append(before)
    full = full[:, :, crops[0]:crops[0] + out_h, crops[1]:crops[1] + out_w]
    return _nhwc(full)


def _pool(x, attrs, kind):
    _check_nhwc(attrs)
    k, stride = _spatial(attrs, "ksize"), _spatial(attrs, "strides")
    xn = _nchw(x)
    if kind == "max":
        xn = _padded(xn, attrs, k, stride, (1, 1), value=-math.inf)
        return _nhwc(F.max_pool2d(xn, k, stride))
    if attrs.get("padding") == "SAME":  # TensorFlow averages over the valid pixels only
        ph = _same_pad(xn.shape[2], k[0], stride[0])
        pw = _same_pad(xn.shape[3], k[1], stride[1])
        num = F.avg_pool2d(F.pad(xn, (pw[0], pw[1], ph[0], ph[1])), k, stride, divisor_override=1)
        ones = F.pad(torch.ones_like(xn[:, :1]), (pw[0], pw[1], ph[0], ph[1]))
        return _nhwc(num / F.avg_pool2d(ones, k, stride, divisor_override=1))
    return _nhwc(F.avg_pool2d(xn, k, stride))


def _pad(x, pads, value=0.0):
    pads = [int(v) for v in pads.reshape(-1, 2).flip(0).reshape(-1).tolist()]  # last axis first, as F.pad wants
    return F.pad(x, pads, value=float(value))


def _resize(x, size, attrs):
    if attrs.get("align_corners", False) or not attrs.get("half_pixel_centers", False):
        raise GraphError("ResizeBilinear is supported with half_pixel_centers only")
    h, w = int(size[0]), int(size[1])
    return _nhwc(F.interpolate(_nchw(x), size=(h, w), mode="bilinear", align_corners=False))


def _split(x, sizes, axis):
    return torch.split(x, [int(s) for s in sizes.tolist()], dim=int(axis))


# op -> (function of (args, attrs), how many leading args are tensors computed by the graph)
_OPS = {
    "Identity": lambda a, at: a[0],
    "Transpose": lambda a, at: a[0].permute(*[int(p) for p in a[1].tolist()]),
    "Reshape": lambda a, at: a[0].reshape(*[int(s) for s in a[1].tolist()]),
    "Pad": lambda a, at: _pad(a[0], a[1]),
    "PadV2": lambda a, at: _pad(a[0], a[1], a[2].item()),
    "Add": lambda a, at: a[0] + a[1],
    "AddV2": lambda a, at: a[0] + a[1],
    "AddN": lambda a, at: torch.stack(list(a)).sum(0),
    "Mul": lambda a, at: a[0] * a[1],
    "Relu": lambda a, at: F.relu(a[0]),
    "Relu6": lambda a, at: F.relu6(a[0]),
    "LeakyRelu": lambda a, at: F.leaky_relu(a[0], at.get("alpha", 0.2)),
    "Sigmoid": lambda a, at: torch.sigmoid(a[0]),
    "ConcatV2": lambda a, at: torch.cat(list(a[:-1]), dim=int(a[-1])),
    "SplitV": lambda a, at: _split(a[0], a[1], a[2]),
    "Conv2D": lambda a, at: _conv(a[0], a[1], at, bias=a[2] if len(a) > 2 else None),
    "DepthwiseConv2dNative": lambda a, at: _conv(a[0], a[1], at, groups=a[0].shape[3]),
    "Conv2DBackpropInput": lambda a, at: _conv_transpose(a[0], a[1], a[2], at),
    "MaxPool": lambda a, at: _pool(a[0], at, "max"),
    "AvgPool": lambda a, at: _pool(a[0], at, "avg"),
    "ResizeBilinear": lambda a, at: _resize(a[0], a[1], at),
}

#: ops the interpreter runs (the converter checks a graph against it)
SUPPORTED_OPS = frozenset(_OPS)


def _torch_weight(node_op: str, position: int, w: np.ndarray) -> torch.Tensor:
    """A filter in torch's layout for the op that reads it (TensorFlow's HWIO / HWC1 / HWOI otherwise)."""
    t = torch.from_numpy(np.ascontiguousarray(w, np.float32))
    if node_op == "Conv2D" and position == 1:
        return t.permute(3, 2, 0, 1).contiguous()  # HWIO -> OIHW
    if node_op == "DepthwiseConv2dNative" and position == 1:
        h, w_, c, m = t.shape
        return t.permute(2, 3, 0, 1).reshape(c * m, 1, h, w_).contiguous()  # HWCM -> (C*M)1HW
    if node_op == "Conv2DBackpropInput" and position == 1:
        return t.permute(3, 2, 0, 1).contiguous()  # HW(in)(out) -> (out)(in)HW: conv_transpose2d's layout
    return t


class GraphNet(torch.nn.Module):
    """Runs one graph description; ``forward(x)`` returns {output name: tensor}."""

    def __init__(self, spec: dict, weights: dict[str, torch.Tensor]):
        super().__init__()
        self.nodes = _fused(spec["nodes"], spec["constants"], spec["outputs"])
        unknown = sorted({n["op"] for n in self.nodes} - SUPPORTED_OPS)
        if unknown:
            raise GraphError(f"the graph uses ops this interpreter does not run: {', '.join(unknown)}")
        (self.input_name,) = spec["inputs"]
        self.output_names = list(spec["outputs"])
        consts = {k: torch.tensor(v["value"], dtype=torch.int64).reshape(v["shape"])
                  for k, v in spec["constants"].items()}
        readers = {}  # constant name -> (op, position) of a node that reads it as a filter
        for n in self.nodes:
            for pos, i in enumerate(n["inputs"]):
                readers.setdefault(i, (n["op"], pos))
        self.consts: dict[str, torch.Tensor] = dict(consts)
        for name, w in weights.items():
            op, pos = readers.get(name, ("", 0))
            t = _torch_weight(op, pos, w.float().numpy())
            self.register_buffer(_buffer_name(name), t, persistent=False)
            self.consts[name] = t
        missing = sorted({i.split(":")[0] for n in self.nodes for i in n["inputs"]}
                         - set(self.consts) - {n["name"] for n in self.nodes} - {self.input_name})
        if missing:
            raise GraphError(f"the graph reads values it does not define: {', '.join(missing[:5])}")

    def _apply(self, fn, recurse=True):  # keep the name -> tensor table in step with .to() / .float()
        out = super()._apply(fn, recurse)
        for name in list(self.consts):
            b = getattr(self, _buffer_name(name), None)
            if b is not None:
                self.consts[name] = b
        return out

    @torch.inference_mode()
    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        env: dict[str, object] = {self.input_name: x}
        last_use = _last_uses(self.nodes)
        for k, n in enumerate(self.nodes):
            args = [self._value(env, i) for i in n["inputs"]]
            env[n["name"]] = _OPS[n["op"]](args, n["attrs"])
            for name in last_use.get(k, ()):  # free activations nobody reads any more
                if name not in self.output_names:
                    env.pop(name, None)
        return {name: env[name] for name in self.output_names}

    def _value(self, env: dict, ref: str):
        name, _, index = ref.partition(":")
        v = env[name] if name in env else self.consts[name]
        return v[int(index)] if index else (v[0] if isinstance(v, tuple) else v)


def _fused(nodes: list[dict], constants: dict, outputs) -> list[dict]:
    """The nodes with two rewrites an ONNX export calls for, same results: a zero ``Pad`` of H and W that only feeds
    a (Transpose into a) VALID ``Conv2D`` becomes the convolution's own padding, and an ``Add`` of a constant vector
    that only follows a ``Conv2D`` becomes its bias."""
    nodes = [dict(n, inputs=list(n["inputs"]), attrs=dict(n["attrs"])) for n in nodes]
    by_name = {n["name"]: n for n in nodes}
    readers: dict[str, list[dict]] = {}
    for n in nodes:
        for i in n["inputs"]:
            readers.setdefault(i, []).append(n)
    drop = set()
    for conv in (n for n in nodes if n["op"] == "Conv2D" and n["attrs"].get("padding") == "VALID"):
        t = by_name.get(conv["inputs"][0])
        pad = by_name.get(t["inputs"][0]) if t is not None and t["op"] == "Transpose" else None
        if pad is None or pad["op"] != "Pad" or len(readers[pad["name"]]) != 1 or len(readers[t["name"]]) != 1:
            continue
        pads = constants.get(pad["inputs"][1], {}).get("value")
        perm = constants.get(t["inputs"][1], {}).get("value")
        if pads != [0, 0, 0, 0] + pads[4:] or perm != [0, 2, 3, 1] or pads[4] != pads[5] or pads[6] != pads[7]:
            continue  # only a symmetric H / W padding of an NCHW tensor moved to NHWC
        t["inputs"][0] = pad["inputs"][0]
        conv["attrs"]["fused_pad"] = (pads[4], pads[6])
        drop.add(pad["name"])
    for conv in (n for n in nodes if n["op"] == "Conv2D"):
        after = readers.get(conv["name"], [])
        if len(after) == 1 and after[0]["op"] in ("Add", "AddV2") and conv["name"] not in outputs:
            add = after[0]
            other = [i for i in add["inputs"] if i != conv["name"]]
            if len(other) == 1 and other[0] not in by_name:  # a constant
                conv["inputs"].append(other[0])
                add["op"], add["inputs"] = "Identity", [conv["name"]]
    return [n for n in nodes if n["name"] not in drop]


def _buffer_name(name: str) -> str:
    return "w_" + "".join(c if c.isalnum() else "_" for c in name)


def _last_uses(nodes: list[dict]) -> dict[int, list[str]]:
    last: dict[str, int] = {}
    for k, n in enumerate(nodes):
        for i in n["inputs"]:
            last[i.split(":")[0]] = k
    out: dict[int, list[str]] = {}
    for name, k in last.items():
        out.setdefault(k, []).append(name)
    return out
