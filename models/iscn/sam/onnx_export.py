"""Writing SAM-family ONNX pairs from a :class:`.model.SamModel` (tests and ``python -m
mattestudio.models.iscn.sam.speed``): the image encoder with ``torch.onnx.export``, the decoder with
segment-anything's own ``SamOnnxModel`` and the options of its ``export_onnx_model.py`` script (opset 17, a dynamic
number of points), optionally dynamically quantised to 8-bit weights with ONNX Runtime."""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from pathlib import Path

import torch
from torch import nn

from ...protocol import BackendError
from .model import EMBED_DIM, IMAGE_SIZE, SamModel

OPSET = 17


@contextmanager
def _tracing():
    """No grad, outside inference mode, and without the tracer's notes: the frame is fixed at 1024 px, so the shapes
    it reads as constants are constants (the decoder's full-size output is not used, see :mod:`.onnx_engine`)."""
    with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.simplefilter("ignore", DeprecationWarning)  # the TorchScript-based exporter, deprecated in 2.9
        yield


class _Encoder(nn.Module):
    def __init__(self, model: SamModel):
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.model.encode(image)


def export_encoder(model: SamModel, path: str | Path) -> Path:
    """(1, 3, 1024, 1024) normalised image -> (1, 256, 64, 64) embedding, as an ONNX file."""
    with _tracing():
        torch.onnx.export(_Encoder(model).eval(), (torch.zeros(1, 3, IMAGE_SIZE, IMAGE_SIZE),), str(path),
                          input_names=["image"], output_names=["image_embeddings"], opset_version=OPSET,
                          dynamo=False)
    return Path(path)


def export_decoder(model: nn.Module, path: str | Path, quantize: bool = False) -> Path:
    """segment-anything's ``SamOnnxModel`` (all four masks: ``return_single_mask=False``) over ``model`` (ours or
    segment-anything's ``Sam``: the same attribute names)."""
    from ...torchvision_compat import ensure_torchvision

    ensure_torchvision()
    try:
        from segment_anything.utils.onnx import SamOnnxModel
    except ImportError:
        raise BackendError("exporting a SAM decoder needs the package 'segment-anything' (the test extra)") from None
    onnx_model = SamOnnxModel(model, return_single_mask=False).eval()
    dummy = {"image_embeddings": torch.randn(1, EMBED_DIM, 64, 64),
             "point_coords": torch.randint(0, IMAGE_SIZE, (1, 5, 2), dtype=torch.float),
             "point_labels": torch.randint(0, 4, (1, 5), dtype=torch.float),
             "mask_input": torch.randn(1, 1, 256, 256), "has_mask_input": torch.tensor([1], dtype=torch.float),
             "orig_im_size": torch.tensor([1500, 2250], dtype=torch.float)}
    target = Path(path)
    plain = target.with_name(target.stem + ".fp32.onnx") if quantize else target
    with _tracing():
        torch.onnx.export(onnx_model, tuple(dummy.values()), str(plain), export_params=True, opset_version=OPSET,
                          do_constant_folding=True, input_names=list(dummy),
                          output_names=["masks", "iou_predictions", "low_res_masks"],
                          dynamic_axes={"point_coords": {1: "num_points"}, "point_labels": {1: "num_points"}},
                          dynamo=False)
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(plain), str(target), weight_type=QuantType.QUInt8)
        plain.unlink()
    return target
