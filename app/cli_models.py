"""``mattestudio models``: every registered back-end with its roles, devices, text support and weights status."""

from __future__ import annotations

import argparse

from mattestudio.models import registry
from mattestudio.models import weights as W

NO_FILES = "none needed"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quick", action="store_true", help="do not hash weights files (status shows 'present')")


def weight_status(spec: registry.WeightSpec, quick: bool) -> str:
    if quick:
        path = W.resolve(spec)
        return "missing" if path is None else f"present ({path})"
    status = W.status(spec)
    if status in ("bundled", "found"):
        return f"{status}, sha256 ok ({W.resolve(spec)})"
    if status == "tampered":
        return f"TAMPERED: sha256 differs, refused ({W.resolve(spec)})"
    where = f"put {spec.filename} in {W.BUNDLED_DIR} or {W.cache_dir()}"
    return f"missing ({where}" + (f" or set {spec.env_var})" if spec.env_var else ")")


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def run(args: argparse.Namespace) -> int:
    cuda = cuda_available()
    for name in registry.names():
        spec = registry.info(name)
        devices = ", ".join(d + ("" if d != "cuda" or cuda else " (no GPU here)") for d in spec.devices)
        print(f"{name}  [{' + '.join(spec.roles)}]")
        print(f"  {spec.description}")
        print(f"  devices: {devices}; text prompts: {'yes, with trained text weights' if spec.accepts_text else 'no'}")
        if not spec.needs_torch:
            print(f"  weights: {NO_FILES}")
        elif not spec.weights:
            print("  weights: no trained weights shipped yet - runs with random weights (results not meaningful)")
        for w in spec.weights:
            print(f"  weights {w.name}: {weight_status(w, args.quick)}; licence {w.licence}")
    return 0
