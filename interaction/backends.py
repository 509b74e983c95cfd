"""The back-ends a user can pick, for the UI (which talks to models only through this layer)."""

from __future__ import annotations

import os
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
    status: str  # bundled / found / named (sha256 ok), unverified (named, another sha256), tampered, missing,
    # or "present" when not hashed
    path: str
    hint: str  # where to put a missing file
    licence: str


@dataclass(frozen=True)
class PresetReport:
    name: str  # what to pass: NAME:preset=PRESET
    description: str
    weights: tuple[WeightReport, ...]  # the main file first, then optional ones
    missing_packages: tuple[str, ...]


@dataclass(frozen=True)
class BackendReport:
    name: str
    roles: tuple[str, ...]
    description: str
    devices: tuple[str, ...]
    accepts_text: bool
    needs_torch: bool
    weights: tuple[WeightReport, ...]
    presets: tuple[PresetReport, ...] = ()


def cuda_available() -> bool:
    """Whether a CUDA device can be used (False without torch)."""
    return registry.cuda_available()


def reports(quick: bool = False) -> list[BackendReport]:
    """Every catalogued back-end with its weights status, and per preset the files it reads (``quick`` skips
    hashing the files)."""
    import importlib.util

    from mattestudio.models import weights as W

    out = []
    for name in registry.names():
        info = registry.info(name)
        ws = {}
        for spec in info.weights:
            path = W.resolve(spec)
            status = ("missing" if path is None else "present") if quick else W.status(spec)
            hint = f"put {spec.filename} in {W.BUNDLED_DIR} or {W.cache_dir()}" + \
                (f", set {spec.env_var}" if spec.env_var else "") + f", or --weights {spec.name}=PATH"
            ws[spec.name] = WeightReport(spec.name, status, str(path or ""), hint, spec.licence)
        presets = tuple(PresetReport(p.name, p.description, tuple(ws[w] for w in p.weights if w in ws),
                                     tuple(m for m in p.packages if importlib.util.find_spec(m) is None))
                        for p in info.presets)
        out.append(BackendReport(name, tuple(info.roles), info.description, tuple(info.devices), info.accepts_text,
                                 info.needs_torch, tuple(ws.values()), presets))
    return out


def slow_encode(spec: str | object) -> bool:
    """Whether a segmenter (a ``NAME[:key=value,...]`` spec) encodes each photo for a long time before its first round
    (the SAM presets: a 1024 px ViT)."""
    if not isinstance(spec, str):
        return False
    try:
        name, options = registry.parse_spec(spec)
        presets = registry.info(name).presets
    except BackendError:
        return False
    return any(p.slow_encode and p.name == str(options.get("preset", "")) for p in presets)


def weight_names() -> dict[str, str]:
    """Every weights name a back-end can read -> its file name."""
    out = {}
    for name in registry.names():
        for spec in registry.info(name).weights:
            out.setdefault(spec.name, spec.filename)
    return out


def parse_weight_files(items: list[str]) -> dict[str, str]:
    """``NAME=PATH`` items (``--weights``) -> {name: path}; an unknown name, a missing file or a repeated name is a
    :class:`BackendError`."""
    from mattestudio.models import weights as W

    known = weight_names()
    out: dict[str, str] = {}
    for item in items:
        name, eq, path = item.partition("=")
        name, path = name.strip(), path.strip()
        if not eq or not name or not path:
            raise BackendError(f"--weights {item}: use NAME=PATH (names: {', '.join(known)})")
        if name not in known:
            raise BackendError(f"--weights {item}: unknown weights name '{name}' (names: {', '.join(known)})")
        if name in out:
            raise BackendError(f"--weights {name} is given twice")
        if not os.path.isfile(os.path.expanduser(path)):
            raise W.WeightsError(f"{path}: no such file (named for weights '{name}')")
        out[name] = path
    return out


def use_weight_files(files: dict[str, str]) -> None:
    """From now on, back-ends read these files for these weights names (a file whose sha256 is not the published one
    loads as plain tensors, unverified, with a warning that shows its sha256)."""
    from mattestudio.models import weights as W

    W.name_files(files)
