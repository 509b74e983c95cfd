"""``python -m mattestudio.interaction.grounding.bench``: the numbers of docs/BENCHMARKS.md, "Text grounding".

- detector: seconds per photo (one 416 x 416 pass, and the default two passes) and the process's peak RSS;
- the text set (``tests/data/text_set.json``): the share of texts whose chosen box has IoU >= 0.7 with the
  expected one;
- text-only first rounds through the session on those photos: the matte's IoU with the truth where there is one,
  with the person prior on and off;
- the person prior on portraits (the astronaut, the composed scenes, and the astronaut cut out with the hand-made mask
  over real backgrounds of backgrounds34; synthetic, labelled so): the box with "the person", then two rounds of
  three clicks, with the prior on, off, and in its "detect" mode without the text;
- the grounding step's own time per round at 1 MP (the first round of a photo runs the detector; later ones reuse it).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from mattestudio.models.grounding.types import box_iou

from ..bench.metrics import iou as mask_iou
from ..bench.runner import peak_rss_mb
from ..bench.simulator import round_clicks, simulated_box
from ..prompts import Text
from ..session import Session
from .parse import parse_query
from .scenes import data_dir, scene
from .select import NoMatch, choose
from .step import GroundingStep

ROOT = Path(__file__).resolve().parents[2]
TEXT_SET = ROOT / "tests" / "data" / "text_set.json"
HIT_IOU = 0.7


class Photos:
    """The text set's photos and their true masks, built once."""

    def __init__(self, text_set: Path, data: str | None):
        spec = json.loads(text_set.read_text())
        self.items = spec["items"]
        mask_file = text_set.parent / spec["truth"]["astronaut"]
        self.person = cv2.imread(str(mask_file), cv2.IMREAD_GRAYSCALE) > 127
        self.data = data
        self._cache: dict[str, tuple] = {}

    def get(self, name: str):
        if name not in self._cache:
            self._cache[name] = scene(name, self.data, self.person)
        return self._cache[name]

    def truth(self, item) -> np.ndarray | None:
        """The true mask of the instance the item names (the one whose box best matches its expected box)."""
        _, masks = self.get(item["scene"])
        best, best_iou = None, 0.0
        for m in masks:
            ys, xs = np.nonzero(m)
            iou = float(box_iou((xs.min(), ys.min(), xs.max(), ys.max()), item["box"])[0, 0])
            if iou > best_iou:
                best, best_iou = m, iou
        return best if best_iou >= 0.5 else None

    def available(self) -> list[dict]:
        ok = []
        for item in self.items:
            try:
                self.get(item["scene"])
            except ValueError as exc:
                print(f"skipped {item['scene']}: {exc}", file=sys.stderr)
                continue
            ok.append(item)
        return ok


def one_megapixel(photos: Photos) -> np.ndarray:
    """The two-person scene (2:1) upscaled to 1448 x 724 (1.05 MP)."""
    return cv2.resize(photos.get("astronaut-pair")[0], (1448, 724), interpolation=cv2.INTER_CUBIC)


def detector_speed(photos: Photos, repeats: int) -> dict:
    big = one_megapixel(photos)
    rss0 = peak_rss_mb()
    out = {"rss_before_mb": round(rss0, 1)}
    for fit in ("letterbox", "both"):
        g = GroundingStep(fit_detector=fit).grounder
        g.detect(big, "warm-up")
        times = []
        for k in range(repeats):
            t = time.perf_counter()
            g.detect(big, f"{fit}-{k}")
            times.append(time.perf_counter() - t)
        out[f"{fit}_s_p50"] = round(float(np.median(times)), 3)
        out[f"{fit}_s_min"] = round(float(np.min(times)), 3)
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out


def text_set(photos: Photos, items: list[dict], grounder) -> dict:
    rows, hits = [], 0
    for item in items:
        img, _ = photos.get(item["scene"])
        query = parse_query(item["text"])
        try:
            choice = choose(query, grounder.detect(img, item["scene"]), img)
            best = choice.chosen[0]
            box, iou, label = best.box, float(box_iou(best.box, item["box"])[0, 0]), best.name
        except NoMatch as exc:
            box, iou, label = None, 0.0, f"no match: {exc}"
        hits += iou >= HIT_IOU
        rows.append({"scene": item["scene"], "text": item["text"], "iou": round(iou, 3), "chosen": label,
                     "box": None if box is None else [round(v) for v in box]})
    return {"items": len(items), "hits": hits, "share": round(hits / max(1, len(items)), 3), "rows": rows}


def text_rounds(photos: Photos, items: list[dict], grounder, prior: str) -> dict:
    rows = []
    for item in items:
        truth = photos.truth(item)
        if truth is None:
            continue
        img, _ = photos.get(item["scene"])
        s = Session(img)
        s.grounding = GroundingStep(prior=prior, grounder=grounder)
        s.add_instance("a")
        try:
            r = s.run_round("a", [Text(item["text"])])
            iou = mask_iou(r.alpha >= 0.5, truth)
        except ValueError:
            iou = 0.0
        rows.append({"scene": item["scene"], "text": item["text"], "iou": round(iou, 3)})
    ious = [r["iou"] for r in rows]
    return {"rounds": len(rows), "mean_iou": round(float(np.mean(ious)), 4) if ious else None, "rows": rows}


def portraits(photos: Photos, count: int, seed: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, photo, true mask): the astronaut, each person of the composed scenes, and ``count`` synthetic
    composites of the astronaut (cut out with the hand-made mask) over real background photos."""
    out = [("astronaut", *(lambda s: (s[0], s[1][0]))(photos.get("astronaut")))]
    for name in ("astronaut-pair", "astronaut-trio", "astronaut-blue"):
        img, masks = photos.get(name)
        out += [(f"{name}#{k}", img, m) for k, m in enumerate(masks)]
    folder = data_dir(photos.data) / "backgrounds34"
    bgs = sorted(p for p in folder.glob("*.jpg")) if folder.is_dir() else []
    if not bgs:
        print(f"no background photos in {folder}: synthetic portraits skipped", file=sys.stderr)
        return out
    rng = np.random.default_rng(seed)
    person, mask = photos.get("astronaut")[0], photos.person
    for k in range(count):
        bg = cv2.cvtColor(cv2.imread(str(bgs[int(rng.integers(len(bgs)))])), cv2.COLOR_BGR2RGB)
        s = 640 / max(bg.shape[:2])
        bg = cv2.resize(bg, (round(bg.shape[1] * s), round(bg.shape[0] * s)), interpolation=cv2.INTER_AREA)
        side = int(min(bg.shape[:2]) * rng.uniform(0.55, 0.95))
        p = cv2.resize(person, (side, side), interpolation=cv2.INTER_AREA)
        m = cv2.resize(mask.astype(np.uint8), (side, side), interpolation=cv2.INTER_NEAREST).astype(bool)
        x = int(rng.integers(0, bg.shape[1] - side + 1))
        y = bg.shape[0] - side
        img, truth = bg.copy(), np.zeros(bg.shape[:2], bool)
        img[y:, x:x + side][m] = p[m]
        truth[y:, x:x + side] = m
        out.append((f"composite-{k}", img, truth))
    return out


def prior_rounds(cases, grounder, prior: str, text: str | None, rounds: int = 3) -> dict:
    """A box round (the truth's box, padded as the simulated user pads it; with ``text`` beside it), then rounds of
    three clicks; the mean IoU after each round."""
    ious = []
    for name, img, truth in cases:
        s = Session(img)
        s.grounding = GroundingStep(prior=prior, grounder=grounder)
        s.add_instance("a")
        clicked = np.zeros(truth.shape, bool)
        res = s.run_round("a", [simulated_box(truth)] + ([Text(text)] if text else []))
        row = [mask_iou(res.alpha >= 0.5, truth)]
        for _ in range(rounds - 1):
            clicks = round_clicks(truth, res.alpha >= 0.5, 3, clicked)
            res = s.run_round("a", clicks) if clicks else res
            row.append(mask_iou(res.alpha >= 0.5, truth))
        ious.append(row)
    mean = np.mean(ious, axis=0)
    return {"cases": len(ious), "iou_per_round": [round(float(v), 4) for v in mean],
            "per_case": [[round(v, 3) for v in r] for r in ious]}


def round_speed(photos: Photos, grounder_factory) -> dict:
    """Seconds the grounding step adds to a round at 1 MP: the first text round of a photo (detector included), a
    repeated text round, and click rounds of a person (the prior's crop is cached)."""
    big = one_megapixel(photos)
    step = GroundingStep(grounder=grounder_factory())
    step.grounder.person(np.zeros((64, 64, 3), np.uint8), (0, 0, 63, 63), "warm-up")  # networks loaded, not timed
    s = Session(big)
    s.grounding = step
    s.add_instance("a")
    from ..prompts import Click

    out = {}
    for label, prompts in (("first_text_round", [Text("the woman on the left")]),
                           ("second_text_round", [Text("the woman on the left")]),
                           ("click_round", [Click(200, 500)]), ("click_round_2", [Click(320, 160)])):
        ticket = s.begin_round("a", prompts)
        t = time.perf_counter()
        g = step.ground(ticket, s.segmenter)
        out[label + "_s"] = round(time.perf_counter() - t, 3)
        res = s._compute(g.ticket, g.prior, lambda *a: None, lambda: False)
        g.annotate(res, [])
        s.commit(ticket, res)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m mattestudio.interaction.grounding.bench", description=__doc__)
    p.add_argument("--set", default=str(TEXT_SET), help="the text set (JSON)")
    p.add_argument("--data", default=None, help="data folder with alphamatting27 and backgrounds34 "
                                                 "(default: MATTESTUDIO_DATA or ../shared/data)")
    p.add_argument("--fit", default="both", choices=("both", "letterbox", "warp"), help="detector passes")
    p.add_argument("--parts", default="speed,set,rounds,prior,round-speed")
    p.add_argument("--portraits", type=int, default=8, help="synthetic portrait composites")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--out", help="write the numbers as JSON")
    args = p.parse_args(argv)
    parts = set(args.parts.split(","))
    photos = Photos(Path(args.set), args.data)
    items = photos.available()
    grounder = GroundingStep(fit_detector=args.fit).grounder
    report: dict = {}
    if args.out and Path(args.out).is_file():  # the parts run now replace theirs, the others stay
        report = json.loads(Path(args.out).read_text())
    report.update({"fit": args.fit, "date": time.strftime("%Y-%m-%d")})
    if "speed" in parts:
        report["detector"] = detector_speed(photos, args.repeats)
        print("detector:", report["detector"])
    if "set" in parts:
        report["text_set"] = text_set(photos, items, grounder)
        for r in report["text_set"]["rows"]:
            print(f"  {r['iou']:.3f} {'ok ' if r['iou'] >= HIT_IOU else 'MISS'} {r['scene']:16s} {r['text']!r} -> "
                  f"{r['chosen']}")
        t = report["text_set"]
        print(f"text set: {t['hits']}/{t['items']} = {100 * t['share']:.1f} % with box IoU >= {HIT_IOU}")
    if "rounds" in parts:
        for prior in ("text", "off"):
            key = f"text_rounds_prior_{prior}"
            report[key] = text_rounds(photos, items, grounder, prior)
            print(f"{key}: mean matte IoU {report[key]['mean_iou']} over {report[key]['rounds']} rounds")
    if "prior" in parts:
        cases = portraits(photos, args.portraits, seed=0)
        for prior, text in (("text", "the person"), ("off", "the person"), ("detect", None)):
            key = f"portraits_{prior}_{'text' if text else 'box'}"
            report[key] = prior_rounds(cases, grounder, prior, text)
            print(f"{key}: {report[key]['cases']} portraits, IoU per round {report[key]['iou_per_round']}")
    if "round-speed" in parts:
        report["round_speed_1mp"] = round_speed(photos, lambda: GroundingStep(fit_detector=args.fit).grounder)
        print("grounding step per round at 1 MP:", report["round_speed_1mp"])
    report["peak_rss_mb"] = round(peak_rss_mb(), 1)
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
