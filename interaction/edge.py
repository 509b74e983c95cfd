"""Edge controls (Select and Mask style), applied after the refiner to one instance's alpha, non-destructively.

Order: Smooth, Feather, Contrast, Shift Edge (then instance exclusivity); Decontaminate Colours acts on the foreground
colours of a cut-out. Sizes are full-resolution image pixels; ``scale`` (< 1 for a preview drawn at a reduced size)
shrinks them with the image, so a preview looks like the export. The default settings return the alpha unchanged.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import cv2
import numpy as np

#: ranges of the controls
MAX_SMOOTH, MAX_FEATHER, MAX_CONTRAST, MAX_SHIFT, MAX_DECONTAMINATE = 100.0, 250.0, 100.0, 100.0, 100.0
#: Shift Edge at +-100 % moves the edge by this share of the image diagonal; Smooth at 100 blurs the outline by
#: half of it (sigma) before its sharpness is restored
SHIFT_DIAGONAL = 0.01
SMOOTH_DIAGONAL = 0.005
#: Decontaminate Colours takes the colour of the opaque pixels (alpha >= this) within this share of the diagonal
OPAQUE = 0.98
DECONTAMINATE_DIAGONAL = 0.01
#: ... and, beyond the reach of that window, of the nearest opaque pixels (coarser copies where the window's share of
#: opaque pixels is below this)
FILL_WEIGHT = 0.25
#: Gaussian blurs wider than this sigma (px) run on a reduced copy (the result is smooth at that scale anyway)
DIRECT_SIGMA = 6.0

_LIMITS = {"smooth": (0.0, MAX_SMOOTH), "feather": (0.0, MAX_FEATHER), "contrast": (0.0, MAX_CONTRAST),
           "shift": (-MAX_SHIFT, MAX_SHIFT), "decontaminate": (0.0, MAX_DECONTAMINATE)}


class EdgeError(ValueError):
    """Edge settings out of range or malformed; the message is meant for the user."""


@dataclass(frozen=True)
class EdgeSettings:
    smooth: float = 0.0  # 0..100: a smoother outline (jags and small dents removed), sharpness kept
    feather: float = 0.0  # px: Gaussian blur of the alpha (sigma)
    contrast: float = 0.0  # 0..100 %: a harder edge (100 = a binary one)
    shift: float = 0.0  # -100..100 %: the edge moves in (-) or out (+), 100 % = 1 % of the image diagonal
    decontaminate: float = 0.0  # 0..100 %: edge colours replaced by the colour of nearby opaque pixels (cut-outs)

    def __post_init__(self):
        for name, (lo, hi) in _LIMITS.items():
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
                raise EdgeError(f"edge '{name}' must be a number, got {type(v).__name__}")
            try:
                v = float(v)
            except OverflowError:
                raise EdgeError(f"edge '{name}' is too large (at most {hi:g})") from None
            if not math.isfinite(v) or not lo <= v <= hi:
                raise EdgeError(f"edge '{name}' {v:g} is outside {lo:g}..{hi:g}")
            object.__setattr__(self, name, v)

    @property
    def alpha_identity(self) -> bool:
        """True when the alpha passes unchanged (decontamination only touches colours)."""
        return self.smooth == 0 and self.feather == 0 and self.contrast == 0 and self.shift == 0

    @property
    def identity(self) -> bool:
        return self.alpha_identity and self.decontaminate == 0

    def to_dict(self) -> dict:
        """The settings that differ from the defaults (the JSON and project form)."""
        return {k: v for k, v in asdict(self).items() if v != 0}

    @classmethod
    def from_dict(cls, d: object) -> "EdgeSettings":
        if not isinstance(d, dict):
            raise EdgeError("'edge' must be an object such as {\"feather\": 2}")
        unknown = set(d) - {f.name for f in fields(cls)}
        if unknown:
            raise EdgeError(f"unknown edge control(s) {', '.join(sorted(ascii(k)[:40] for k in unknown))} (use "
                            f"{', '.join(_LIMITS)})")
        return cls(**d)

    def replace(self, **changes) -> "EdgeSettings":
        return EdgeSettings(**{**asdict(self), **changes})


def parse_edge(text: str) -> dict[str, float]:
    """``feather=2,shift=-20`` (the command line form) -> the controls it names, validated (``EdgeSettings.replace``
    applies them over other settings)."""
    values: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep:
            raise EdgeError(f"edge setting '{part}' must look like name=value (e.g. feather=2)")
        try:
            values[key.strip()] = float(value)
        except ValueError:
            raise EdgeError(f"edge setting '{part}': '{value}' is not a number") from None
    EdgeSettings.from_dict(values)
    return values


def diagonal(shape: tuple[int, ...]) -> float:
    return math.hypot(shape[0], shape[1])


def gaussian(a: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of ``a`` (H x W or H x W x C float32); wide blurs run on a reduced copy."""
    if sigma <= 0:
        return a
    if sigma <= DIRECT_SIGMA:
        return cv2.GaussianBlur(a, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    f = sigma / DIRECT_SIGMA
    h, w = a.shape[:2]
    small = cv2.resize(a, (max(1, round(w / f)), max(1, round(h / f))), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), DIRECT_SIGMA, borderType=cv2.BORDER_REFLECT)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _morph_step(a: np.ndarray, grow: bool, index: int) -> np.ndarray:
    """Step ``index`` of a run of one-pixel grey dilations (erosions): a cross, then a 3x3 square, alternating, so
    that ``n`` steps make a near-disk of radius ``n`` that moves a straight edge by exactly ``n`` pixels."""
    kernel = np.ones((3, 3), np.uint8) if index % 2 else cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    return (cv2.dilate if grow else cv2.erode)(a, kernel, borderType=cv2.BORDER_REPLICATE)


def shift_edge(a: np.ndarray, px: float) -> np.ndarray:
    """Every level of ``a`` moved outwards by ``px`` pixels (inwards when negative); a fraction blends two steps."""
    grow, n = px > 0, abs(px)
    whole = int(math.floor(n))
    for i in range(whole):
        a = _morph_step(a, grow, i)
    frac = n - whole
    if frac < 1e-6:
        return a
    return (1.0 - frac) * a + frac * _morph_step(a, grow, whole)


def apply_edge(alpha: np.ndarray, settings: EdgeSettings, scale: float = 1.0,
               full_shape: tuple[int, int] | None = None) -> np.ndarray:
    """The alpha after Smooth, Feather, Contrast and Shift Edge. ``alpha`` may be a preview of a larger image:
    ``scale`` is its size over the full image's, ``full_shape`` the full image's (H, W) (default: ``alpha``'s own).
    Default settings return ``alpha`` itself, untouched."""
    if settings.alpha_identity:
        return alpha
    diag = diagonal(full_shape or alpha.shape)
    a = alpha.astype(np.float32, copy=False)  # every step below makes a new array; ``alpha`` is never written
    if settings.smooth > 0:
        sigma = settings.smooth / MAX_SMOOTH * SMOOTH_DIAGONAL * diag * scale
        if sigma > 0.3:
            # blurring rounds the outline; the gain brings a hard edge's slope back (a blurred step has slope
            # 1 / (sigma sqrt(2 pi)) at its middle)
            a = np.clip(0.5 + (gaussian(a, sigma) - 0.5) * max(1.0, sigma * math.sqrt(2 * math.pi)), 0.0, 1.0)
    if settings.feather > 0:
        a = gaussian(a, settings.feather * scale)
    if settings.contrast > 0:
        gain = 1.0 / max(1e-3, 1.0 - 0.99 * settings.contrast / MAX_CONTRAST)
        a = 0.5 + (a - 0.5) * gain
    if settings.shift != 0:
        a = shift_edge(a, settings.shift / MAX_SHIFT * SHIFT_DIAGONAL * diag * scale)
    return np.clip(a, 0.0, 1.0, out=a if a is not alpha else None)


def _fill(summed: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``summed / weight`` (weighted mean colours) where the weight is substantial, elsewhere the same taken from ever
    coarser copies (push-pull): every pixel gets the colour of the opaque pixels nearest to it, however far."""
    h, w = weight.shape
    mean = summed / np.maximum(weight, 1e-6)[..., None]
    if min(h, w) <= 2 or weight.min() >= FILL_WEIGHT:
        return mean
    half = (max(1, w // 2), max(1, h // 2))
    coarse = _fill(cv2.resize(summed, half, interpolation=cv2.INTER_AREA),
                   cv2.resize(weight, half, interpolation=cv2.INTER_AREA))
    k = np.clip(weight / FILL_WEIGHT, 0.0, 1.0)[..., None]
    return k * mean + (1.0 - k) * cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR)


def _sample(image: np.ndarray, x: np.ndarray, y: np.ndarray, cols: int = 4096) -> np.ndarray:
    """``image`` (H x W x 3) read bilinearly at the points (x, y): N x 3 (the points laid out in rows of ``cols``, as
    OpenCV's remap takes at most 32767 of either)."""
    n = len(x)
    if n == 0:
        return np.zeros((0, 3), np.float32)
    rows = -(-n // cols)
    grid = np.zeros((2, rows * cols), np.float32)
    grid[0, :n], grid[1, :n] = x, y
    out = cv2.remap(image, grid[0].reshape(rows, cols), grid[1].reshape(rows, cols), cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_REPLICATE)
    return out.reshape(-1, 3)[:n]


def decontamination(colours: np.ndarray, alpha: np.ndarray, amount: float, scale: float = 1.0,
                    full_shape: tuple[int, int] | None = None) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray] | None:
    """What Decontaminate Colours changes: the (ys, xs) of the partly transparent pixels and the change of their
    ``colours`` (N x 3 float32, in the units of ``colours``, uint8 or float) towards the colour of the opaque pixels
    nearby, by ``amount`` (0..100 %): fully where alpha <= 0.5, fading out towards alpha = 1. None: nothing changes."""
    if amount <= 0:
        return None
    opaque = alpha >= OPAQUE
    if not opaque.any():
        return None
    h, w = alpha.shape
    sigma = max(1.0, DECONTAMINATE_DIAGONAL * diagonal(full_shape or alpha.shape) * scale)
    # the colour of the opaque pixels nearby is smooth at the scale of sigma: it is found on a copy reduced so that
    # sigma is DIRECT_SIGMA there, and only the result comes back to full size
    f = max(1.0, sigma / DIRECT_SIGMA)
    size = (max(1, round(w / f)), max(1, round(h / f)))
    if colours.dtype == np.uint8:
        masked = cv2.bitwise_and(colours, colours, mask=opaque.view(np.uint8))
    else:
        masked = np.where(opaque[..., None], colours, 0).astype(np.float32)
    weight = cv2.resize(opaque.view(np.uint8).astype(np.float32), size, interpolation=cv2.INTER_AREA)
    summed = cv2.resize(masked.astype(np.float32, copy=False), size, interpolation=cv2.INTER_AREA)
    weight = cv2.GaussianBlur(weight, (0, 0), sigma / f, borderType=cv2.BORDER_REFLECT)
    summed = cv2.GaussianBlur(summed, (0, 0), sigma / f, borderType=cv2.BORDER_REFLECT)
    near = _fill(summed, weight)
    ys, xs = np.nonzero((alpha > 0) & ~opaque)
    # the reduced map read at those pixels only (bilinear, as a full-size resize would give)
    target = _sample(near, (xs + 0.5) * (size[0] / w) - 0.5, (ys + 0.5) * (size[1] / h) - 0.5)
    k = (amount / MAX_DECONTAMINATE) * np.clip(2.0 * (1.0 - alpha[ys, xs]), 0.0, 1.0)
    return (ys, xs), (k[:, None] * (target - colours[ys, xs])).astype(np.float32)


def decontaminate(colours: np.ndarray, alpha: np.ndarray, amount: float, scale: float = 1.0,
                  full_shape: tuple[int, int] | None = None) -> np.ndarray:
    """Foreground ``colours`` (H x W x 3 float) after Decontaminate Colours by ``amount`` (see
    :func:`decontamination`): colour fringes of the old background disappear from the cut-out. An amount of 0
    returns ``colours`` itself."""
    change = decontamination(colours, alpha, amount, scale, full_shape)
    if change is None:
        return colours
    out = colours.astype(np.float32, copy=True)
    (ys, xs), delta = change
    out[ys, xs] += delta
    return out
