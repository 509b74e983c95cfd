"""``mattestudio synth``: write a benchmark folder of composites over background photos - synthetic multi-instance
objects (``--count``), or the real foregrounds of a matting set (``--foregrounds``, e.g. am27-clutter)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mattestudio.app.cli import CliError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, required=True, help="output folder (DIR/image + DIR/instances or DIR/alpha)")
    p.add_argument("--count", type=int, help="number of synthetic multi-instance composites")
    p.add_argument("--foregrounds", type=Path,
                   help="a matting set (DIR/image + DIR/alpha): composite its real subjects over the backgrounds "
                        "instead (evaluation only when the set is)")
    p.add_argument("--per-foreground", type=int, default=2,
                   help="with --foregrounds: backgrounds per photo, all different (default 2)")
    p.add_argument("--max-side", type=int, default=1000,
                   help="with --foregrounds: longest side of a composite in px (default 1000; subjects are never "
                        "upscaled)")
    p.add_argument("--jpeg", type=int, default=None, metavar="Q",
                   help="with --foregrounds: pass each composite through JPEG at quality Q (default: none)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument("--size", type=int, default=640, help="with --count: image width in px (height = 3/4; default 640)")
    p.add_argument("--backgrounds", type=Path, default=None,
                   help="folder of background photos (default: $MATTESTUDIO_DATA/backgrounds34)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _bar(total: int, unit: str, enabled: bool):
    """A progress callable over a tqdm bar (or none), and the bar to close."""
    bar = None
    if enabled:
        from tqdm import tqdm

        bar = tqdm(total=total, unit=unit, desc="synth", file=sys.stderr)
    last = [0]

    def progress(fraction: float, message: str = "") -> None:
        if bar is not None:
            done = int(round(fraction * total))
            bar.update(done - last[0])
            last[0] = done

    return progress, bar


def run(args: argparse.Namespace) -> int:
    from mattestudio.interaction.synth.dataset import SynthError, default_backgrounds

    if (args.count is None) == (args.foregrounds is None):
        raise CliError("give either --count N (synthetic objects) or --foregrounds DIR (real subjects)")
    folder = args.backgrounds or default_backgrounds()
    try:
        if args.foregrounds is not None:
            return _real(args, folder)
        return _synthetic(args, folder)
    except SynthError as exc:
        raise CliError(str(exc)) from None


def _synthetic(args: argparse.Namespace, folder: Path) -> int:
    from mattestudio.interaction.synth.dataset import load_backgrounds, write_dataset

    if args.count < 1:
        raise CliError("--count must be at least 1")
    if not 32 <= args.size <= 8192:
        raise CliError("--size must be between 32 and 8192 px")
    photos = load_backgrounds(folder)
    progress, bar = _bar(args.count, "image", not args.no_progress)
    try:
        names = write_dataset(args.out, args.count, args.seed, args.size, photos, progress)
    finally:
        if bar is not None:
            bar.close()
    print(f"wrote {len(names)} synthetic composites to {args.out} (image/, instances/)")
    return 0


def _real(args: argparse.Namespace, folder: Path) -> int:
    from mattestudio.interaction.synth.dataset import background_credits, load_named_backgrounds
    from mattestudio.interaction.synth.realfg import discover_foregrounds, write_set

    if args.per_foreground < 1:
        raise CliError("--per-foreground must be at least 1")
    if not 64 <= args.max_side <= 16384:
        raise CliError("--max-side must be between 64 and 16384 px")
    if args.jpeg is not None and not 1 <= args.jpeg <= 100:
        raise CliError("--jpeg must be a quality between 1 and 100")
    try:
        sources = discover_foregrounds(args.foregrounds)
        backgrounds = load_named_backgrounds(folder)
        progress, bar = _bar(len(sources), "photo", not args.no_progress)
        try:
            names = write_set(args.out, sources, backgrounds, args.per_foreground, args.seed, args.max_side,
                              args.jpeg, background_credits(folder), progress)
        finally:
            if bar is not None:
                bar.close()
    except ValueError as exc:
        raise CliError(str(exc)) from None
    print(f"wrote {len(names)} composites of real foregrounds to {args.out} (image/, alpha/, SOURCES.md)")
    return 0
