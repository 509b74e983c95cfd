"""GFM hyper-parameters."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class GFMConfig:
    encoder_widths: tuple[int, ...] = (16, 32, 48, 64, 96)  # strides 2, 4, 8, 16, 32
    psp_bins: tuple[int, ...] = (1, 2, 3, 6)
    glance_widths: tuple[int, ...] = (64, 48, 32, 16)  # decoder at strides 16, 8, 4, 2
    focus_widths: tuple[int, ...] = (64, 48, 32, 16)
    input_size: int = 512  # long side at inference, padded to a multiple of 32

    def with_options(self, **options) -> "GFMConfig":
        return replace(self, **options)


TINY = GFMConfig()
PRESETS = {"tiny": TINY}
