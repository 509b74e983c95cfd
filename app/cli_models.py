"""``mattestudio models``: every registered back-end with its roles, devices, text support and weights status."""

from __future__ import annotations

import argparse

from mattestudio.interaction.backends import (PresetReport, WeightReport, cuda_available, parse_weight_files, reports,
                                              use_weight_files)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quick", action="store_true", help="do not hash weights files (status shows 'present')")
    p.add_argument("--weights", action="append", default=[], metavar="NAME=PATH",
                   help="check this file for these weights (repeatable), as `matte --weights` would use it")


def weight_line(w: WeightReport) -> str:
    if w.status in ("bundled", "found"):
        return f"{w.status}, sha256 ok ({w.path})"
    if w.status == "named":
        return f"named, verified: sha256 is the published one ({w.path})"
    if w.status == "unverified":
        return f"named, UNVERIFIED: another sha256 than the published one, loads as plain tensors ({w.path})"
    if w.status == "present":
        return f"present ({w.path})"
    if w.status == "tampered":
        return f"TAMPERED: sha256 differs, refused ({w.path})"
    return f"missing ({w.hint})"


#: a weights file's status, as a preset line says it
FILE_STATE = {"bundled": "present, verified", "found": "present, verified", "named": "named, verified",
              "unverified": "named, UNVERIFIED (plain tensors)", "tampered": "REFUSED (sha256 differs)",
              "missing": "missing", "present": "present (not hashed: --quick)"}


def preset_state(p: PresetReport) -> str:
    main = p.weights[0].status if p.weights else "missing"
    if main == "tampered":
        return "refused: its weights file is damaged or not the official one"
    if main == "missing":
        return "no weights file: runs with random weights (masks meaningless)"
    if p.missing_packages:
        return f"needs the packages {', '.join(p.missing_packages)}"
    return "ready" + (" (unverified file)" if main == "unverified" else "")


def run(args: argparse.Namespace) -> int:
    use_weight_files(parse_weight_files(args.weights))
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
        for p in r.presets:
            print(f"  preset {r.name}:preset={p.name} - {preset_state(p)}: {p.description}")
            for w in p.weights:
                print(f"      {w.name}: {FILE_STATE.get(w.status, w.status)}" + (f" ({w.path})" if w.path else ""))
    return 0
