"""``mattestudio synth``: write a synthetic multi-instance benchmark folder (composites over background photos)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mattestudio.app.cli import CliError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, required=True, help="output folder (DIR/image, DIR/instances)")
    p.add_argument("--count", type=int, required=True, help="number of composites")
    p.add_argument("--seed", type=int, default=0, help="seed (composite i uses [seed, i]; default 0)")
    p.add_argument("--size", type=int, default=640, help="image width in px (height = 3/4 of it; default 640)")
    p.add_argument("--backgrounds", type=Path, default=None,
                   help="folder of background photos (default: $MATTESTUDIO_DATA/backgrounds34)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from mattestudio.interaction.synth.dataset import SynthError, default_backgrounds, load_backgrounds, write_dataset

    if args.count < 1:
        raise CliError("--count must be at least 1")
    if not 32 <= args.size <= 8192:
        raise CliError("--size must be between 32 and 8192 px")
    try:
        photos = load_backgrounds(args.backgrounds or default_backgrounds())
        bar = None
        if not args.no_progress:
            from tqdm import tqdm

            bar = tqdm(total=args.count, unit="image", desc="synth", file=sys.stderr)
        last = [0]

        def progress(fraction: float, message: str = "") -> None:
            if bar is not None:
                done = int(round(fraction * args.count))
                bar.update(done - last[0])
                last[0] = done

        try:
            names = write_dataset(args.out, args.count, args.seed, args.size, photos, progress)
        finally:
            if bar is not None:
                bar.close()
    except SynthError as exc:
        raise CliError(str(exc)) from None
    print(f"wrote {len(names)} synthetic composites to {args.out} (image/, instances/)")
    return 0
