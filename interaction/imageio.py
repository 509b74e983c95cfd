"""Reading images into H x W x 3 uint8 RGB (the only RGB<->BGR edge is here and in export), with clear errors."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: images above this many pixels are refused (a 20000 x 20000 image would need ~1.2 GB just as RGB)
MAX_PIXELS = 100_000_000


class ImageError(ValueError):
    """An image cannot be read; the message is meant for the user."""


@dataclass
class LoadedImage:
    rgb: np.ndarray  # H x W x 3 uint8
    path: Path
    had_alpha: bool = False
    note: str = ""  # e.g. "converted from 16-bit", "rotated per EXIF"


def load_image(path: str | os.PathLike) -> LoadedImage:
    from PIL import Image, ImageOps, UnidentifiedImageError

    p = Path(path)
    if not p.exists():
        raise ImageError(f"{p}: no such file")
    if p.is_dir():
        raise ImageError(f"{p}: is a folder, not an image")
    if p.stat().st_size == 0:
        raise ImageError(f"{p}: the file is empty")
    notes = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(p) as im:
                w, h = im.size
                if w * h > MAX_PIXELS:
                    raise ImageError(f"{p}: {w}x{h} is too large ({w * h / 1e6:.0f} MP; at most "
                                     f"{MAX_PIXELS / 1e6:.0f} MP) - downscale it first")
                im.load()
                rotated = ImageOps.exif_transpose(im)
                if rotated is not im and rotated.size != im.size:
                    notes.append("rotated per EXIF")
                im = rotated
                had_alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
                rgb = _to_rgb8(im, notes)
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"{p}: the image is too large to open safely (more than {Image.MAX_IMAGE_PIXELS / 1e6:.0f} "
                         "MP) - downscale it first") from None
    except UnidentifiedImageError:
        raise ImageError(f"{p}: not an image file (or a format MatteStudio cannot read)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"{p}: the image is corrupt or truncated ({exc})") from None
    if rgb.shape[0] < 2 or rgb.shape[1] < 2:
        raise ImageError(f"{p}: the image is {rgb.shape[1]}x{rgb.shape[0]} px; at least 2x2 is needed")
    return LoadedImage(np.ascontiguousarray(rgb), p, had_alpha, ", ".join(notes))


def _to_rgb8(im, notes: list[str]) -> np.ndarray:
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I", "I;16N"):
        a = np.asarray(im).astype(np.float64)
        top = 65535.0 if a.max() > 255 else 255.0
        notes.append("converted from 16-bit")
        g = np.clip(a / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.repeat(g[:, :, None], 3, axis=2)
    if mode == "F":
        a = np.asarray(im).astype(np.float64)
        lo, hi = np.nanmin(a), np.nanmax(a)
        g = np.zeros(a.shape, np.uint8) if hi <= lo else ((a - lo) / (hi - lo) * 255).astype(np.uint8)
        notes.append("converted from floating point")
        return np.repeat(g[:, :, None], 3, axis=2)
    if mode == "CMYK":
        notes.append("converted from CMYK")
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        rgba = np.asarray(im)
        notes.append("alpha channel ignored (the colour is used)")
        return rgba[:, :, :3]
    arr = np.asarray(im)
    if arr.dtype == np.uint16 or (mode.startswith("RGB") and arr.dtype != np.uint8):
        notes.append("converted from 16-bit")
        return (arr[..., :3].astype(np.float64) / 257.0 + 0.5).astype(np.uint8)
    return np.asarray(im.convert("RGB"))
