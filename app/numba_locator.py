"""The numba cache locator of the desktop bundle (see :mod:`mattestudio.app.frozen_cache`); numba imports it by name
through ``NUMBA_CACHE_LOCATOR_CLASSES``."""

from __future__ import annotations

import os

from numba.core import config
from numba.core.caching import _CacheLocator


class BundleLocator(_CacheLocator):
    """A numba cache locator keyed on the module name and the build id (not on file paths or modification times)."""

    def __init__(self, py_func, py_file):
        self._lineno = py_func.__code__.co_firstlineno
        self._cache_path = os.path.join(config.CACHE_DIR, py_func.__module__)

    def get_cache_path(self):
        return self._cache_path

    def get_source_stamp(self):
        return os.environ.get("MATTESTUDIO_BUILD_ID", "unknown")

    def get_disambiguator(self):
        return str(self._lineno)

    @classmethod
    def from_function(cls, py_func, py_file):
        if not config.CACHE_DIR:
            return None
        self = cls(py_func, py_file)
        try:
            self.ensure_cache_path()
        except OSError:
            return None
        return self
