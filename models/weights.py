"""Weights files: where they are found, sha256 verification, and safe loading (never unpickling arbitrary objects).

Resolution order for a :class:`~mattestudio.models.registry.WeightSpec`: the environment variable it names, the
project's ``weights/`` folder (bundled files), then the user cache (``~/.cache/mattestudio/weights``). Nothing is
downloaded here; :func:`download` is only called on a user's explicit request.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable

from .protocol import BackendError, Cancelled
from .registry import WeightSpec

BUNDLED_DIR = Path(__file__).resolve().parent.parent / "weights"


class WeightsError(BackendError):
    """A weights file is missing, tampered with or not loadable safely."""


def cache_dir() -> Path:
    """The user's weights cache (``MATTESTUDIO_WEIGHTS`` overrides it)."""
    env = os.environ.get("MATTESTUDIO_WEIGHTS")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("mattestudio")) / "weights"


def sha256_of(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(chunk)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def resolve(spec: WeightSpec) -> Path | None:
    """The first existing file for ``spec`` (env var, bundled ``weights/``, user cache), or None."""
    candidates = []
    if spec.env_var and os.environ.get(spec.env_var):
        candidates.append(Path(os.environ[spec.env_var]))
    candidates += [BUNDLED_DIR / spec.filename, cache_dir() / spec.filename]
    return next((c for c in candidates if c.is_file()), None)


def status(spec: WeightSpec) -> str:
    """``bundled``/``found`` (sha256 ok), ``tampered`` (sha256 differs) or ``missing``."""
    path = resolve(spec)
    if path is None:
        return "missing"
    if spec.sha256 and sha256_of(path) != spec.sha256:
        return "tampered"
    return "bundled" if path.parent == BUNDLED_DIR else "found"


def verify(path: str | os.PathLike, sha256: str) -> None:
    if not sha256:
        raise WeightsError(f"{path}: no sha256 is recorded for this file; refusing to load it")
    got = sha256_of(path)
    if got != sha256.lower():
        raise WeightsError(f"{path}: sha256 {got[:12]}... does not match the expected {sha256[:12]}...; "
                           "the file is damaged or not the official one - refusing to load it")


def load_state_dict(path: str | os.PathLike, sha256: str) -> dict:
    """Verify ``path`` against ``sha256`` and load its tensors (safetensors, or torch with ``weights_only=True``)."""
    import torch

    verify(path, sha256)
    p = Path(path)
    if p.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(p), device="cpu")
    try:
        obj = torch.load(str(p), map_location="cpu", weights_only=True)
    except Exception as exc:  # weights_only refuses any pickle that is not plain tensors/containers
        raise WeightsError(f"{p}: not a plain weights file ({type(exc).__name__}); refusing to load it") from None
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if isinstance(obj, dict) and "model" in obj and isinstance(obj["model"], dict):
        obj = obj["model"]
    if not isinstance(obj, dict):
        raise WeightsError(f"{p}: does not hold a state dict")
    return obj


def load_spec(spec: WeightSpec) -> dict:
    path = resolve(spec)
    if path is None:
        raise WeightsError(f"weights '{spec.name}' not found: put {spec.filename} in the weights folder or "
                           f"{cache_dir()}" + (f", or set {spec.env_var}" if spec.env_var else ""))
    return load_state_dict(path, spec.sha256)


def download(spec: WeightSpec, progress: Callable[[float, str], None] | None = None,
             cancel: Callable[[], bool] | None = None, opener=None) -> Path:
    """Fetch ``spec.source`` into the user cache: to a ``.part`` file, sha256-verified, then renamed into place.

    ``opener`` (default ``urllib.request.urlopen``) is injectable so tests never touch the network."""
    import urllib.request

    if not spec.sha256:
        raise WeightsError(f"weights '{spec.name}' have no recorded sha256; refusing to download them")
    if not spec.source.startswith(("https://", "http://")):
        raise WeightsError(f"weights '{spec.name}' have no download address ({spec.source!r})")
    target = cache_dir() / spec.filename
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    opener = opener or urllib.request.urlopen
    h = hashlib.sha256()
    try:
        with opener(spec.source) as resp, open(part, "wb") as out:
            total = int(resp.headers.get("Content-Length", 0) or 0) if hasattr(resp, "headers") else 0
            done = 0
            while True:
                if cancel is not None and cancel():
                    raise Cancelled()
                block = resp.read(1 << 20)
                if not block:
                    break
                out.write(block)
                h.update(block)
                done += len(block)
                if progress is not None:
                    progress(done / total if total else 0.0, f"{done / 1e6:.1f} MB")
        if h.hexdigest() != spec.sha256.lower():
            raise WeightsError(f"download of {spec.name} has sha256 {h.hexdigest()[:12]}..., expected "
                               f"{spec.sha256[:12]}...; discarded")
        os.replace(part, target)
        return target
    except OSError as exc:  # no network, an HTTP error, a full disk: one clear message, nothing left behind
        raise WeightsError(f"download of {spec.name} from {spec.source} failed: {exc}") from None
    finally:
        if part.exists():
            part.unlink()
