"""SAM as one module with the official checkpoint's top-level names (``image_encoder.*``, ``prompt_encoder.*``,
``mask_decoder.*``), so that ``sam_vit_{b,l,h}_*.pth`` and MobileSAM's ``mobile_sam.pt`` load into it exactly: the
ViT image encoder (our :mod:`..sam_vit`, or MobileSAM's TinyViT from the optional ``mobilesam-mirror``), the prompt
encoder and the mask decoder. Holds no prompt logic, no I/O and no device choice."""

from __future__ import annotations

import warnings
from typing import Callable, Optional

import torch
from torch import nn

from ...protocol import BackendError
from ..config import SAM_VIT, SamViTConfig
from ..sam_vit import SamViTEncoder
from .mask_decoder import MaskDecoder
from .prompt_encoder import PromptEncoder

#: SAM's pixel statistics (RGB, 0..255) and its square input frame
PIXEL_MEAN = (123.675, 116.28, 103.53)
PIXEL_STD = (58.395, 57.12, 57.375)
IMAGE_SIZE = 1024
EMBED_DIM = 256
VARIANTS = ("vit_b", "vit_l", "vit_h", "vit_t")

StepFn = Callable[[int, int], None]


def tiny_vit() -> nn.Module:
    """MobileSAM's TinyViT-5M image encoder (``vit_t``), from the optional ``mobilesam-mirror`` package."""
    from ...torchvision_compat import ensure_torchvision

    ensure_torchvision()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # timm's deprecation notes and its model-registry overwrites
            from mobile_sam.modeling import TinyViT
    except ImportError as exc:
        raise BackendError("the MobileSAM encoder needs the optional packages 'mobilesam-mirror' and 'timm' "
                           f"(pip install 'mattestudio[mobile-sam]' -c constraints.txt): {exc}") from None
    return TinyViT(img_size=IMAGE_SIZE, in_chans=3, num_classes=1000, embed_dims=[64, 128, 160, 320],
                   depths=[2, 2, 6, 2], num_heads=[2, 4, 5, 10], window_sizes=[7, 7, 14, 7], mlp_ratio=4.0,
                   drop_rate=0.0, drop_path_rate=0.0, use_checkpoint=False, mbconv_expand_ratio=4.0,
                   local_conv_size=3, layer_lr_decay=0.8)


def _tiny_vit_forward(enc: nn.Module, x: torch.Tensor, on_step: Optional[StepFn]) -> torch.Tensor:
    """TinyViT's ``forward_features`` stage by stage, so that a long encode reports progress and can stop."""
    x = enc.patch_embed(x)
    for i, layer in enumerate(enc.layers):
        x = layer(x)
        if on_step is not None:
            on_step(i + 1, len(enc.layers))
    b, _, c = x.size()
    side = IMAGE_SIZE // 16
    return enc.neck(x.view(b, side, side, c).permute(0, 3, 1, 2))


class SamModel(nn.Module):
    mask_threshold: float = 0.0  # logit 0 = probability 0.5

    def __init__(self, variant: str = "vit_b", encoder: Optional[SamViTConfig] = None):
        """``variant`` one of :data:`VARIANTS`; ``encoder`` replaces the ViT configuration (tests and exports of
        other sizes that keep the 1024 -> 64 x 64 x 256 contract)."""
        super().__init__()
        if variant not in VARIANTS:
            raise BackendError(f"unknown SAM variant '{variant}' (known: {', '.join(VARIANTS)})")
        self.variant = variant
        self.image_encoder = tiny_vit() if variant == "vit_t" else SamViTEncoder(encoder or SAM_VIT[variant])
        grid = IMAGE_SIZE // 16
        self.prompt_encoder = PromptEncoder(EMBED_DIM, (grid, grid), (IMAGE_SIZE, IMAGE_SIZE), mask_in_chans=16)
        self.mask_decoder = MaskDecoder(EMBED_DIM, num_multimask_outputs=3, iou_head_depth=3,
                                        iou_head_hidden_dim=256)
        self.register_buffer("pixel_mean", torch.tensor(PIXEL_MEAN).view(-1, 1, 1), persistent=False)
        self.register_buffer("pixel_std", torch.tensor(PIXEL_STD).view(-1, 1, 1), persistent=False)

    def encode(self, image: torch.Tensor, on_step: Optional[StepFn] = None) -> torch.Tensor:
        """``image`` (1, 3, 1024, 1024), normalised and padded (:meth:`SamFrame.tensor`) -> (1, 256, 64, 64)."""
        if self.variant == "vit_t":
            return _tiny_vit_forward(self.image_encoder, image, on_step)
        return self.image_encoder(image, on_step)

    def decode(self, embedding: torch.Tensor, coords: Optional[torch.Tensor], labels: Optional[torch.Tensor],
               box: Optional[torch.Tensor], mask_input: Optional[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """One prompt set (batch B) over one image embedding: coords (B, N, 2) in the 1024 frame's pixels with
        labels (B, N), box (B, 4), mask_input (B, 1, 256, 256) -> all four low-resolution mask logits (B, 4, 256,
        256) and their predicted IoU (B, 4)."""
        points = None if coords is None else (coords, labels)
        sparse, dense = self.prompt_encoder(points, box, mask_input)
        return self.mask_decoder.predict_masks(embedding, self.prompt_encoder.get_dense_pe(), sparse, dense)
