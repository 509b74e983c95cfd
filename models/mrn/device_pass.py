"""The MRN's coarse-to-fine pass kept on the network's device (the "device" pipeline).

The same steps as the host pipeline of :mod:`.predictor` (coarse pass at ``work_size``, bilinear upsampling, the
uncertain band widened by the os1 PRM width, feathered full-resolution tiles over it), but as torch operations on the
device: the photo and the coarse map are copied there once, the tiles run in batches, and only the alpha comes back.
On an accelerator this removes the per-tile copies and the host-side resizes that dominated a round. Resizing down
is antialiased bilinear here and area averaging (OpenCV) on the host, and an accelerator runs the network in fp16 by
default, so the two pipelines agree closely but not bit for bit."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..protocol import CancelFn, ProgressFn, check_cancel
from .network import MRN
from .prm import CERTAIN_EPS
from .tiling import band_kernel, ramp, tiles

ALIGN = 32


def bucket(n: int) -> int:
    """The largest power of two not above ``n`` (n >= 1)."""
    return 1 << (max(1, n).bit_length() - 1)


def _shrink(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Antialiased bilinear downsizing: of torch's filters the closest to OpenCV's INTER_AREA (mean difference a
    quarter of a grey level on a photo, where torch's "area" mode differs by 0.8)."""
    return F.interpolate(x, size=size, mode="bilinear", antialias=True, align_corners=False)


class DevicePass:
    def __init__(self, net: MRN, device: torch.device, half: bool):
        self.net, self.device = net, device
        self.half = half and device.type == "cuda"
        cfg = net.cfg
        self.kernel = torch.from_numpy(band_kernel(cfg.prm_widths[-1]).astype(np.float32))[None, None].to(device)
        self.ramp = torch.from_numpy(ramp(cfg.tile, cfg.tile_overlap)).to(device)

    def network(self, image: torch.Tensor, coarse: torch.Tensor) -> torch.Tensor:
        """(B, 3, h, w) and (B, 1, h, w) on the device -> (B, 1, h, w) float32 alpha (inputs padded to ALIGN)."""
        h, w = coarse.shape[-2:]
        pad = (0, (-w) % ALIGN, 0, (-h) % ALIGN)
        if any(pad):
            image, coarse = F.pad(image, pad, mode="replicate"), F.pad(coarse, pad, mode="replicate")
        with torch.inference_mode(), torch.autocast("cuda", torch.float16, enabled=self.half):
            alpha = self.net(image, coarse).alpha
        return alpha[..., :h, :w].float()

    def __call__(self, rgb: np.ndarray, prob: np.ndarray, progress: ProgressFn, cancel: CancelFn
                 ) -> tuple[np.ndarray, int]:
        """H x W x 3 uint8 and H x W coarse probability -> (H x W float32 alpha in [0, 1], tiles refined)."""
        cfg = self.net.cfg
        h, w = prob.shape
        with torch.inference_mode():
            image = torch.from_numpy(np.ascontiguousarray(rgb)).to(self.device).permute(2, 0, 1)[None].float() / 255
            coarse = torch.from_numpy(np.ascontiguousarray(prob, np.float32)).to(self.device)[None, None]
            scale = min(1.0, cfg.work_size / max(h, w))
            if scale >= 1.0:
                return self._download(self.network(image, coarse)), 0
            size = (max(1, round(h * scale)), max(1, round(w * scale)))
            small = self.network(_shrink(image, size), _shrink(coarse, size))
            alpha = F.interpolate(small, size=(h, w), mode="bilinear", align_corners=False)
            check_cancel(cancel)
            unc = ((alpha > CERTAIN_EPS) & (alpha < 1 - CERTAIN_EPS)).float()
            k = self.kernel.shape[-1]
            band = F.conv2d(unc, self.kernel, padding=k // 2) > 0
            boxes = tiles(h, w, cfg.tile, cfg.tile_overlap)
            touched = torch.stack([band[..., y0:y1, x0:x1].any() for y0, x0, y1, x1 in boxes]).cpu().tolist()
            boxes = [b for b, t in zip(boxes, touched) if t]
            acc, wsum = torch.zeros_like(alpha), torch.zeros_like(alpha)
            batches, done = self._batches(boxes), 0
            for i, group in enumerate(batches):
                check_cancel(cancel)
                out = self.network(torch.cat([image[..., y0:y1, x0:x1] for y0, x0, y1, x1 in group]),
                                   torch.cat([alpha[..., y0:y1, x0:x1] for y0, x0, y1, x1 in group]))
                for j, (y0, x0, y1, x1) in enumerate(group):
                    wt = self.ramp[: y1 - y0, : x1 - x0]
                    acc[..., y0:y1, x0:x1] += out[j] * wt
                    wsum[..., y0:y1, x0:x1] += wt
                done += len(group)
                progress(0.1 + 0.9 * (i + 1) / len(batches), f"refining tiles {done}/{len(boxes)}")
            fine = band & (wsum > 0)
            alpha = torch.where(fine, acc / wsum.clamp_min(1e-12), alpha)
            return self._download(alpha), len(boxes)

    def _batches(self, boxes: list[tuple[int, int, int, int]]) -> list[list[tuple[int, int, int, int]]]:
        """Tiles of one shape together (edge tiles of a small photo can be narrower), in batches whose sizes are powers
        of two up to ``tile_batch`` (21 tiles: 16 + 4 + 1), so that a session meets only a few batch shapes and each
        is ready after :meth:`warm`."""
        shapes: dict[tuple[int, int], list] = {}
        for b in boxes:
            shapes.setdefault((b[2] - b[0], b[3] - b[1]), []).append(b)
        out = []
        for group in shapes.values():
            while group:
                n = min(bucket(len(group)), bucket(self.net.cfg.tile_batch))
                out.append(group[:n])
                group = group[n:]
        return out

    def warm(self) -> None:
        """Run every tile batch size and a coarse pass once on blank input: an accelerator loads and picks its kernels
        on first use of a shape, which would otherwise land in the user's first rounds."""
        cfg, n = self.net.cfg, 1
        side = -(-cfg.work_size // ALIGN) * ALIGN
        shapes = [(1, side)]
        while n <= cfg.tile_batch:
            shapes.append((n, cfg.tile))
            n *= 2
        for batch, size in shapes:
            self.network(torch.zeros(batch, 3, size, size, device=self.device),
                         torch.zeros(batch, 1, size, size, device=self.device))
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    @staticmethod
    def _download(alpha: torch.Tensor) -> np.ndarray:
        return alpha.clamp(0, 1)[0, 0].cpu().numpy().astype(np.float32, copy=False)
