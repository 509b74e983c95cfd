"""Official SAM / MobileSAM checkpoints: which architecture a file holds (from its tensors' shapes, as micro-sam
infers vit_b / vit_l / vit_h / vit_t), and exact loading into :class:`.model.SamModel`. Every failure is one
:class:`WeightsError` line that names the file and the reason."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ... import weights as W
from ...nn.checkpoint import LoadReport, strict_load
from .model import SamModel

#: ViT width -> SAM variant (``image_encoder.patch_embed.proj.weight`` is (width, 3, 16, 16))
WIDTHS = {768: "vit_b", 1024: "vit_l", 1280: "vit_h"}
DEPTHS = {"vit_b": 12, "vit_l": 24, "vit_h": 32}
LABELS = {"vit_b": "SAM ViT-B", "vit_l": "SAM ViT-L", "vit_h": "SAM ViT-H", "vit_t": "MobileSAM (TinyViT)"}
PRESET_OF = {"vit_b": "sam_b", "vit_l": "sam_l", "vit_h": "sam_h", "vit_t": "mobile_sam"}
PARTS = ("image_encoder.", "prompt_encoder.", "mask_decoder.")
#: buffers some exports keep; SAM recomputes them
DROPPED = ("pixel_mean", "pixel_std")


@dataclass(frozen=True)
class Architecture:
    kind: str  # "sam" or "clip"
    variant: str  # vit_b / vit_l / vit_h / vit_t for SAM; e.g. "ViT-B/32" for CLIP
    label: str


def sam_variant(state: dict) -> Optional[str]:
    """The SAM variant of a state dict with SAM's key names, from its shapes; None when it is not a SAM checkpoint."""
    if not all(any(k.startswith(p) for k in state) for p in PARTS):
        return None
    if any(k.startswith("image_encoder.patch_embed.seq.") for k in state):
        return "vit_t"
    w = state.get("image_encoder.patch_embed.proj.weight")
    if w is None or w.shape[0] not in WIDTHS:
        return None
    variant = WIDTHS[w.shape[0]]
    depth = len({m[1] for k in state if (m := re.match(r"image_encoder\.blocks\.(\d+)\.", k))})
    return variant if depth == DEPTHS[variant] else None


def clip_variant(state: dict) -> Optional[str]:
    """``ViT-B/32`` and the like for a CLIP state dict in OpenAI's layout; None otherwise."""
    w = state.get("visual.conv1.weight")
    if w is None or "text_projection" not in state:
        return None
    return {768: "ViT-B", 1024: "ViT-L"}.get(w.shape[0], f"ViT-{w.shape[0]}") + f"/{w.shape[-1]}"


def architecture(state: dict) -> Optional[Architecture]:
    v = sam_variant(state)
    if v is not None:
        return Architecture("sam", v, LABELS[v])
    c = clip_variant(state)
    if c is not None:
        return Architecture("clip", c, f"CLIP {c}")
    return None


def shapes_of(path: str | Path) -> dict:
    """The tensors of a weights file for a look at their names and shapes: memory-mapped where torch can (so a
    2.5 GB checkpoint is not read into memory), never unpickling code."""
    import torch

    p = Path(path)
    if p.suffix != ".safetensors":
        try:
            obj = torch.load(str(p), map_location="cpu", weights_only=True, mmap=True)
        except Exception:  # noqa: BLE001 - an old (non-zip) file cannot be mapped; read_tensors says what is wrong
            obj = None
        if isinstance(obj, dict):
            for key in ("state_dict", "model"):
                if isinstance(obj.get(key), dict):
                    obj = obj[key]
            return obj
    return W.read_tensors(p)


def read_sam_checkpoint(path: str | Path, variant: str) -> dict:
    """The tensors of the SAM checkpoint at ``path`` (sha256 already checked by the caller), refused unless they
    are the ``variant`` a preset needs - before any model is built."""
    state = W.read_tensors(path)
    found = sam_variant(state)
    if found is None:
        arch = architecture(state)
        what = f"a {arch.label} checkpoint" if arch else "not a SAM checkpoint (no image_encoder / prompt_encoder / " \
                                                          "mask_decoder tensors of a known size)"
        raise W.WeightsError(f"{path}: {what}, not the {LABELS[variant]} that preset {PRESET_OF[variant]} needs")
    if found != variant:
        raise W.WeightsError(f"{path}: a {LABELS[found]} checkpoint, not the {LABELS[variant]} that preset "
                             f"{PRESET_OF[variant]} needs (use preset={PRESET_OF[found]})")
    return {k: (v.float() if v.is_floating_point() else v) for k, v in state.items() if k not in DROPPED}


def load_sam_state(model: SamModel, state: dict, path: str | Path) -> LoadReport:
    """Load a state dict from :func:`read_sam_checkpoint` exactly into ``model``."""
    try:
        return strict_load(model, state)
    except W.WeightsError as exc:
        raise W.WeightsError(f"{path}: {exc}") from None
