"""``mattestudio bench``: the simulated-user benchmark (quality per round) and ``--speed`` (time and memory by size)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mattestudio.app.cli import CliError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, help="benchmark folder (DIR/image + DIR/alpha or DIR/instances)")
    p.add_argument("--protocol", default="click", help="click, scribble, box, mixed, text, noc or refine (round 1 a box, round 2 soft strokes "
                        "where the truth is soft and the result wrong, then clicks; default click)")
    p.add_argument("--rounds", type=int, default=5, help="rounds per image (default 5; box: 1; noc: up to 20 clicks)")
    p.add_argument("--segmenter", default="classic", help="segmenter back-end (default classic)")
    p.add_argument("--refiner", default="classic",
                   help="refiner back-end (default classic); with --speed a comma-separated list to compare")
    p.add_argument("--peers", default="grabcut-cf,trimap-cf",
                   help="comma-separated peers run on the same protocol (grabcut-cf, trimap-cf); '' for none")
    p.add_argument("--no-engine", action="store_true", help="run only the peers")
    p.add_argument("--limit", type=int, default=None, help="only the first N images")
    p.add_argument("--seed", type=int, default=0, help="seed of the simulated user (default 0)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto (default cpu)")
    p.add_argument("--click-spacing", choices=("separated", "pixel"), default="separated",
                   help="clicks of one round: separated error regions (default) or the plain RITM rule that only "
                        "excludes the clicked pixel")
    p.add_argument("--scribble-spacing", choices=("stroke", "separated"), default="stroke",
                   help="scribbles of one round: the next one only avoids the earlier strokes' pixels (default, the "
                        "protocol's rule) or also the error region around them, as separated clicks do")
    p.add_argument("--oracle", action="store_true",
                   help="also the ground-truth mask through the session's trimap and refiner: the limit of the mask "
                        "-> trimap -> refiner pipeline on this set")
    p.add_argument("--noc", action="store_true",
                   help="also the NoC protocol (clicks only, up to 20) for the engine and the peers: clicks to IoU "
                        "0.85 / 0.90")
    p.add_argument("--panels", type=Path, metavar="DIR",
                   help="write image | truth | result pictures of the engine's worst photos into DIR (made from the "
                        "data: keep them where the data's terms allow)")
    p.add_argument("--worst", type=int, default=5, help="with --panels: how many of the worst photos (default 5)")
    p.add_argument("--json", type=Path, help="write every per-image number and the summary as JSON")
    p.add_argument("--plot", type=Path, help="write a PNG plot of SAD and IoU per round")
    p.add_argument("--md", type=Path, help="write the markdown table")
    p.add_argument("--speed", action="store_true",
                   help="time one round and an export on generated 1/4/12 MP images instead (no data needed)")
    p.add_argument("--sizes", default="1,4,12",
                   help="with --speed, --edge or --large-unknown: megapixel sizes (default 1,4,12)")
    p.add_argument("--edge", action="store_true",
                   help="time one change of each edge control as the window draws it while a slider moves (preview "
                        "size) on generated photos of --sizes megapixels (no data needed)")
    p.add_argument("--large-unknown", action="store_true",
                   help="time and check the refiners (--refiner, comma-separated) when --unknown-share of a generated "
                        "photo of each of --sizes megapixels is painted soft (no data needed)")
    p.add_argument("--unknown-share", type=float, default=0.3, help="with --large-unknown: share painted soft "
                                                                      "(default 0.3)")
    p.add_argument("--direct", action="store_true",
                   help="with --large-unknown: give a learned refiner the soft strokes itself instead of solving them "
                        "with the classic one (how it fares on them)")
    p.add_argument("--soak", action="store_true",
                   help="long session instead: 200 rounds on one instance, then 200 over 20 instances, printing RSS "
                        "and the undo history held every 50 rounds (bundled sample, or the photo given as --data)")
    p.add_argument("--soak-rounds", type=int, default=200, help="with --soak: rounds per phase (default 200)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    if args.speed:
        return _run_speed(args)
    if args.edge or args.large_unknown:
        return _run_edge_or_large(args)
    if args.soak:
        return _run_soak(args)
    return _run_bench(args)


def _run_soak(args: argparse.Namespace) -> int:
    import json

    from mattestudio.interaction.bench import soak

    if args.soak_rounds < 1:
        raise CliError("--soak-rounds must be at least 1")
    image = soak.soak_image(str(args.data) if args.data is not None and args.data.is_file() else None)
    print(f"soak: {image.shape[1]}x{image.shape[0]} px, {args.soak_rounds} rounds on one instance, then "
          f"{args.soak_rounds} over 20 instances", flush=True)
    print(soak.HEADER, flush=True)
    samples = soak.run_soak(image, rounds=args.soak_rounds, segmenter=args.segmenter, refiner=args.refiner,
                            on_sample=lambda s: print(soak.format_sample(s), flush=True))
    if args.json:
        args.json.write_text(json.dumps([s.__dict__ for s in samples], indent=1))
    return 0


def _run_bench(args: argparse.Namespace) -> int:
    from mattestudio.interaction.bench import report
    from mattestudio.interaction.bench.data import DataError
    from mattestudio.interaction.bench.protocols import ProtocolError
    from mattestudio.interaction.bench.runner import BenchConfig, parse_peers, run_bench

    if args.data is None:
        raise CliError("--data DIR is required (or use --speed)")
    try:
        peers = parse_peers(args.peers)
        config = BenchConfig(args.data, args.protocol, args.rounds, args.segmenter, args.refiner, peers,
                             not args.no_engine, args.limit, args.seed, args.device,
                             args.click_spacing == "separated", args.scribble_spacing == "separated",
                             args.oracle, args.noc)
        bar = None
        if not args.no_progress:
            from tqdm import tqdm

            bar = tqdm(unit="image", desc=f"bench {args.protocol}", file=sys.stderr)

        def on_image(done: int, total: int, name: str, partial) -> None:
            if args.json and done < total:  # long runs keep a partial JSON up to date
                report.write_json(partial, args.json)
            if bar is not None:
                bar.total = total
                bar.set_postfix_str(name)
                bar.update(1)

        try:
            result = run_bench(config, on_image=on_image)
        finally:
            if bar is not None:
                bar.close()
    except (DataError, ProtocolError) as exc:
        raise CliError(str(exc)) from None
    title = f"mattestudio bench --protocol {args.protocol} on {Path(args.data).name}"
    print(report.markdown(result, title))
    if args.json:
        report.write_json(result, args.json)
    if args.md:
        report.write_markdown(result, args.md, title)
    if args.plot:
        report.write_plot(result, args.plot, title)
    if args.panels and config.engine:
        from mattestudio.interaction.bench.panels import write_worst_panels

        for path in write_worst_panels(result, config, args.worst, args.panels):
            print(f"wrote {path}")
    return 0


def _run_speed(args: argparse.Namespace) -> int:
    from mattestudio.interaction.bench import speed

    sizes = _sizes(args.sizes, speed.MAX_MP)
    refiners = [r.strip() for r in args.refiner.split(",") if r.strip()]
    try:
        rows = speed.run_speed(sizes, args.segmenter, refiners, args.device, on_row=lambda r: print(
            speed.format_row(r), flush=True), header=lambda: print(speed.HEADER, flush=True))
    except speed.SpeedError as exc:
        raise CliError(str(exc)) from None
    if args.json:
        speed.write_json(rows, args.json)
    return 0


def _sizes(text: str, limit: float) -> list[float]:
    try:
        sizes = [float(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise CliError(f"--sizes must be comma-separated numbers of megapixels, got '{text}'") from None
    if not sizes or any(s <= 0 or s > limit for s in sizes):
        raise CliError(f"--sizes must be between 0 and {limit:g} megapixels")
    return sizes


def _run_edge_or_large(args: argparse.Namespace) -> int:
    from mattestudio.interaction.bench.speed import MAX_MP

    sizes = _sizes(args.sizes, MAX_MP)
    if args.edge:
        from . import bench_edge

        print(bench_edge.HEADER, flush=True)
        bench_edge.run_edge(sizes, args.json, on_row=lambda r: print(bench_edge.format_row(r), flush=True))
        return 0
    import json

    from mattestudio.interaction.bench import large_unknown as lu

    if not 0 < args.unknown_share < 0.8:
        raise CliError("--unknown-share must lie between 0 and 0.8")
    refiners = [r.strip() for r in args.refiner.split(",") if r.strip()]
    print(lu.HEADER, flush=True)
    rows = lu.run_large_unknown(sizes, refiners, args.unknown_share, args.device,
                                on_row=lambda r: print(lu.format_row(r), flush=True), direct=args.direct)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"rows": rows}, indent=1), encoding="utf-8")
    return 0
