"""Registers the ISCN as the ``iscn`` segmenter. Options: ``preset`` (tiny, sam_b, sam_l, sam_h, mobile_sam), ``crm``
(False = the ablation without the conflict-aware refinement module), ``seed`` (random initialisation), and for the
SAM presets ``onnx`` / ``onnx_decoder`` (an encoder/decoder .onnx pair run by ONNX Runtime) and ``decoder``
(``sam``, the default: SAM's own prompt encoder and mask decoder from the official file; ``iscn``: the ISCN's
X-Decoder-style decoder over the SAM image encoder, the network ``mattestudio train iscn`` trains)."""

from __future__ import annotations

import torch

from .. import weights as W
from ..nn.checkpoint import load_spec_into
from ..nn.runtime import resolve_device
from ..protocol import BackendError, CancelFn, ProgressFn, SegmentRequest, SegmentResult
from ..registry import Preset, register
from . import specs
from .checkpoints import load_clip_text, load_sam_encoder
from .config import PRESETS
from .sam.build import PRESETS as SAM_PRESETS
from .network import ISCN
from .predictor import ISCNPredictor
from .tokenizer import HashTokenizer, clip_tokenizer

NO_WEIGHTS = ("no trained ISCN weights are installed: the segmenter runs with random weights and its masks are "
              "meaningless (see 'mattestudio models')")


def build(preset: str = "tiny", crm: bool = True, device: str = "cpu", seed: int = 0) -> ISCNPredictor:
    """The ISCN with its own decoder (``decoder=iscn``)."""
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


_CLIP = specs.CLIP_B32.name
_PRESETS = (
    Preset("tiny", "small CNN encoder, ISCN decoder and text tower, trained here on synthetic composites",
           (specs.OWN["tiny"].name,)),
    Preset("sam_b", "SAM ViT-B: SAM's image encoder, prompt encoder and mask decoder (+ CLIP for text)",
           (specs.SAM["vit_b"].name, _CLIP), ("open_clip",), slow_encode=True),
    Preset("sam_l", "SAM ViT-L, as sam_b", (specs.SAM["vit_l"].name, _CLIP), ("open_clip",), slow_encode=True),
    Preset("sam_h", "SAM ViT-H, as sam_b", (specs.SAM["vit_h"].name, _CLIP), ("open_clip",), slow_encode=True),
    Preset("mobile_sam", "MobileSAM: TinyViT image encoder, SAM's prompt encoder and mask decoder",
           (specs.MOBILE_SAM.name, _CLIP), ("mobile_sam", "timm", "open_clip"), slow_encode=True),
)


@register("iscn", ("segmenter",),
          "DFIMat ISCN: image encoder (CNN / SAM ViT / MobileSAM), visual sampler (SAM's prompt encoder for the SAM "
          "presets), CRM, decoder (SAM's mask decoder, or X-Decoder-style); options "
          "preset=tiny|sam_b|sam_l|sam_h|mobile_sam, crm=true|false, onnx=ENCODER.onnx, onnx_decoder=DECODER.onnx, "
          "decoder=sam|iscn",
          needs_torch=True, accepts_text=True, devices=("cpu", "cuda"), weights=specs.ALL,
          options=("preset", "crm", "seed", "onnx", "onnx_decoder", "decoder"), presets=_PRESETS)
def make_iscn(role: str, device: str = "cpu", preset: str = "tiny", crm: bool = True, seed: int = 0, onnx: str = "",
              onnx_decoder: str = "", decoder: str = ""):  # noqa: ARG001 - one role
    if decoder not in ("", "sam", "iscn"):
        raise BackendError(f"unknown ISCN decoder '{decoder}' (use sam or iscn)")
    if preset in SAM_PRESETS and decoder != "iscn":
        from .sam.build import build_sam

        return build_sam(preset, bool(crm), device, int(seed), str(onnx), str(onnx_decoder))
    if onnx or onnx_decoder:
        raise BackendError("the options onnx and onnx_decoder need a SAM preset (sam_b, sam_l, sam_h, mobile_sam) "
                           "with SAM's decoder")
    if decoder == "sam":
        raise BackendError(f"decoder=sam needs a SAM preset, not '{preset}'")
    return ISCNSegmenter(build(preset, bool(crm), device, int(seed)))
