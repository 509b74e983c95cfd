"""``mattestudio models``: every registered back-end with its roles, devices, text support and weights status."""

from __future__ import annotations

import argparse

from mattestudio.interaction.backends import WeightReport, cuda_available, reports


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quick", action="store_true", help="do not hash weights files (status shows 'present')")


def weight_line(w: WeightReport) -> str:
    if w.status in ("bundled", "found"):
        return f"{w.status}, sha256 ok ({w.path})"
    if w.status == "present":
        return f"present ({w.path})"
    if w.status == "tampered":
        return f"TAMPERED: sha256 differs, refused ({w.path})"
    return f"missing ({w.hint})"


def run(args: argparse.Namespace) -> int:
    cuda = cuda_available()
    for r in reports(args.quick):
        devices = ", ".join(d + ("" if d != "cuda" or cuda else " (no GPU here)") for d in r.devices)
        print(f"{r.name}  [{' + '.join(r.roles)}]")
        print(f"  {r.description}")
        print(f"  devices: {devices}; text prompts: {'yes, with trained text weights' if r.accepts_text else 'no'}")
        if not r.needs_torch:
            print("  weights: none needed")
        elif not r.weights:
            print("  weights: no trained weights shipped yet - runs with random weights (results not meaningful)")
        for w in r.weights:
            print(f"  weights {w.name}: {weight_line(w)}; licence {w.licence}")
    return 0
