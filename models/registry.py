"""Registry of back-ends: ``@register`` on a factory, ``create(name, role)`` to build one.

Importing this module imports no torch: each back-end's module is named in :data:`CATALOG` and imported only when that
back-end is listed in detail or created, so the weight-free engine never pays for torch.

A back-end is named alone (``iscn``) or with options (``iscn:preset=sam_b,crm=false``): :func:`parse_spec` turns
``NAME:key=value,...`` into the name and typed options (true/false, integers, decimals, else text).
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
class Preset:
    """A named configuration of a back-end (its ``preset`` option) and the weights files it reads."""

    name: str
    description: str
    weights: tuple[str, ...] = ()  # WeightSpec names: the first is the main file, the others are optional
    packages: tuple[str, ...] = ()  # optional Python packages (import names) it needs
    slow_encode: bool = False  # its first round on a photo encodes it for seconds to minutes on a CPU (a large ViT)


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
    options: tuple[str, ...] | None = None  # the options it accepts (None: not declared)
    presets: tuple[Preset, ...] = ()


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
    options: tuple[str, ...] | None = None,
    presets: tuple[Preset, ...] = (),
):
    """Class or factory decorator that adds a back-end under ``name``."""

    def deco(factory):
        _REGISTRY[name] = BackendInfo(name, roles, description, factory, needs_torch, accepts_text, devices, weights,
                                      options, presets)
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


def _value(text: str):
    low = text.strip().lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text.strip()


def parse_spec(spec: str) -> tuple[str, dict]:
    """``NAME`` or ``NAME:key=value,key=value`` -> (NAME, options). Values: true/false, numbers, else text."""
    name, _, rest = spec.partition(":")
    name = name.strip()
    options: dict = {}
    for item in filter(None, (i.strip() for i in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip() or not value.strip():
            raise BackendError(f"back-end '{spec}': option '{item}' is not key=value")
        if key.strip() in options:
            raise BackendError(f"back-end '{spec}': option '{key.strip()}' is given twice")
        options[key.strip()] = _value(value)
    if not name:
        raise BackendError(f"back-end '{spec}' has no name (NAME or NAME:key=value,...)")
    return name, options


def create(name: str, role: Role, device: str = "cpu", **options):
    """Build back-end ``name`` (``NAME`` or ``NAME:key=value,...``) in ``role`` on ``device`` (``cpu``, ``cuda`` or
    ``auto``); keyword ``options`` override the ones in the name."""
    base, parsed = parse_spec(name)
    options = {**parsed, **options}
    spec = _load(base)
    if role not in spec.roles:
        raise BackendError(f"back-end '{base}' cannot act as {role} (it is a {' and '.join(spec.roles)})")
    if device not in ("cpu", "cuda", "auto"):
        raise BackendError(f"unknown device '{device}' (use cpu, cuda or auto)")
    unknown = sorted(set(options) - set(spec.options)) if spec.options is not None else []
    if unknown:
        raise BackendError(f"back-end '{base}' has no option '{unknown[0]}' (its options: "
                           f"{', '.join(spec.options) or 'none'})")
    try:
        return spec.factory(role=role, device=device, **options)
    except TypeError as exc:
        if "unexpected keyword argument" not in str(exc):
            raise
        raise BackendError(f"back-end '{base}' does not take the option{'s' * (len(options) > 1)} "
                           f"{', '.join(sorted(options))}") from None


def cuda_available() -> bool:
    """Whether torch is installed and sees a CUDA device (imports torch only when asked)."""
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())
