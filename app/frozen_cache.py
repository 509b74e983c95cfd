"""Compiled matting code shipped with the desktop bundle, so that its first matte does not wait for numba.

The matting solver and the max-flow are numba functions compiled on first use (about a minute on 2 cores) and cached.
``packaging/build.sh`` runs the freshly built bundle once with ``NUMBA_CACHE_DIR`` pointing inside it, which fills
``_internal/numba_cache``; at start the frozen app copies that folder into the user cache (once per build) and
points numba there. Numba's own cache locators key a cache on the absolute path of each source file, which changes
wherever the bundle is unpacked; :class:`BundleLocator` keys it on the module name and the bundle's build id
instead, and the code is compiled for a generic x86-64 CPU so that it loads on any machine the bundle runs on.

Nothing here runs outside a frozen app (``sys.frozen``): a pip install keeps numba's usual cache."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

SEED = "numba_cache"  # folder inside the bundle (sys._MEIPASS) filled at build time
BUILD_ID = "BUILD_ID"  # file in that folder naming the build
LOCATOR = "mattestudio.app.numba_locator.BundleLocator"  # imported by numba itself, after this module ran


def _build_id(seed: Path) -> str:
    try:
        return (seed / BUILD_ID).read_text().strip() or "unknown"
    except OSError:
        return "unknown"


def configure(environ=os.environ, bundle: str | None = None, user_cache: str | None = None,
              frozen: bool | None = None) -> str | None:
    """Point numba at the bundle's compiled code (copied to the user cache on the first start of a build); returns
    the cache folder, or None outside a frozen app. Must run before numba is imported. An explicit
    ``NUMBA_CACHE_DIR`` (the build's warm-up run, or a user's choice) is kept as it is."""
    bundle = bundle or getattr(sys, "_MEIPASS", None)
    if bundle is None or not (getattr(sys, "frozen", False) if frozen is None else frozen):
        return None
    seed = Path(bundle) / SEED
    environ.setdefault("NUMBA_CPU_NAME", "generic")
    environ.setdefault("NUMBA_CACHE_LOCATOR_CLASSES", LOCATOR)
    environ.setdefault("MATTESTUDIO_BUILD_ID", _build_id(seed))
    if environ.get("NUMBA_CACHE_DIR"):
        return environ["NUMBA_CACHE_DIR"]
    if user_cache is None:
        from platformdirs import user_cache_dir

        user_cache = user_cache_dir("mattestudio")
    target = Path(user_cache) / "numba" / f"bundle-{environ['MATTESTUDIO_BUILD_ID']}"
    if not target.is_dir() and seed.is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            shutil.copytree(seed, tmp, dirs_exist_ok=True)
            os.replace(tmp, target)
        except OSError:  # another instance got there first (it keeps its copy), or the disk is full: compile then
            shutil.rmtree(tmp, ignore_errors=True)
    target.mkdir(parents=True, exist_ok=True)
    environ["NUMBA_CACHE_DIR"] = str(target)
    return str(target)
