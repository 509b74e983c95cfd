"""Importing a model file the user picked ("Import model file..." in the app): copied into the user cache under its
sha256 (atomically, with progress and cancel), recognised from its tensors' names and shapes (SAM ViT-B/L/H,
MobileSAM, CLIP), checked against the published sha256 (verified or not), and the back-end presets it fits. The app
remembers the copy as the file for that weights name (``use_weight_files``)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from mattestudio.models.protocol import BackendError, CancelFn, Cancelled, ProgressFn

CHUNK = 8 << 20
SUFFIXES = (".pth", ".pt", ".bin", ".safetensors")
#: SAM variant -> the weights name its file is used for
SAM_NAMES = {"vit_b": "sam_vit_b", "vit_l": "sam_vit_l", "vit_h": "sam_vit_h", "vit_t": "mobile_sam_vit_t"}
CLIP_NAME = "clip_vit_b_32_openai"


@dataclass(frozen=True)
class ImportedModel:
    source: Path
    path: Path  # the copy in the user cache, named by its sha256
    sha256: str
    weights_name: str  # what it is used for, e.g. sam_vit_b
    label: str  # e.g. "SAM ViT-B"
    verified: bool  # its sha256 is the published one
    presets: tuple[str, ...]  # back-end specs it can drive, e.g. ("iscn:preset=sam_b",)
    text_for: tuple[str, ...] = ()  # for a CLIP file: the presets whose text rounds it serves

    @property
    def summary(self) -> str:
        state = "verified (the published sha256)" if self.verified else \
            "UNVERIFIED: not a published file; it loads as plain tensors only"
        return f"{self.source.name}: {self.label} checkpoint, {state}; sha256 {self.sha256}"


def _copy_hashed(source: Path, folder: Path, progress: ProgressFn, cancel: CancelFn) -> tuple[Path, str]:
    """Copy ``source`` into ``folder`` as ``<sha256><suffix>`` through a ``.part`` file; the sha256 is computed on the
    way. An existing copy with that name is kept."""
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f".import-{os.getpid()}-{source.name}.part"
    h, total, done = hashlib.sha256(), max(1, source.stat().st_size), 0
    try:
        with open(source, "rb") as src, open(part, "wb") as out:
            while block := src.read(CHUNK):
                if cancel():
                    raise Cancelled()
                out.write(block)
                h.update(block)
                done += len(block)
                progress(0.9 * done / total, f"copying {source.name} ({done >> 20} MB)")
        target = folder / (h.hexdigest() + source.suffix.lower())
        if not target.exists():
            os.replace(part, target)
        return target, h.hexdigest()
    finally:
        if part.exists():
            part.unlink()


def _presets_using(weights_name: str) -> tuple[str, ...]:
    from mattestudio.models import registry

    out = []
    for name in registry.names("segmenter"):
        for preset in registry.info(name).presets:
            if weights_name in preset.weights:
                out.append(f"{name}:preset={preset.name}")
    return tuple(out)


def describe(path: Path) -> tuple[str, str]:
    """(weights name, label) of a SAM / MobileSAM / CLIP checkpoint, from its sha256-independent content."""
    from mattestudio.models.iscn.sam.checkpoint import architecture, shapes_of

    arch = architecture(shapes_of(path))
    if arch is None:
        raise BackendError(f"{path}: not a SAM, MobileSAM or CLIP checkpoint (no tensors with their names and "
                           "shapes)")
    if arch.kind == "sam":
        return SAM_NAMES[arch.variant], arch.label
    if arch.variant != "ViT-B/32":
        raise BackendError(f"{path}: a {arch.label} checkpoint; text rounds use CLIP ViT-B/32")
    return CLIP_NAME, arch.label


def import_model_file(source: str | os.PathLike, progress: ProgressFn = lambda f, m="": None,
                      cancel: CancelFn = lambda: False) -> ImportedModel:
    from mattestudio.models import registry
    from mattestudio.models import weights as W

    src = Path(source)
    if not src.is_file():
        raise BackendError(f"{src}: no such file")
    if src.suffix.lower() not in SUFFIXES:
        raise BackendError(f"{src}: not a checkpoint file ({', '.join(SUFFIXES)}); ONNX pairs are chosen with the "
                           "segmenter's onnx option")
    copy, sha = _copy_hashed(src, W.cache_dir() / "imported", progress, cancel)
    specs = {s.name: s for n in registry.names() for s in registry.info(n).weights}
    published = next((s for s in specs.values() if s.sha256 and s.sha256 == sha), None)
    try:
        progress(0.95, f"reading {src.name}")
        if published is not None and published.name == CLIP_NAME:
            name, label = CLIP_NAME, "CLIP ViT-B/32"  # OpenAI's TorchScript archive: known by its sha256
        else:
            name, label = describe(copy)
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    verified = published is not None and published.name == name
    if name == CLIP_NAME:
        return ImportedModel(src, copy, sha, name, label, verified, (), _presets_using(name))
    return ImportedModel(src, copy, sha, name, label, verified, _presets_using(name))
