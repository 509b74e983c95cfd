"""MRN hyper-parameters."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class MRNConfig:
    local_widths: tuple[int, int, int, int] = (16, 32, 64, 96)  # strides 2, 4, 8, 16
    global_size: int = 256  # the global branch sees the input resized to this square
    global_patch: int = 8
    global_dim: int = 64
    global_depth: int = 2
    global_heads: int = 4
    decoder_widths: tuple[int, int, int, int] = (48, 32, 16, 8)  # strides 8, 4, 2, 1
    prm_widths: tuple[int, int] = (15, 7)  # MGMatting inference: band widths for the os4 and os1 replacements
    work_size: int = 1024  # coarse pass: long side of the whole image
    tile: int = 512  # fine pass: full-resolution tiles over the uncertain band
    tile_overlap: int = 64
    # where the full-resolution work runs: "host" (numpy/OpenCV, one tile at a time: the CPU path, lowest memory),
    # "device" (torch on the network's device, tiles in batches of ``tile_batch``, one copy each way) or "auto"
    # (device on an accelerator, host on the CPU)
    pipeline: str = "auto"
    tile_batch: int = 16
    # network arithmetic on an accelerator: "fp16" (autocast) or "fp32"; the CPU always runs fp32
    precision: str = "fp16"

    def with_options(self, **options) -> "MRNConfig":
        return replace(self, **options)


TINY = MRNConfig()
PRESETS = {"tiny": TINY}
