"""The back-ends a user can pick, for the UI (which talks to models only through this layer)."""

from __future__ import annotations

from dataclasses import dataclass

from mattestudio.models import registry
from mattestudio.models.protocol import BackendError

from .session import Session

DEVICES = ("cpu", "cuda", "auto")


@dataclass(frozen=True)
class BackendChoice:
    name: str
    description: str
    devices: tuple[str, ...]


def choices(role: str) -> list[BackendChoice]:
    """Back-ends that can act as ``role`` ("segmenter" or "refiner"); a catalogued back-end whose module cannot be
    imported here (e.g. a missing optional dependency) is left out."""
    out = []
    for name in registry.CATALOG:
        try:
            info = registry.info(name)
        except (BackendError, ImportError):
            continue
        if role in info.roles:
            out.append(BackendChoice(name, info.description, tuple(info.devices)))
    return out


AUTO_SEGMENTER = "gfm"


def auto_round(session: Session, name: str, device: str = "cpu"):
    """A ticket for the prompt-free "Auto" proposal: the whole image as the box, segmented by GFM's glance decoder
    (the salient subject) for this round only; the session's own back-ends stay as they are."""
    from .prompts import Box

    seg = registry.create(AUTO_SEGMENTER, "segmenter", device)
    box = Box(0, 0, session.width - 1, session.height - 1)
    return session.begin_round(name, [box], segmenter=seg)


def replace_backends(session: Session, segmenter: str | object, refiner: str | object, device: str) -> None:
    """Give ``session`` new back-ends (by name or as objects); its instances and rounds stay as they are."""
    seg = registry.create(segmenter, "segmenter", device) if isinstance(segmenter, str) else segmenter
    ref = registry.create(refiner, "refiner", device) if isinstance(refiner, str) else refiner
    session.segmenter, session.refiner, session.device = seg, ref, device


@dataclass(frozen=True)
class WeightReport:
    name: str
    status: str  # bundled / found (sha256 ok), tampered, missing, or "present" when not hashed
    path: str
    hint: str  # where to put a missing file
    licence: str


@dataclass(frozen=True)
class BackendReport:
    name: str
    roles: tuple[str, ...]
    description: str
    devices: tuple[str, ...]
    accepts_text: bool
    needs_torch: bool
    weights: tuple[WeightReport, ...]


def cuda_available() -> bool:
    """Whether a CUDA device can be used (False without torch)."""
    return registry.cuda_available()


def reports(quick: bool = False) -> list[BackendReport]:
    """Every catalogued back-end with its weights status (``quick`` skips hashing the files)."""
    from mattestudio.models import weights as W

    out = []
    for name in registry.names():
        info = registry.info(name)
        ws = []
        for spec in info.weights:
            path = W.resolve(spec)
            status = ("missing" if path is None else "present") if quick else W.status(spec)
            hint = f"put {spec.filename} in {W.BUNDLED_DIR} or {W.cache_dir()}" + \
                (f", or set {spec.env_var}" if spec.env_var else "")
            ws.append(WeightReport(spec.name, status, str(path or ""), hint, spec.licence))
        out.append(BackendReport(name, tuple(info.roles), info.description, tuple(info.devices), info.accepts_text,
                                 info.needs_torch, tuple(ws)))
    return out
