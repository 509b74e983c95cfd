"""Atomic file writes: write to a temporary file beside the target, fsync, then ``os.replace``."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def current_umask() -> int:
    """The process umask, read without changing it where the system tells it (Linux), else by a set-and-restore."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(target: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces ``target``, on failure it is removed and
    ``target`` is left untouched."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=(suffix or target.suffix) + ".tmp", dir=folder)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp makes the file private (0600); the result gets what a plain open(..., "w") would give it
    os.chmod(tmp_path, 0o666 & ~current_umask())
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_bytes_atomic(target: str | os.PathLike, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
