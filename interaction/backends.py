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


def replace_backends(session: Session, segmenter: str | object, refiner: str | object, device: str) -> None:
    """Give ``session`` new back-ends (by name or as objects); its instances and rounds stay as they are."""
    seg = registry.create(segmenter, "segmenter", device) if isinstance(segmenter, str) else segmenter
    ref = registry.create(refiner, "refiner", device) if isinstance(refiner, str) else refiner
    session.segmenter, session.refiner, session.device = seg, ref, device
