"""The fixture folder of awkward image files: each case knows how to write itself and what loading it must give
(the expected RGB pixels, or the one clear message)."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
from PIL import Image

W, H = 48, 36
EXIF_ORIENTATION = 0x0112
ROTATE_90_CW = 6  # EXIF orientation: the stored pixels must be turned 90 degrees clockwise for display
HUGE = 20_000


def photo(h: int = H, w: int = W) -> np.ndarray:
    """A small photo-like RGB image: a red disc on a gradient, with a little noise."""
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:h, 0:w]
    bg = np.stack([30 + 0 * xx, 60 + 3 * xx, 200 - 3 * yy], -1).astype(np.float32)
    inside = (np.hypot(yy - h / 2, xx - w / 2) < min(h, w) / 3)[..., None]
    img = np.where(inside, np.array([220, 40, 40], np.float32), bg) + rng.normal(0, 3, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def grey16() -> np.ndarray:
    """A bright disc on a dark ramp, spanning most of 0..65535."""
    yy, xx = np.mgrid[0:H, 0:W]
    inside = np.hypot(yy - H / 2, xx - W / 2) < min(H, W) / 3
    return np.where(inside, 60000, xx * 400 + yy * 40).astype(np.uint16)


def rgb16() -> np.ndarray:
    return (photo().astype(np.uint16) * 257 + 128).astype(np.uint16)


def _to8(a16: np.ndarray) -> np.ndarray:
    g = np.clip(np.round(a16 / 257.0), 0, 255).astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=2) if g.ndim == 2 else g


def _png_bytes(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def huge_png_header(width: int, height: int) -> bytes:
    """A tiny PNG file whose header claims ``width`` x ``height`` RGB pixels (written in microseconds)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + _chunk(b"IEND", b""))


# ----------------------------------------------------------------------------------------------- writers
def _w_corrupt(p: Path) -> None:
    data = bytearray(_png_bytes(photo()))
    mid = len(data) // 2
    data[mid:mid + 64] = bytes(64)  # damages the pixel data (and its checksum) but keeps the header
    p.write_bytes(bytes(data))


def _w_truncated(p: Path) -> None:
    buf = io.BytesIO()
    Image.fromarray(photo()).save(buf, "JPEG", quality=90)
    p.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])


def _w_cmyk(p: Path) -> None:
    # four flat quadrants given in CMYK: red, green, blue, white
    q = np.zeros((H, W, 4), np.uint8)
    q[: H // 2, : W // 2] = (0, 255, 255, 0)
    q[: H // 2, W // 2:] = (255, 0, 255, 0)
    q[H // 2:, : W // 2] = (255, 255, 0, 0)
    q[H // 2:, W // 2:] = (0, 0, 0, 0)
    Image.fromarray(q, "CMYK").save(p, "JPEG", quality=95)


def _cmyk_expected() -> np.ndarray:
    out = np.zeros((H, W, 3), np.uint8)
    out[: H // 2, : W // 2] = (255, 0, 0)
    out[: H // 2, W // 2:] = (0, 255, 0)
    out[H // 2:, : W // 2] = (0, 0, 255)
    out[H // 2:, W // 2:] = (255, 255, 255)
    return out


def _w_exif(p: Path) -> None:
    src = photo(W, H)  # stored as H=48 x W=36; displayed turned clockwise: 36 high, 48 wide
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = ROTATE_90_CW
    Image.fromarray(src).save(p, "JPEG", quality=95, subsampling=0, exif=exif)


def _w_palette(p: Path, transparent: bool) -> None:
    im = Image.fromarray(photo()).quantize(16)
    if transparent:
        im.save(p, transparency=0)
    else:
        im.save(p)


def _palette_expected(transparent: bool) -> np.ndarray:  # noqa: ARG001 - same palette either way
    return np.asarray(Image.fromarray(photo()).quantize(16).convert("RGB"))


def _w_rgba(p: Path) -> None:
    a = np.full((H, W), 255, np.uint8)
    a[:, : W // 3] = 0
    a[:, W // 3: 2 * W // 3] = 128
    Image.fromarray(np.dstack([photo(), a]), "RGBA").save(p)


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    write: Callable[[Path], None]
    expected: Callable[[], np.ndarray] | None = None  # the RGB pixels loading must give (None: an error)
    tolerance: float = 0.0  # mean absolute difference allowed (lossy formats)
    message: str = ""  # the error message (or the note) that loading must give
    had_alpha: bool = False

    @property
    def ok(self) -> bool:
        return self.expected is not None


CASES: list[Case] = [
    Case("corrupt", "corrupt.png", _w_corrupt, message="corrupt or truncated"),
    Case("truncated", "truncated.jpg", _w_truncated, message="corrupt or truncated"),
    Case("zero_byte", "empty.png", lambda p: p.write_bytes(b""), message="the file is empty"),
    Case("not_an_image", "notes.jpg", lambda p: p.write_text("<html>this is a web page, not a photo</html>"),
         message="not an image file"),
    Case("png16_grey", "grey16.png", lambda p: cv2.imwrite(str(p), grey16()), lambda: _to8(grey16()), 0.01,
         message="converted from 16-bit"),
    Case("png16_rgb", "rgb16.png", lambda p: cv2.imwrite(str(p), rgb16()[..., ::-1]), lambda: _to8(rgb16()), 1.0),
    Case("tiff16_grey", "grey16.tif", lambda p: cv2.imwrite(str(p), grey16()), lambda: _to8(grey16()), 0.01,
         message="converted from 16-bit"),
    Case("tiff16_rgb", "rgb16.tif", lambda p: cv2.imwrite(str(p), rgb16()[..., ::-1]), lambda: _to8(rgb16()), 1.0),
    Case("greyscale", "grey.png", lambda p: Image.fromarray(photo()[..., 1]).save(p),
         lambda: np.repeat(photo()[..., 1:2], 3, axis=2)),
    Case("palette", "palette.png", lambda p: _w_palette(p, False), lambda: _palette_expected(False)),
    Case("palette_transparent", "palette_trns.png", lambda p: _w_palette(p, True), lambda: _palette_expected(True),
         message="alpha channel ignored", had_alpha=True),
    Case("cmyk_jpeg", "cmyk.jpg", _w_cmyk, _cmyk_expected, 6.0, message="converted from CMYK"),
    Case("rgba", "rgba.png", _w_rgba, photo, message="alpha channel ignored", had_alpha=True),
    Case("exif_rotated", "rotated.jpg", _w_exif, lambda: np.rot90(photo(W, H), k=-1), 4.0,
         message="rotated per EXIF"),
    Case("webp", "photo.webp", lambda p: Image.fromarray(photo()).save(p, "WEBP", lossless=True), photo),
    Case("huge", "huge.png", lambda p: p.write_bytes(huge_png_header(HUGE, HUGE)), message="too large"),
    Case("tiny", "tiny.png", lambda p: Image.new("RGB", (1, 1), (10, 20, 30)).save(p), message="at least 2x2"),
    Case("unicode_space_path", "dossier photos ü/фото 1 é.png",
         lambda p: Image.fromarray(photo()).save(p), photo),
]


def write_cases(folder: Path) -> dict[str, Path]:
    paths = {}
    for case in CASES:
        p = folder / case.filename
        p.parent.mkdir(parents=True, exist_ok=True)
        case.write(p)
        paths[case.name] = p
    return paths
