"""Runs the simulated user against our engine and the peers on every image of a benchmark folder."""

from __future__ import annotations

import resource
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mattestudio.models.protocol import CancelFn, ProgressFn, check_cancel, never_cancel, no_progress

from . import metrics as M
from .data import DataError, LoadedItem, discover, load_item
from .methods import EngineMethod, Method, OracleMethod
from .peers import GrabCutCF, trimap_cf
from .protocols import NOC_MAX_CLICKS, NOC_THRESHOLDS, Protocol, ProtocolError, UserState, make_protocol

KNOWN_PEERS = ("grabcut-cf", "trimap-cf")


@dataclass
class BenchConfig:
    data: Path
    protocol: str = "click"
    rounds: int = 5
    segmenter: str = "classic"
    refiner: str = "classic"
    peers: tuple[str, ...] = KNOWN_PEERS
    engine: bool = True
    limit: int | None = None
    seed: int = 0
    device: str = "cpu"
    separate_clicks: bool = True  # False: plain RITM rule within a round (only the clicked pixel is excluded)
    separate_strokes: bool = False  # True: a round's next scribble avoids the error region its first one handled
    oracle: bool = False  # also the ground-truth mask through the session's trimap and refiner
    noc: bool = False  # also the NoC protocol (clicks only, up to 20) for every method, after the main protocol


@dataclass
class BenchResult:
    config: dict
    records: list[dict] = field(default_factory=list)  # one per method x image x instance x round
    noc: list[dict] = field(default_factory=list)  # one per method x image x instance (noc protocol)
    peak_rss_mb: float = 0.0
    methods: list[str] = field(default_factory=list)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / (1024.0 * 1024.0) if sys.platform == "darwin" else r / 1024.0


def parse_peers(text: str) -> tuple[str, ...]:
    peers = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in peers if p not in KNOWN_PEERS]
    if unknown:
        raise ProtocolError(f"unknown peer(s) {', '.join(unknown)} (known: {', '.join(KNOWN_PEERS)})")
    return peers


def _scores(alpha: np.ndarray, gt: np.ndarray, trimap: np.ndarray | None) -> dict:
    out = {"whole": M.alpha_scores(alpha, gt).to_dict(), "iou": M.iou(alpha >= 0.5, gt >= 0.5)}
    out["unknown"] = None if trimap is None else M.alpha_scores(alpha, gt, trimap == 128).to_dict()
    return out


def _user_seed(seed: int, image: str, instance: str) -> list[int]:
    return [seed, zlib.crc32(image.encode()), zlib.crc32(instance.encode())]


def run_method(method: Method, item: LoadedItem, protocol: Protocol, seed: int,
               cancel: CancelFn = never_cancel) -> tuple[list[dict], list[dict]]:
    """All rounds of ``protocol`` for one method on one image; returns (per-round records, NoC records)."""
    names = list(item.alphas)
    method.start(item.image, names, key=item.name)
    users = {n: UserState(item.alphas[n] >= 0.5, np.random.default_rng(_user_seed(seed, item.name, n)), item.text,
                          truth=item.alphas[n])
             for n in names}
    trimap = item.trimap if len(names) == 1 else None
    records, ious = [], {n: [] for n in names}
    n_prompts = {n: 0 for n in names}
    last: dict[str, dict] = {}
    for r in range(1, protocol.rounds + 1):
        check_cancel(cancel)
        timing = {}
        for n in names:
            u = users[n]
            prompts = [] if u.done else protocol.prompts(r, u)
            if not prompts:
                continue
            out = method.run_round(n, prompts)
            u.pred, u.alpha = out.mask, out.alpha
            n_prompts[n] += len(prompts)
            timing[n] = (out.segment_seconds, out.refine_seconds)
        if not timing and protocol.name == "noc":
            break
        alphas = method.alphas()
        for n in names:
            alpha = alphas.get(n)
            if alpha is None:
                alpha = np.zeros(item.alphas[n].shape, np.float32)
            if n in timing or n not in last:
                last[n] = _scores(alpha, item.alphas[n], trimap)
            seg, ref = timing.get(n, (None, None))
            rec = {"method": method.name, "image": item.name, "instance": n, "round": r, "prompts": n_prompts[n],
                   "segment_seconds": seg, "refine_seconds": ref, "rss_mb": peak_rss_mb(), **last[n]}
            records.append(rec)
            ious[n].append(last[n]["iou"])
            if protocol.name == "noc" and last[n]["iou"] >= max(NOC_THRESHOLDS):
                users[n].done = True
    noc = []
    if protocol.name == "noc":
        for n in names:
            row = {"method": method.name, "image": item.name, "instance": n, "ious": ious[n]}
            for t in NOC_THRESHOLDS:
                row[f"noc@{int(round(t * 100))}"] = M.noc(ious[n], t, protocol.rounds)
            noc.append(row)
    return records, noc


def run_trimap_cf(item: LoadedItem) -> list[dict]:
    """The expert-trimap reference: one result per single-instance image that has a trimap."""
    if item.trimap is None or len(item.alphas) != 1:
        return []
    (n, gt), = item.alphas.items()
    out = trimap_cf(item.image, item.trimap)
    return [{"method": "trimap-cf", "image": item.name, "instance": n, "round": 1, "prompts": 0,
             "segment_seconds": 0.0, "refine_seconds": out.refine_seconds, "rss_mb": peak_rss_mb(),
             **_scores(out.alpha, gt, item.trimap)}]


def run_bench(config: BenchConfig, progress: ProgressFn = no_progress, cancel: CancelFn = never_cancel,
              on_image=None) -> BenchResult:
    """Run the benchmark; ``on_image(done, total, name, partial_result)`` is called after every image (progress bars,
    partial JSON of long runs)."""
    items = discover(config.data)
    if config.limit is not None:
        items = items[:max(0, config.limit)]
    methods: list[Method] = []
    accepts_text = False
    if config.engine:
        engine = EngineMethod(config.segmenter, config.refiner, config.device)
        accepts_text = engine.accepts_text
        methods.append(engine)
    if "grabcut-cf" in config.peers:
        methods.append(GrabCutCF())
    with_trimap = "trimap-cf" in config.peers
    oracle = OracleMethod(config.refiner, config.device) if config.oracle else None
    if not methods and not with_trimap and oracle is None:
        raise ProtocolError("nothing to run: no engine (--no-engine) and no peers")
    protocol = make_protocol(config.protocol, config.rounds, accepts_text, config.separate_clicks,
                             config.separate_strokes)
    noc_protocol = make_protocol("noc", NOC_MAX_CLICKS, accepts_text, config.separate_clicks) if config.noc else None
    if protocol.name == "text":
        missing = [it.name for it in items if not it.text]
        if missing:
            raise DataError(f"the text protocol needs DIR/text/NAME.txt; missing for {', '.join(missing[:5])}")
    cfg = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(config).items()}
    cfg["peers"] = list(config.peers)
    cfg["rounds"] = protocol.rounds
    result = BenchResult(cfg, methods=[m.name for m in methods] + (["trimap-cf"] if with_trimap else [])
                         + (["oracle"] if oracle is not None else []))
    for i, it in enumerate(items):
        check_cancel(cancel)
        item = load_item(it)
        for m in methods:
            recs, noc = run_method(m, item, protocol, config.seed, cancel)
            result.records.extend(recs)
            result.noc.extend(noc)
            if noc_protocol is not None and protocol.name != "noc":
                result.noc.extend(run_method(m, item, noc_protocol, config.seed, cancel)[1])
        if with_trimap:
            result.records.extend(run_trimap_cf(item))
        if oracle is not None:
            oracle.bind_truth({n: a >= 0.5 for n, a in item.alphas.items()})
            result.records.extend(run_method(oracle, item, make_protocol("box", 1, False), config.seed, cancel)[0])
        progress((i + 1) / len(items), it.name)
        if on_image is not None:
            result.peak_rss_mb = peak_rss_mb()
            on_image(i + 1, len(items), it.name, result)
    result.peak_rss_mb = peak_rss_mb()
    return result
