"""Soak test of a long session: many rounds on one instance, then many instances, with the resident memory (RSS) and
the results the session holds reported every few rounds. Memory must level off: each instance keeps the results of
at most ``session.HISTORY_LIMIT`` rounds (older rounds keep only their prompts).

``python -m mattestudio.interaction.bench.soak [IMAGE] [--rounds 200] [--instances 20] [--side 256]`` prints a table.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from mattestudio.models.protocol import CancelFn, Cancelled, ProgressFn, never_cancel, no_progress

from .. import session as session_module
from ..prompts import Box, Click, Prompt, Scribble
from ..session import Session

DEFAULT_SIDE = 256
UNDO_EVERY = 7  # every so many rounds: undo the last round and redo it (exercises the history)
SEED = 0
MB = 2 ** 20


@dataclass(frozen=True)
class SoakSample:
    phase: str  # "one instance" or "N instances"
    round: int  # rounds run so far in this phase
    rss_mb: float  # resident memory of this process
    held_results: int  # rounds (over all instances, undo and redo) still holding a result
    held_mb: float  # bytes of those results (packed PNGs and unpacked arrays)
    max_held_per_instance: int
    history_limit: int


def rss_mb() -> float:
    """Current resident memory in MB (Linux /proc; elsewhere the peak from ``resource``, or NaN)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MB
    except (OSError, ValueError, IndexError):
        try:
            from .runner import peak_rss_mb
        except ImportError:  # no ``resource`` module (Windows)
            return float("nan")
        return peak_rss_mb()


def _round_bytes(rnd) -> int:
    total = 0
    if rnd.packed is not None:
        p = rnd.packed
        total += len(p.prob_png) + len(p.alpha_png) + len(p.conflict_png) + len(p.trimap_png)
    if rnd.live is not None:
        total += sum(a.nbytes for a in (rnd.live.prob, rnd.live.alpha, rnd.live.conflict, rnd.live.trimap))
        total += 0 if rnd.live.logits is None else rnd.live.logits.nbytes
    return total


def held(session: Session) -> tuple[int, int, int]:
    """(rounds holding a result, their bytes, the most such rounds in one instance)."""
    count, size, most = 0, 0, 0
    for inst in session.instances.values():
        rounds = [r for r in inst.rounds + inst.redo_rounds if r.packed is not None or r.live is not None]
        count += len(rounds)
        size += sum(_round_bytes(r) for r in rounds)
        most = max(most, len(rounds))
    return count, size, most


def _prompts(rng: random.Random, w: int, h: int, k: int) -> list[Prompt]:
    """A varied round: mostly one click, sometimes a scribble or a box."""
    x, y = rng.uniform(0, w - 1), rng.uniform(0, h - 1)
    if k == 0:
        return [Box(w * 0.2, h * 0.2, w * 0.8, h * 0.8)]
    if k % 5 == 0:
        pts = tuple((min(w - 1.0, x + 3 * i), y) for i in range(4))
        return [Scribble(pts, 2.0, rng.random() < 0.5)]
    return [Click(x, y, rng.random() < 0.6)]


def _sample(session: Session, phase: str, k: int) -> SoakSample:
    count, size, most = held(session)
    return SoakSample(phase, k, round(rss_mb(), 1), count, round(size / MB, 2), most,
                      session_module.HISTORY_LIMIT)


def run_soak(image: np.ndarray, rounds: int = 200, instances: int = 20, report_every: int = 50,
             progress: ProgressFn = no_progress, cancel: CancelFn = never_cancel, on_sample=None,
             segmenter: str = "classic", refiner: str = "classic") -> list[SoakSample]:
    """Run ``rounds`` rounds on one instance, then ``rounds`` rounds spread over ``instances`` instances (round
    robin), on one session; a sample every ``report_every`` rounds of each phase (and at each phase's end).
    ``on_sample(sample)`` is called as each sample is taken (e.g. to print it)."""
    if rounds < 1 or instances < 1 or report_every < 1:
        raise ValueError("rounds, instances and report_every must be at least 1")
    rng = random.Random(SEED)
    session = Session(image, segmenter, refiner)
    h, w = session.height, session.width
    samples: list[SoakSample] = []
    total = 2 * rounds

    def take(phase: str, k: int) -> None:
        s = _sample(session, phase, k)
        samples.append(s)
        if on_sample is not None:
            on_sample(s)

    take("start", 0)
    phases = [("one instance", ["soak"]), (f"{instances} instances", [f"soak {i + 1}" for i in range(instances)])]
    done = 0
    for phase, names in phases:
        for name in names:
            session.add_instance(name)
        for k in range(rounds):
            if cancel():
                raise Cancelled()
            name = names[k % len(names)]
            n_rounds = len(session.instance(name).rounds)
            session.run_round(name, _prompts(rng, w, h, n_rounds))
            if k % UNDO_EVERY == UNDO_EVERY - 1 and session.undo(name):
                session.redo(name)
            done += 1
            progress(done / total, f"{phase}: round {k + 1}/{rounds}")
            if (k + 1) % report_every == 0 or k + 1 == rounds:
                take(phase, k + 1)
    return samples


HEADER = f"{'phase':<14} {'round':>5} {'RSS MB':>8} {'held rounds':>11} {'held MB':>8} {'max/instance':>12}"


def format_sample(s: SoakSample) -> str:
    return (f"{s.phase:<14} {s.round:>5} {s.rss_mb:>8.1f} {s.held_results:>11} {s.held_mb:>8.2f} "
            f"{s.max_held_per_instance:>12}")


def soak_image(path: str | None, side: int = DEFAULT_SIDE) -> np.ndarray:
    """The image at ``path`` (default: the bundled sample) scaled so that its longer side is ``side`` pixels."""
    from ..imageio import load_image
    from ..samples import sample_path

    rgb = load_image(path or sample_path()).rgb
    scale = side / max(rgb.shape[:2])
    size = (max(2, round(rgb.shape[1] * scale)), max(2, round(rgb.shape[0] * scale)))
    return np.ascontiguousarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m mattestudio.interaction.bench.soak", description=__doc__.split("\n")[0])
    p.add_argument("image", nargs="?", help="photo (default: the bundled sample)")
    p.add_argument("--rounds", type=int, default=200)
    p.add_argument("--instances", type=int, default=20)
    p.add_argument("--report-every", type=int, default=50)
    p.add_argument("--side", type=int, default=DEFAULT_SIDE, help="longer side of the working image in px")
    p.add_argument("--json", help="also write the samples as JSON here")
    args = p.parse_args(argv)
    image = soak_image(args.image, args.side)
    print(f"soak: {image.shape[1]}x{image.shape[0]} px, {args.rounds} rounds on one instance, then {args.rounds} "
          f"over {args.instances} instances; history limit {session_module.HISTORY_LIMIT} rounds per instance")
    print(HEADER)
    samples = run_soak(image, args.rounds, args.instances, args.report_every,
                       on_sample=lambda s: print(format_sample(s), flush=True))
    if args.json:
        import json

        with open(args.json, "w") as f:
            json.dump([asdict(s) for s in samples], f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
