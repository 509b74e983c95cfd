"""MatteStudio: interactive image matting.

The sub-packages live in the repository's top-level folders: ``app/`` (Qt and the command line),
``interaction/`` (session, prompts, export) and ``models/`` (back-ends), mapped here by setuptools.
"""

import os as _os
import sys as _sys

__version__ = "0.1.0"


def _numba_cache_dir() -> str:
    """Compiled matting kernels go to the user cache (not next to the installed package, which may be read-only), so
    only the very first run pays the compilation."""
    base = _os.environ.get("XDG_CACHE_HOME") or _os.path.join(_os.path.expanduser("~"), ".cache")
    return _os.path.join(base, "mattestudio", "numba")


if not getattr(_sys, "frozen", False):  # the desktop bundle ships its compiled code (app/frozen_cache.py)
    _os.environ.setdefault("NUMBA_CACHE_DIR", _numba_cache_dir())
