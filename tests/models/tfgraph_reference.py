"""An independent numpy evaluation of the converted graph descriptions, written from TensorFlow's op definitions: it
shares no code with the torch interpreter (convolutions as sliding windows + tensordot in NHWC, SAME padding and
half-pixel bilinear resizing computed by hand), so that agreement between the two checks both."""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _same(size, k, s, d=1):
    eff = (k - 1) * d + 1
    total = max((math.ceil(size / s) - 1) * s + eff - size, 0)
    return total // 2, total - total // 2


def _pad_hw(x, attrs, kh, kw, sh, sw, value=0.0):
    if attrs.get("padding", "VALID") != "SAME":
        return x
    ph, pw = _same(x.shape[1], kh, sh), _same(x.shape[2], kw, sw)
    return np.pad(x, ((0, 0), ph, pw, (0, 0)), constant_values=value)


def conv2d(x, w, attrs, depthwise=False):
    sh, sw = attrs["strides"][1:3]
    kh, kw = w.shape[:2]
    xp = _pad_hw(x, attrs, kh, kw, sh, sw)
    win = sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]  # N, H', W', C, kh, kw
    if depthwise:  # w: kh, kw, C, M
        out = np.einsum("nhwcij,ijcm->nhwcm", win, w, optimize=True)
        return out.reshape(out.shape[:3] + (-1,))
    return np.tensordot(win, w, axes=([3, 4, 5], [2, 0, 1]))


def conv2d_transpose(out_shape, w, x, attrs):
    """Scatter each input pixel's kernel-weighted contribution into the (cropped) output."""
    sh, sw = attrs["strides"][1:3]
    kh, kw, cout, cin = w.shape  # TF: H, W, out channels of the result, channels of x
    n, h, wd, _ = x.shape
    full = np.zeros((n, (h - 1) * sh + kh, (wd - 1) * sw + kw, cout), np.float64)
    for i in range(kh):
        for j in range(kw):
            contrib = np.tensordot(x, w[i, j], axes=([3], [1]))  # n, h, w, cout
            full[:, i:i + (h - 1) * sh + 1:sh, j:j + (wd - 1) * sw + 1:sw] += contrib
    oh, ow = int(out_shape[1]), int(out_shape[2])
    top = max((h - 1) * sh + kh - oh, 0) // 2 if attrs.get("padding") == "SAME" else 0
    left = max((wd - 1) * sw + kw - ow, 0) // 2 if attrs.get("padding") == "SAME" else 0
    return full[:, top:top + oh, left:left + ow]


def pool(x, attrs, kind):
    kh, kw = attrs["ksize"][1:3]
    sh, sw = attrs["strides"][1:3]
    if kind == "max":
        xp = _pad_hw(x, attrs, kh, kw, sh, sw, -np.inf)
        return sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::sh, ::sw].max(axis=(4, 5))
    assert attrs.get("padding", "VALID") == "VALID"
    return sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::sh, ::sw].mean(axis=(4, 5))


def resize_bilinear(x, size):
    """Half-pixel centres: source coordinate (i + 0.5) * in / out - 0.5, clamped, as TensorFlow's kernel."""
    n, h, w, c = x.shape
    oh, ow = int(size[0]), int(size[1])

    def axis(o, i):
        src = np.clip((np.arange(o) + 0.5) * i / o - 0.5, 0, None)
        lo = np.minimum(np.floor(src).astype(int), i - 1)
        hi = np.minimum(lo + 1, i - 1)
        return lo, hi, src - lo

    y0, y1, fy = axis(oh, h)
    x0, x1, fx = axis(ow, w)
    top = x[:, y0][:, :, x0] * (1 - fx)[None, None, :, None] + x[:, y0][:, :, x1] * fx[None, None, :, None]
    bot = x[:, y1][:, :, x0] * (1 - fx)[None, None, :, None] + x[:, y1][:, :, x1] * fx[None, None, :, None]
    return top * (1 - fy)[None, :, None, None] + bot * fy[None, :, None, None]


def evaluate(spec: dict, weights: dict[str, np.ndarray], x: np.ndarray) -> dict[str, np.ndarray]:
    """Every output of the graph for input ``x`` (float64 throughout)."""
    env = {k: np.array(v["value"], np.int64).reshape(v["shape"]) for k, v in spec["constants"].items()}
    env.update({k: np.asarray(v, np.float64) for k, v in weights.items()})
    (inp,) = spec["inputs"]
    env[inp] = x.astype(np.float64)

    def val(ref):
        name, _, idx = ref.partition(":")
        v = env[name]
        return v[int(idx)] if idx else (v[0] if isinstance(v, list) else v)

    for n in spec["nodes"]:
        a, at, op = [val(i) for i in n["inputs"]], n["attrs"], n["op"]
        if op == "Identity":
            r = a[0]
        elif op == "Transpose":
            r = np.transpose(a[0], a[1])
        elif op == "Reshape":
            r = a[0].reshape(a[1])
        elif op in ("Pad", "PadV2"):
            value = float(np.reshape(a[2], -1)[0]) if op == "PadV2" else 0.0
            r = np.pad(a[0], a[1].reshape(-1, 2), constant_values=value)
        elif op in ("Add", "AddV2"):
            r = a[0] + a[1]
        elif op == "AddN":
            r = sum(a)
        elif op == "Mul":
            r = a[0] * a[1]
        elif op == "Relu":
            r = np.maximum(a[0], 0)
        elif op == "Relu6":
            r = np.clip(a[0], 0, 6)
        elif op == "LeakyRelu":
            r = np.where(a[0] > 0, a[0], at["alpha"] * a[0])
        elif op == "Sigmoid":
            r = 1 / (1 + np.exp(-np.clip(a[0], -500, 500)))
        elif op == "ConcatV2":
            r = np.concatenate(a[:-1], axis=int(a[-1]))
        elif op == "SplitV":
            r = np.split(a[0], np.cumsum(a[1])[:-1], axis=int(a[2]))
        elif op == "Conv2D":
            r = conv2d(a[0], a[1], at)
        elif op == "DepthwiseConv2dNative":
            r = conv2d(a[0], a[1], at, depthwise=True)
        elif op == "Conv2DBackpropInput":
            r = conv2d_transpose(a[0], a[1], a[2], at)
        elif op == "MaxPool":
            r = pool(a[0], at, "max")
        elif op == "AvgPool":
            r = pool(a[0], at, "avg")
        elif op == "ResizeBilinear":
            r = resize_bilinear(a[0], a[1])
        else:
            raise NotImplementedError(op)
        env[n["name"]] = r
    return {k: env[k] for k in spec["outputs"]}
