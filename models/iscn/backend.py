"""Registers the ISCN as the ``iscn`` segmenter. Options: ``preset`` (tiny, sam_b, sam_l, sam_h, mobile_sam) and
``crm`` (False = the ablation without the conflict-aware refinement module)."""

from __future__ import annotations

import torch

from .. import weights as W
from ..nn.checkpoint import load_spec_into
from ..nn.runtime import resolve_device
from ..protocol import BackendError, CancelFn, ProgressFn, SegmentRequest, SegmentResult
from ..registry import register
from . import specs
from .checkpoints import load_clip_text, load_sam_encoder
from .config import PRESETS
from .network import ISCN
from .predictor import ISCNPredictor
from .tokenizer import HashTokenizer, clip_tokenizer

NO_WEIGHTS = ("no trained ISCN weights are installed: the segmenter runs with random weights and its masks are "
              "meaningless (see 'mattestudio models')")


def build(preset: str = "tiny", crm: bool = True, device: str = "cpu", seed: int = 0) -> ISCNPredictor:
    if preset not in PRESETS:
        raise BackendError(f"unknown ISCN preset '{preset}' (known: {', '.join(PRESETS)})")
    cfg = PRESETS[preset].with_options(crm=bool(crm))
    torch.manual_seed(seed)
    net = ISCN(cfg)
    notes: list[str] = []
    tokenizer = None
    own = specs.OWN.get(preset)
    if own is not None and load_spec_into(net, own) is not None:
        tokenizer = HashTokenizer(cfg.text.vocab_size, cfg.text.context_length)
    elif cfg.encoder == "cnn":
        notes.append(NO_WEIGHTS)
    else:
        spec = specs.MOBILE_SAM if cfg.encoder == "mobile_sam" else specs.SAM[cfg.sam_variant]
        path = W.resolve(spec)
        if path is None:
            notes.append(f"official encoder weights {spec.filename} not found; the encoder is random")
        else:
            load_sam_encoder(net.image_encoder.net, path, spec.sha256)
        notes.append("the ISCN decoder has no trained weights for this preset; masks are not meaningful")
        clip = W.resolve(specs.CLIP_B32)
        if clip is not None:
            load_clip_text(net.text_encoder, clip, specs.CLIP_B32.sha256)
            tokenizer = _lazy_clip_tokenizer(cfg.text.context_length)
    return ISCNPredictor(net, resolve_device(device), tokenizer, tuple(notes))


def _lazy_clip_tokenizer(context_length: int):
    state = {}

    def tokenize(texts):
        if "tok" not in state:
            state["tok"] = clip_tokenizer(context_length)
        return state["tok"](texts)

    return tokenize


class ISCNSegmenter:
    name = "iscn"

    def __init__(self, predictor: ISCNPredictor):
        self.predictor = predictor
        self.accepts_text = predictor.accepts_text

    def segment(self, request: SegmentRequest, progress: ProgressFn, cancel: CancelFn) -> SegmentResult:
        return self.predictor.segment(request, progress, cancel)


@register("iscn", ("segmenter",),
          "DFIMat ISCN: image encoder (CNN / SAM ViT / MobileSAM), visual sampler, CLIP text tower, CRM, "
          "masked-attention decoder; options preset=tiny|sam_b|sam_l|sam_h|mobile_sam, crm=True|False",
          needs_torch=True, accepts_text=True, devices=("cpu", "cuda"), weights=specs.ALL)
def make_iscn(role: str, device: str = "cpu", **options):  # noqa: ARG001 - one role
    return ISCNSegmenter(build(device=device, **options))
