"""Sparse detail recovery at full resolution: submanifold 3x3 convolutions over the uncertain (dilated) sites.

One set of weights, two executions: spconv (``SubMConv2d``; ``ConvAlgo.Native`` on CPU, spconv's default algorithms
on CUDA) when it is installed, and a dense masked convolution over tiles otherwise. A submanifold convolution only
reads active sites and only writes active sites, which is exactly a dense convolution of the zero-filled map
followed by masking to the active set, so both paths compute the same function. Weights are stored in spconv's
layout (out x k x k x in) under spconv's names (``weight``, ``bias``)."""

from __future__ import annotations

import functools
import math
import warnings
from typing import Callable, Literal, Optional

import torch
import torch.nn.functional as F
from torch import nn

from ..protocol import BackendError
from .config import SparseConfig

SparseBackend = Literal["auto", "spconv", "dense"]
TickFn = Callable[[float], None]
KERNEL = 3
OUT_CHANNELS = 2  # alpha-logit residual, blend gate
#: tile side of the dense fallback on an accelerator: each tile costs a few synchronisations (finding its sites), which
#: dominated at the CPU's tile sizes (a 4 MP photo in 48 px tiles: 1,813 tiles, 0.18 s on an H200); 2048 px tiles of
#: the tiny preset's 8 channels hold ~0.15 GB a feature map
DEVICE_TILE = 2048


@functools.lru_cache(maxsize=1)
def spconv_available() -> bool:
    try:
        with warnings.catch_warnings():  # spconv 2.3 and ccimport use deprecated APIs at import
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)  # ccimport: locale.getdefaultlocale
            import spconv.pytorch  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_backend(backend: SparseBackend) -> Literal["spconv", "dense"]:
    if backend == "auto":
        return "spconv" if spconv_available() else "dense"
    if backend == "spconv" and not spconv_available():
        raise BackendError("the sparse back-end 'spconv' is not installed (pip install spconv-cu120)")
    return backend


class SubMConv(nn.Module):
    """A 3x3 submanifold convolution whose parameters can run through spconv or as a masked dense convolution."""

    def __init__(self, c_in: int, c_out: int, dilation: int):
        super().__init__()
        self.dilation = dilation
        self.weight = nn.Parameter(torch.empty(c_out, KERNEL, KERNEL, c_in))
        self.bias = nn.Parameter(torch.zeros(c_out))
        nn.init.kaiming_uniform_(self.weight.view(c_out, -1), a=math.sqrt(5))
        self._spconv: dict[str, nn.Module] = {}  # spconv modules per device type, sharing our parameters

    def dense(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        d = self.dilation
        return F.conv2d(x, self.weight.permute(0, 3, 1, 2), self.bias, padding=d, dilation=d) * mask

    def sparse(self, x):
        import spconv.pytorch as spconv
        from spconv.core import ConvAlgo

        device = x.features.device.type
        mod = self._spconv.get(device)
        if mod is None:
            c_out, _, _, c_in = self.weight.shape
            algo = ConvAlgo.Native if device == "cpu" else None
            kwargs = {"algo": algo} if algo is not None else {}
            mod = spconv.SubMConv2d(c_in, c_out, KERNEL, padding=self.dilation, dilation=self.dilation, bias=True,
                                    indice_key=f"subm{self.dilation}", **kwargs)
            self._spconv[device] = mod
        mod.weight, mod.bias = self.weight, self.bias  # share (rebound each call: .to() may replace them)
        return mod(x)


class SparseDetailNet(nn.Module):
    """Site features (N x c_in) -> (N x 2): an alpha-logit residual and a blend gate per site."""

    def __init__(self, c_in: int, cfg: SparseConfig):
        super().__init__()
        self.cfg = cfg
        self.inp = SubMConv(c_in, cfg.width, 1)
        self.layers = nn.ModuleList(SubMConv(cfg.width, cfg.width, d) for d in cfg.dilations)
        self.head = nn.Linear(cfg.width, OUT_CHANNELS)

    @property
    def radius(self) -> int:
        """How far (pixels) an output site can see: the halo a dense tile needs."""
        return self.inp.dilation + sum(layer.dilation for layer in self.layers)

    def forward(self, feats: torch.Tensor, coords: torch.Tensor, size: tuple[int, int], batch: int,
                backend: SparseBackend = "auto", tick: Optional[TickFn] = None) -> torch.Tensor:
        """``coords`` N x 3 (batch, y, x) long; ``size`` (H, W) of the full-resolution image; ``tick(fraction)`` is
        called after every layer (spconv) or tile (dense) and may raise to cancel."""
        tick = tick or (lambda fraction: None)
        if feats.shape[0] == 0:
            return feats.new_zeros(0, OUT_CHANNELS)
        if resolve_backend(backend) == "spconv":
            hidden = self._run_spconv(feats, coords, size, batch, tick)
        else:
            hidden = self._run_dense(feats, coords, size, batch, tick)
        return self.head(hidden)

    def _run_spconv(self, feats, coords, size, batch, tick: TickFn) -> torch.Tensor:
        import spconv.pytorch as spconv

        x = spconv.SparseConvTensor(feats, coords.int().contiguous(), list(size), batch)
        y = self.inp.sparse(x)  # the output carries the rulebooks (indice_dict), so later layers reuse them
        x = y.replace_feature(F.gelu(y.features))
        for i, layer in enumerate(self.layers, start=1):
            tick((i - 1) / len(self.layers))
            y = layer.sparse(x)
            x = y.replace_feature(x.features + F.gelu(y.features))
        return x.features

    def _dense_tile(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = F.gelu(self.inp.dense(x, mask)) * mask
        for layer in self.layers:
            x = x + F.gelu(layer.dense(x, mask)) * mask
        return x

    def _run_dense(self, feats, coords, size, batch, tick: TickFn, tile: Optional[int] = None) -> torch.Tensor:
        """Masked dense convolutions over tiles (``tile`` px; default the configuration's on the CPU, at least
        DEVICE_TILE on an accelerator) with a halo of the receptive radius, so the tiling does not change the result."""
        H, W = size
        if tile is None:
            tile = self.cfg.tile if feats.device.type == "cpu" else max(self.cfg.tile, DEVICE_TILE)
        T, R = tile, self.radius
        n_tiles, done = batch * math.ceil(H / T) * math.ceil(W / T), 0
        out = feats.new_zeros(feats.shape[0], self.cfg.width)
        for b in range(batch):
            sel = (coords[:, 0] == b).nonzero()[:, 0]
            if len(sel) == 0:
                continue
            index = torch.full((H, W), -1, dtype=torch.int64 if H * W >= 2**31 else torch.int32,
                               device=feats.device)
            index[coords[sel, 1], coords[sel, 2]] = sel.to(index.dtype)
            for ty in range(0, H, T):
                for tx in range(0, W, T):
                    tick(done / n_tiles)
                    done += 1
                    core = index[ty:ty + T, tx:tx + T]
                    if not bool((core >= 0).any()):
                        continue
                    y0, x0 = max(0, ty - R), max(0, tx - R)
                    crop = index[y0:min(H, ty + T + R), x0:min(W, tx + T + R)].long()
                    active = crop >= 0
                    dense = feats.new_zeros(feats.shape[1], *crop.shape)
                    dense[:, active] = feats[crop[active]].T
                    y = self._dense_tile(dense[None], active[None, None].to(feats.dtype))[0]
                    cy, cx = ty - y0, tx - x0
                    sub = crop[cy:cy + T, cx:cx + T]
                    keep = sub >= 0
                    out[sub[keep]] = y[:, cy:cy + T, cx:cx + T][:, keep].T
        return out
