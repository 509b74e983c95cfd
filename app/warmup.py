"""Warm the back-ends once (the first run of the matting solver compiles with numba for about a minute; later runs
read the cache). The app runs :func:`warm_up` on its worker at start; ``python -m mattestudio.app.warmup`` does it
ahead of time (``make venv`` calls it)."""

from __future__ import annotations

import sys
import time
from typing import Callable

import numpy as np

from mattestudio.interaction.backends import slow_encode
from mattestudio.interaction.prompts import Box, Click
from mattestudio.interaction.session import Session

#: side of the synthetic warm-up image (small: the point is compiling, not computing)
WARM_SIDE = 48
ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]
WARM_MESSAGE = "preparing matting solver (first run may take a minute)..."


def warm_image(side: int = WARM_SIDE) -> np.ndarray:
    """A disc on a gradient: enough structure for every back-end to take its normal path."""
    yy, xx = np.mgrid[0:side, 0:side]
    disc = np.hypot(yy - side / 2, xx - side / 2) < side / 4
    img = np.stack([40 + 3 * xx, 60 + 2 * yy, 120 + 0 * xx], -1)
    img[disc] = (220, 60, 50)
    return np.clip(img, 0, 255).astype(np.uint8)


def warm_up(segmenter: str | object = "classic", refiner: str | object = "classic", device: str = "cpu",
            progress: ProgressFn = lambda f, m="": None, cancel: CancelFn = lambda: False) -> float:
    """Run one tiny round through the chosen back-ends; returns the seconds it took."""
    t0 = time.perf_counter()
    progress(0.0, WARM_MESSAGE)
    if slow_encode(segmenter):  # its round would encode a whole 1024 px frame; the matting solver is what needs warming
        segmenter = "classic"
    session = Session(warm_image(), segmenter, refiner, device)
    session.add_instance("warm-up")
    c = WARM_SIDE / 2
    session.run_round("warm-up", [Box(c / 2 - 2, c / 2 - 2, 1.5 * c + 2, 1.5 * c + 2), Click(c, c)],
                      lambda f, m="": progress(f, WARM_MESSAGE), cancel)
    return time.perf_counter() - t0


def main() -> int:
    seconds = warm_up(progress=lambda f, m="": None)
    print(f"matting solver ready ({seconds:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
