"""The bundled sample photo and its prompts (loaded through importlib.resources)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def sample_path() -> Path:
    """Astronaut Eileen Collins (NASA, public domain; as shipped by scikit-image's data module)."""
    return Path(str(resources.files("mattestudio.resources").joinpath("samples/astronaut.png")))


def sample_prompts_path() -> Path:
    return Path(str(resources.files("mattestudio.resources").joinpath("samples/astronaut.prompts.json")))
