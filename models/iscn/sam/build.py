"""Building the ISCN over SAM for a preset: the official checkpoint (or a file the user named), or an ONNX pair; the
CRM's conflict embedding; the CLIP text ranker when its weights are present."""

from __future__ import annotations

from pathlib import Path

import torch

from ... import weights as W
from ...nn.runtime import keep_one, resolve_device
from ...protocol import BackendError
from .. import specs
from .checkpoint import LABELS, load_sam_state, read_sam_checkpoint
from .engine import TorchEngine
from .model import SamModel
from .segmenter import SamSegmenter, zero_conflict_embedding

#: preset -> SAM variant
PRESETS = {"sam_b": "vit_b", "sam_l": "vit_l", "sam_h": "vit_h", "mobile_sam": "vit_t"}


def weight_spec(variant: str):
    return specs.MOBILE_SAM if variant == "vit_t" else specs.SAM[variant]


#: the last torch engine built (a SAM model is 40 MB to 2.5 GB): each photo's session, an option change or the app's
#: next image reuses it instead of reading the checkpoint again
_ENGINES: dict[str, TorchEngine] = {}


def torch_engine(variant: str, device: torch.device, seed: int = 0) -> tuple[TorchEngine, list[str]]:
    spec = weight_spec(variant)
    checked = W.check(spec)
    notes = []
    if checked is None:
        notes.append(f"the official weights {spec.filename} were not found: SAM runs with random weights and its "
                     f"masks are meaningless (put the file in {W.cache_dir()}, or --weights {spec.name}=PATH)")
        fingerprint = f"torch:{device}:random:{variant}:{seed}"
    else:
        if checked.note:
            notes.append(checked.note)
        fingerprint = f"torch:{device}:{variant}:{checked.sha256}"

    def make() -> TorchEngine:
        torch.manual_seed(seed)
        model = SamModel(variant)
        if checked is not None:
            load_sam_state(model, read_sam_checkpoint(checked.path, variant), checked.path)
        return TorchEngine(model, device, fingerprint, LABELS[variant])

    return keep_one(_ENGINES, fingerprint, make), notes


#: the last ONNX pair opened, by device and both files (path and hash; its notes name the paths): like a torch
#: engine, it serves every photo's session
_ONNX_ENGINES: dict[str, object] = {}


def onnx_engine(encoder: Path, decoder: Path, device: torch.device):
    from .onnx_engine import OnnxEngine

    if not (encoder.is_file() and decoder.is_file()):
        return OnnxEngine(encoder, decoder, device)  # refuses, naming the missing file
    key = ":".join([str(device)] + [f"{p.resolve()}:{W.sha256_of(p)}" for p in (encoder, decoder)])
    return keep_one(_ONNX_ENGINES, key, lambda: OnnxEngine(encoder, decoder, device))


def build_sam(preset: str, crm: bool = True, device: str = "cpu", seed: int = 0, onnx: str = "",
              onnx_decoder: str = "") -> SamSegmenter:
    """The segmenter of ``iscn:preset=<preset>`` (``crm`` False: the ablation without conflict points and
    embedding; ``onnx``: an encoder .onnx whose decoder is ``onnx_decoder`` or the file named like it with
    "decoder" for "encoder")."""
    if preset not in PRESETS:
        raise BackendError(f"unknown SAM preset '{preset}' (known: {', '.join(PRESETS)})")
    dev = resolve_device(device)
    if onnx:
        from .onnx_engine import partner

        engine = onnx_engine(Path(onnx), Path(onnx_decoder) if onnx_decoder else partner(Path(onnx)), dev)
        notes = list(engine.notes)
    elif onnx_decoder:
        raise BackendError("the option onnx_decoder needs onnx=ENCODER.onnx as well")
    else:
        engine, notes = torch_engine(PRESETS[preset], dev, seed)
    from .text import load_text_ranker

    text, text_notes = load_text_ranker(dev)
    return SamSegmenter(engine, zero_conflict_embedding() if crm else None, text, tuple(notes + text_notes))
