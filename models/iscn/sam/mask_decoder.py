"""SAM's mask decoder (the ISCN's decoder over SAM): an IoU token and four mask tokens run through the two-way
transformer with the prompt tokens; the upscaled image embedding dotted with each mask token's hypernetwork output
gives four low-resolution masks (one for unambiguous prompts, three for an ambiguous single point), the IoU head
their predicted quality. Parameter names follow segment-anything's ``MaskDecoder``."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...nn.layers import MLP, LayerNorm2d
from .transformer import TwoWayTransformer


class MaskDecoder(nn.Module):
    def __init__(self, transformer_dim: int = 256, num_multimask_outputs: int = 3, iou_head_depth: int = 3,
                 iou_head_hidden_dim: int = 256):
        super().__init__()
        self.transformer_dim = transformer_dim
        self.transformer = TwoWayTransformer(depth=2, embedding_dim=transformer_dim, num_heads=8, mlp_dim=2048)
        self.num_multimask_outputs = num_multimask_outputs
        self.iou_token = nn.Embedding(1, transformer_dim)
        self.num_mask_tokens = num_multimask_outputs + 1
        self.mask_tokens = nn.Embedding(self.num_mask_tokens, transformer_dim)
        self.output_upscaling = nn.Sequential(
            nn.ConvTranspose2d(transformer_dim, transformer_dim // 4, kernel_size=2, stride=2),
            LayerNorm2d(transformer_dim // 4), nn.GELU(),
            nn.ConvTranspose2d(transformer_dim // 4, transformer_dim // 8, kernel_size=2, stride=2), nn.GELU())
        self.output_hypernetworks_mlps = nn.ModuleList(
            MLP(transformer_dim, transformer_dim, transformer_dim // 8, 3) for _ in range(self.num_mask_tokens))
        self.iou_prediction_head = MLP(transformer_dim, iou_head_hidden_dim, self.num_mask_tokens, iou_head_depth)

    def predict_masks(self, image_embeddings: torch.Tensor, image_pe: torch.Tensor,
                      sparse_prompt_embeddings: torch.Tensor,
                      dense_prompt_embeddings: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Image embedding (1 or B, C, h, w), its position encoding, prompt tokens (B, N, C), dense embedding
        (B, C, h, w) -> all four mask logits (B, 4, 4h, 4w) and their predicted IoU (B, 4)."""
        output_tokens = torch.cat([self.iou_token.weight, self.mask_tokens.weight], dim=0)
        output_tokens = output_tokens.unsqueeze(0).expand(sparse_prompt_embeddings.size(0), -1, -1)
        tokens = torch.cat((output_tokens, sparse_prompt_embeddings), dim=1)
        src = torch.repeat_interleave(image_embeddings, tokens.shape[0] // image_embeddings.shape[0], dim=0)
        src = src + dense_prompt_embeddings
        pos_src = torch.repeat_interleave(image_pe, tokens.shape[0], dim=0)
        b, c, h, w = src.shape
        hs, src = self.transformer(src, pos_src, tokens)
        iou_token_out = hs[:, 0, :]
        mask_tokens_out = hs[:, 1:(1 + self.num_mask_tokens), :]
        upscaled = self._upscale(src.view(b, h, w, c))  # (B, 4h, 4w, C/8), channels last
        hyper_in = torch.stack([mlp(mask_tokens_out[:, i, :]) for i, mlp in
                                enumerate(self.output_hypernetworks_mlps)], dim=1)
        masks = upscaled.view(b, 16 * h * w, -1) @ hyper_in.transpose(1, 2)  # (B, 16hw, masks)
        return masks.transpose(1, 2).reshape(b, -1, 4 * h, 4 * w), self.iou_prediction_head(iou_token_out)

    def _upscale(self, x: torch.Tensor) -> torch.Tensor:
        """``output_upscaling`` on the transformer's channels-last image tokens (B, h, w, C) -> (B, 4h, 4w, C/8): the
        same sums as the module (its weights, named as segment-anything names them), each 2 x 2 stride-2 transposed
        convolution as one matrix product per pixel and the channel norm on the last axis, without the layout copies
        of a convolution over channels-first maps."""
        up1, norm, _, up2, _ = self.output_upscaling
        x = _transposed_2x2(x, up1)
        x = F.gelu(F.layer_norm(x, (up1.out_channels,), norm.weight, norm.bias, norm.eps))
        return F.gelu(_transposed_2x2(x, up2))

    def forward(self, image_embeddings: torch.Tensor, image_pe: torch.Tensor, sparse_prompt_embeddings: torch.Tensor,
                dense_prompt_embeddings: torch.Tensor, multimask_output: bool) -> tuple[torch.Tensor, torch.Tensor]:
        masks, iou = self.predict_masks(image_embeddings, image_pe, sparse_prompt_embeddings, dense_prompt_embeddings)
        keep = slice(1, None) if multimask_output else slice(0, 1)
        return masks[:, keep], iou[:, keep]


def _transposed_2x2(x: torch.Tensor, conv: nn.ConvTranspose2d) -> torch.Tensor:
    """A kernel-2, stride-2 transposed convolution on a channels-last map (B, H, W, Cin) -> (B, 2H, 2W, Cout): output
    pixel (2i + di, 2j + dj) = bias + x[i, j] @ weight[:, :, di, dj], so one (Cin x 4 Cout) product gives all four."""
    b, h, w, c = x.shape
    c_out = conv.weight.shape[1]
    weight = conv.weight.permute(0, 2, 3, 1).reshape(c, 4 * c_out)  # columns ordered (di, dj, out)
    y = torch.addmm(conv.bias.repeat(4), x.reshape(-1, c), weight).view(b, h, w, 2, 2, c_out)
    return y.permute(0, 1, 3, 2, 4, 5).reshape(b, 2 * h, 2 * w, c_out)
