"""Weights files: where they are found, sha256 verification, and safe loading (never unpickling arbitrary objects).

Resolution order for a :class:`~mattestudio.models.registry.WeightSpec`: a file the user named for it (``--weights
NAME=PATH``, the app's "Import model file..."), the environment variable it names, the project's ``weights/`` folder
(bundled files), then the user cache (``~/.cache/mattestudio/weights``). A file found by the search must have the
published sha256; a file the user named may have another one (a fine-tuned or re-saved checkpoint): it is loaded as
plain tensors only, never as TorchScript or pickled code, and reported as unverified with its sha256. Nothing is
downloaded here; :func:`download` is only called on a user's explicit request.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

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


#: sha256 of files already hashed, by (path, size, modification time, inode): a 2.5 GB checkpoint is hashed once
_HASHED: dict[tuple, str] = {}


def sha256_of(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    st = os.stat(path)
    key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns, st.st_ino)
    if key in _HASHED:
        return _HASHED[key]
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(chunk)
            if not b:
                break
            h.update(b)
    _HASHED[key] = h.hexdigest()
    return _HASHED[key]


#: files the user named, by weights name (see :func:`name_files`)
_NAMED: dict[str, Path] = {}


def name_files(files: Mapping[str, str | os.PathLike], check: bool = True) -> None:
    """Use these files for these weights names from now on (replaces earlier choices; ``{}`` forgets them all).
    Every file must exist (unless ``check`` is False: restoring an earlier choice)."""
    paths = {name: Path(p).expanduser() for name, p in files.items()}
    for name, path in paths.items():
        if check and not path.is_file():
            raise WeightsError(f"{path}: no such file (named for weights '{name}')")
    _NAMED.clear()
    _NAMED.update(paths)


def named_files() -> dict[str, Path]:
    return dict(_NAMED)


def resolve(spec: WeightSpec) -> Path | None:
    """The first existing file for ``spec`` (named by the user, env var, bundled ``weights/``, user cache), or None."""
    named = _NAMED.get(spec.name)
    if named is not None and named.is_file():
        return named
    candidates = []
    if spec.env_var and os.environ.get(spec.env_var):
        candidates.append(Path(os.environ[spec.env_var]))
    candidates += [BUNDLED_DIR / spec.filename, cache_dir() / spec.filename]
    return next((c for c in candidates if c.is_file()), None)


@dataclass(frozen=True)
class Checked:
    """A weights file whose sha256 was computed: ``verified`` when it is the published one; otherwise the user named
    the file and it may be read as plain tensors only."""

    name: str
    path: Path
    sha256: str
    verified: bool
    named: bool

    @property
    def note(self) -> str:
        """The warning an unverified file earns ("" for a verified one)."""
        if self.verified:
            return ""
        return (f"{self.path}: sha256 {self.sha256} is not the published one for '{self.name}'; loaded as plain "
                "tensors, unverified")


def check(spec: WeightSpec) -> Checked | None:
    """Hash the file :func:`resolve` finds for ``spec`` (None when there is none). A file found by the search must
    match the published sha256 (else :class:`WeightsError`); a file the user named may differ (unverified)."""
    path = resolve(spec)
    if path is None:
        return None
    named = _NAMED.get(spec.name) == path
    got = sha256_of(path)
    if spec.sha256 and got == spec.sha256.lower():
        return Checked(spec.name, path, got, True, named)
    if named:
        return Checked(spec.name, path, got, False, True)
    verify(path, spec.sha256)  # raises with the standard message
    return Checked(spec.name, path, got, True, named)  # pragma: no cover - verify raised


def status(spec: WeightSpec) -> str:
    """``bundled``/``found`` (sha256 ok), ``named`` (named by the user, sha256 ok), ``unverified`` (named by the
    user, another sha256), ``tampered`` (found by the search, sha256 differs) or ``missing``."""
    path = resolve(spec)
    if path is None:
        return "missing"
    ok = not spec.sha256 or sha256_of(path) == spec.sha256
    if _NAMED.get(spec.name) == path:
        return "named" if ok else "unverified"
    if not ok:
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
    verify(path, sha256)
    return read_tensors(path)


def _first_line(exc: BaseException) -> str:
    """``Type: the first sentence of the message`` (one line)."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0].split('. ')[0] if text else ''}"[:160]


def read_tensors(path: str | os.PathLike) -> dict:
    """The state dict of a safetensors file or of a torch file read with ``weights_only=True`` (no sha256 check: the
    caller has made one). Every failure is one :class:`WeightsError` line that names the file and the reason."""
    import torch

    p = Path(path)
    if p.suffix == ".safetensors":
        from safetensors.torch import load_file

        try:
            return load_file(str(p), device="cpu")
        except Exception as exc:  # noqa: BLE001 - a damaged header or a truncated file
            raise WeightsError(f"{p}: not a readable safetensors file ({_first_line(exc)}); refusing to load it") \
                from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's note on TorchScript archives: the error below says it
            obj = torch.load(str(p), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - weights_only refuses any pickle that is not plain tensors/containers
        text = str(exc)
        if "Weights only load failed" in text and "TorchScript" not in text:
            reason = "it holds pickled objects other than tensors (code that would run on loading)"
        elif "TorchScript" in text or "torchscript" in text:
            reason = "it is a TorchScript archive, which is opened only when its sha256 is the published one"
        else:
            reason = f"truncated, damaged or not a torch/safetensors file: {_first_line(exc)}"
        raise WeightsError(f"{p}: {reason}; refusing to load it") from None
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
