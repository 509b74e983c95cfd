"""The torch side of training, imported on demand (importing this module imports no torch), like the back-end
registry's catalog: callers outside ``models`` reach the trainers through :func:`trainers`."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

_MODULES = {"run": ("mattestudio.models.training.runner", "run"),
            "RunConfig": ("mattestudio.models.training.runner", "RunConfig"),
            "make_task": ("mattestudio.models.training.trainers", "make_task"),
            "export": ("mattestudio.models.training.trainers", "export")}


def trainers() -> SimpleNamespace:
    """``run``, ``RunConfig``, ``make_task`` and ``export`` (imports torch)."""
    return SimpleNamespace(**{name: getattr(importlib.import_module(mod), attr)
                              for name, (mod, attr) in _MODULES.items()})
