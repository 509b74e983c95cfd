"""Registry of back-ends: ``@register`` on a factory, ``create(name, role)`` to build one.

Importing this module imports no torch: each back-end's module is named in :data:`CATALOG` and imported only when that
back-end is listed in detail or created, so the weight-free engine never pays for torch.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable, Literal

from .protocol import BackendError

Role = Literal["segmenter", "refiner", "grounder"]

#: back-end name -> module that registers it (imported lazily)
CATALOG: dict[str, str] = {
    "classic": "mattestudio.models.classic.backend",
    "iscn": "mattestudio.models.iscn.backend",
    "mrn": "mattestudio.models.mrn.backend",
    "gfm": "mattestudio.models.gfm.backend",
    "mask2alpha": "mattestudio.models.mask2alpha.backend",
    "grounding": "mattestudio.models.grounding.backend",
}


@dataclass(frozen=True)
class WeightSpec:
    """One weights file a back-end can use."""

    name: str
    filename: str
    sha256: str
    source: str  # URL or "bundled"
    licence: str
    input_size: int = 0
    bundled: bool = False
    env_var: str = ""


@dataclass(frozen=True)
class BackendInfo:
    name: str
    roles: tuple[Role, ...]
    description: str
    factory: Callable[..., object]
    needs_torch: bool = False
    accepts_text: bool = False
    devices: tuple[str, ...] = ("cpu",)
    weights: tuple[WeightSpec, ...] = field(default_factory=tuple)


_REGISTRY: dict[str, BackendInfo] = {}


def register(
    name: str,
    roles: tuple[Role, ...],
    description: str,
    *,
    needs_torch: bool = False,
    accepts_text: bool = False,
    devices: tuple[str, ...] = ("cpu",),
    weights: tuple[WeightSpec, ...] = (),
):
    """Class or factory decorator that adds a back-end under ``name``."""

    def deco(factory):
        _REGISTRY[name] = BackendInfo(name, roles, description, factory, needs_torch, accepts_text, devices, weights)
        return factory

    return deco


def _load(name: str) -> BackendInfo:
    if name not in _REGISTRY:
        module = CATALOG.get(name)
        if module is None:
            known = ", ".join(sorted(CATALOG))
            raise BackendError(f"unknown back-end '{name}' (known: {known})")
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise BackendError(f"back-end '{name}' needs the package '{exc.name}', which is not installed") from None
        if name not in _REGISTRY:  # pragma: no cover - a catalog entry whose module forgot @register
            raise BackendError(f"back-end module {module} did not register '{name}'")
    return _REGISTRY[name]


def info(name: str) -> BackendInfo:
    return _load(name)


def names(role: Role | None = None) -> list[str]:
    """Catalogued back-end names, optionally only those that play ``role`` (imports their modules)."""
    out = []
    for name in CATALOG:
        if role is None or role in _load(name).roles:
            out.append(name)
    return out


def create(name: str, role: Role, device: str = "cpu", **options):
    """Build back-end ``name`` in ``role`` on ``device`` (``cpu``, ``cuda`` or ``auto``)."""
    spec = _load(name)
    if role not in spec.roles:
        raise BackendError(f"back-end '{name}' cannot act as {role} (it is a {' and '.join(spec.roles)})")
    if device not in ("cpu", "cuda", "auto"):
        raise BackendError(f"unknown device '{device}' (use cpu, cuda or auto)")
    return spec.factory(role=role, device=device, **options)


def cuda_available() -> bool:
    """Whether torch is installed and sees a CUDA device (imports torch only when asked)."""
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())
