"""``mattestudio train iscn|mrn|mask2alpha|gfm``: train a network on the synthetic stream, with resume, fixed seeds,
loss per step in DIR/log.jsonl, periodic held-out evaluation and small safetensors checkpoints."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mattestudio.app.cli import CliError

MODELS = ("iscn", "mrn", "mask2alpha", "gfm")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", choices=MODELS, help="network to train (the refiners after the ISCN: DFIMat's schedule)")
    p.add_argument("--config", type=Path, required=True, help="training config JSON (models/training/configs/)")
    p.add_argument("--out", type=Path, required=True, help="run folder: log.jsonl, checkpoint/, final weights")
    p.add_argument("--resume", action="store_true", help="continue from DIR/checkpoint (same data order)")
    p.add_argument("--steps", type=int, default=None, help="total steps (overrides the config)")
    p.add_argument("--until", type=int, default=None,
                   help="stop at this step with a checkpoint (a chunk of the run; the schedule still spans --steps)")
    p.add_argument("--seed", type=int, default=None, help="seed (overrides the config)")
    p.add_argument("--device", choices=("cpu", "cuda", "auto"), default=None,
                   help="where to train (overrides the config's \"device\", cpu by default)")
    p.add_argument("--workers", type=int, default=None,
                   help="processes that make the next batches ahead (overrides the config's \"workers\"; 0: none)")
    p.add_argument("--minutes", type=float, default=None,
                   help="end this chunk at the first step past this much training time, with a checkpoint")
    p.add_argument("--data", type=Path, default=None,
                   help="folder of background photos (default: $MATTESTUDIO_DATA/backgrounds34)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from mattestudio.interaction.synth.dataset import default_backgrounds
    from mattestudio.interaction.training import TrainingError, train

    if args.steps is not None and args.steps < 1:
        raise CliError("--steps must be at least 1")
    if args.until is not None and args.until < 1:
        raise CliError("--until must be at least 1")
    if args.workers is not None and args.workers < 0:
        raise CliError("--workers must be 0 or more")
    if args.minutes is not None and args.minutes <= 0:
        raise CliError("--minutes must be positive")
    bar = None
    if not args.no_progress:
        from tqdm import tqdm

        bar = tqdm(total=1000, unit="‰", desc=f"train {args.model}", file=sys.stderr)
    last = [0]

    def progress(fraction: float, message: str = "") -> None:
        if bar is not None:
            done = int(round(fraction * 1000))
            bar.update(done - last[0])
            bar.set_postfix_str(message)
            last[0] = done

    try:
        result = train(args.model, args.config, args.out, args.data or default_backgrounds(), args.resume,
                       args.steps, args.seed, progress, until=args.until, device=args.device,
                       workers=args.workers, seconds=None if args.minutes is None else 60.0 * args.minutes)
    except TrainingError as exc:
        raise CliError(str(exc)) from None
    finally:
        if bar is not None:
            bar.close()
    print(json.dumps(result))
    return 0
