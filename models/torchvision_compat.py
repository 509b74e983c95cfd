"""torchvision on a CPU-only torch: make ``import torchvision`` work before anything imports it.

The only torchvision that matches torch 2.13.0 on PyPI is a CUDA build whose compiled ops library does not load on
the CPU wheel, and ``import torchvision`` then fails with ``operator torchvision::nms does not exist`` (so do timm,
open_clip, segment_anything and mobile_sam, which import it). :func:`ensure_torchvision` first tries to load the
library; only if that raises ``OSError`` does it define the ``torchvision::nms``/``qnms`` schemas with a pure-torch CPU
NMS and mark the ops as present. Where a matching torchvision is installed the library loads and nothing is patched;
where torchvision is absent this does nothing (the caller reports the missing package).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_STATE = {"done": False, "patched": False, "library": None}


def _nms_cpu(dets, scores, iou_threshold: float):
    import torch

    if dets.numel() == 0:
        return torch.empty(0, dtype=torch.long, device=dets.device)
    x0, y0, x1, y1 = dets.unbind(1)
    areas = (x1 - x0).clamp(min=0) * (y1 - y0).clamp(min=0)
    order = scores.argsort(descending=True)
    keep = []
    suppressed = torch.zeros(len(order), dtype=torch.bool)
    for i in range(len(order)):
        if suppressed[i]:
            continue
        idx = order[i]
        keep.append(idx)
        rest = order[i + 1:]
        xx0, yy0 = torch.maximum(x0[idx], x0[rest]), torch.maximum(y0[idx], y0[rest])
        xx1, yy1 = torch.minimum(x1[idx], x1[rest]), torch.minimum(y1[idx], y1[rest])
        inter = (xx1 - xx0).clamp(min=0) * (yy1 - yy0).clamp(min=0)
        iou = inter / (areas[idx] + areas[rest] - inter).clamp(min=1e-12)
        suppressed[i + 1:] |= iou > iou_threshold
    return torch.stack(keep) if keep else torch.empty(0, dtype=torch.long)


def ensure_torchvision() -> bool:
    """Prepare torchvision's ops; returns True when a CPU fallback was installed. Safe to call many times."""
    if _STATE["done"]:
        return bool(_STATE["patched"])
    _STATE["done"] = True
    if "torchvision" in sys.modules:
        return False
    spec = importlib.util.find_spec("torchvision")
    if spec is None or spec.origin is None:
        return False
    import torch

    libs = sorted(Path(spec.origin).parent.glob("_C*.so")) + sorted(Path(spec.origin).parent.glob("_C*.pyd"))
    try:
        if libs:
            torch.ops.load_library(str(libs[0]))
            return False
    except OSError:
        pass
    lib = torch.library.Library("torchvision", "DEF")
    for name in ("nms", "qnms"):
        lib.define(f"{name}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        lib.impl(name, _nms_cpu, "CPU")
    _STATE["library"] = lib  # keep the registrations alive
    import torchvision.extension as ext

    ext._has_ops = lambda: True
    _STATE["patched"] = True
    return True
