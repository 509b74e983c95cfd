"""Loading weights into the ISCN: official SAM / MobileSAM image encoders, official CLIP text towers and the
project's own checkpoints - always after a sha256 check, never unpickling arbitrary objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from .. import weights as W
from ..registry import WeightSpec
from .text_tower import text_state_from_clip

SAM_ENCODER_PREFIX = "image_encoder."
#: SAM checkpoint parts the ISCN does not use (it has its own prompt path and decoder)
SAM_UNUSED_PREFIXES = ("prompt_encoder.", "mask_decoder.")


@dataclass
class LoadReport:
    loaded: int
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # keys of other SAM parts, not meant for this module

    @property
    def exact(self) -> bool:
        return not self.missing and not self.unexpected


def map_sam_encoder_state(state: dict) -> tuple[dict, list[str]]:
    """Official SAM-layout keys ``image_encoder.X`` -> our encoder keys ``X`` (identical names), plus the ignored keys.

    Keys outside ``image_encoder.``/``prompt_encoder.``/``mask_decoder.`` are kept as they are so that a wrong file
    surfaces as unexpected keys instead of loading silently."""
    mapped, ignored = {}, []
    for key, value in state.items():
        if key.startswith(SAM_ENCODER_PREFIX):
            mapped[key[len(SAM_ENCODER_PREFIX):]] = value
        elif key.startswith(SAM_UNUSED_PREFIXES) or key in ("pixel_mean", "pixel_std"):
            ignored.append(key)
        else:
            mapped[key] = value
    return mapped, ignored


def _strict_load(module: nn.Module, state: dict, ignored: list[str]) -> LoadReport:
    result = module.load_state_dict(state, strict=False)
    report = LoadReport(len(state) - len(result.unexpected_keys), list(result.missing_keys),
                        list(result.unexpected_keys), ignored)
    if not report.exact:
        raise W.WeightsError(f"checkpoint does not fit the {type(module).__name__}: "
                             f"{len(report.missing)} missing keys (e.g. {report.missing[:3]}), "
                             f"{len(report.unexpected)} unexpected keys (e.g. {report.unexpected[:3]})")
    return report


def load_sam_encoder(encoder: nn.Module, path: str | Path, sha256: str) -> LoadReport:
    """Load an official SAM checkpoint's image encoder into ``encoder`` (a :class:`SamViTEncoder`, or the
    ``net`` of the MobileSAM wrapper); exact: every encoder key must map, none may be left over."""
    mapped, ignored = map_sam_encoder_state(W.load_state_dict(path, sha256))
    return _strict_load(encoder, mapped, ignored)


def load_clip_state(path: str | Path, sha256: str) -> dict:
    """A CLIP checkpoint's state dict. OpenAI's ``ViT-B-32.pt`` is a TorchScript archive, which the safe unpickler
    cannot read: it is opened with ``torch.jit.load`` only after its sha256 matched the published one."""
    W.verify(path, sha256)
    try:
        return W.load_state_dict(path, sha256)
    except W.WeightsError:
        try:
            return torch.jit.load(str(path), map_location="cpu").state_dict()
        except Exception as exc:
            raise W.WeightsError(f"{path}: not a CLIP checkpoint ({type(exc).__name__})") from None


def load_clip_text(text_tower: nn.Module, path: str | Path, sha256: str) -> LoadReport:
    state = {k: v.float() for k, v in text_state_from_clip(load_clip_state(path, sha256)).items()}
    return _strict_load(text_tower, state, [])


def load_spec_into(module: nn.Module, spec: WeightSpec) -> LoadReport | None:
    """Load the project's own checkpoint for ``spec`` into ``module`` (exact); None when the file is absent."""
    path = W.resolve(spec)
    if path is None:
        return None
    state = {k: v.float() if v.is_floating_point() else v for k, v in W.load_state_dict(path, spec.sha256).items()}
    return _strict_load(module, state, [])


def save_checkpoint(module: nn.Module, path: str | Path, half: bool = False) -> str:
    """Write ``module``'s state dict as safetensors (optionally fp16) and return its sha256."""
    from safetensors.torch import save_file

    state = {k: (v.half() if half and v.is_floating_point() else v).contiguous().cpu()
             for k, v in module.state_dict().items()}
    save_file(state, str(path))
    return W.sha256_of(path)
