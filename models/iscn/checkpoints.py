"""Loading weights into the ISCN: official SAM / MobileSAM image encoders, official CLIP text towers and the
project's own checkpoints - always after a sha256 check, never unpickling arbitrary objects."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from .. import weights as W
from ..nn.checkpoint import LoadReport, strict_load
from .text_tower import text_state_from_clip

SAM_ENCODER_PREFIX = "image_encoder."
#: SAM checkpoint parts the ISCN does not use (it has its own prompt path and decoder)
SAM_UNUSED_PREFIXES = ("prompt_encoder.", "mask_decoder.")


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


def load_sam_encoder(encoder: nn.Module, path: str | Path, sha256: str) -> LoadReport:
    """Load an official SAM checkpoint's image encoder into ``encoder`` (a :class:`SamViTEncoder`, or the
    ``net`` of the MobileSAM wrapper); exact: every encoder key must map, none may be left over."""
    mapped, ignored = map_sam_encoder_state(W.load_state_dict(path, sha256))
    return strict_load(encoder, mapped, ignored)


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


def clip_state(checked: W.Checked) -> dict:
    """The state dict of a CLIP file whose sha256 was computed: a verified file may be OpenAI's TorchScript archive;
    an unverified one (named by the user) is read as plain tensors only."""
    if checked.verified:
        return load_clip_state(checked.path, checked.sha256)
    return W.read_tensors(checked.path)


def load_clip_text(text_tower: nn.Module, path: str | Path, sha256: str) -> LoadReport:
    state = {k: v.float() for k, v in text_state_from_clip(load_clip_state(path, sha256)).items()}
    return strict_load(text_tower, state, [])
