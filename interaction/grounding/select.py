"""Choosing the detection(s) a parsed text names: the class's detections (scored for the class the text names, not
the detector's top class), narrowed by the round's other prompts, then colour, then position, size or order."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from mattestudio.models.grounding.types import COCO_CLASSES, Detection, DetectionField

from .parse import TextQuery
from .vocab import COLOUR_PROTOTYPES, plural

#: a detection of the class the text names counts from this score on
MIN_SCORE = 0.3
#: ... and only when it reaches this share of the best one (a weak duplicate does not count as "another person")
RELATIVE = 0.45
#: what a "found: ..." message lists
FOUND_SCORE = 0.4
#: a candidate carries the named colour when its share of pixels nearest that colour reaches this share of the best
COLOUR_KEEP = 0.6


class NoMatch(ValueError):
    """The text names nothing the detector found; the message says what was understood and what was found."""


@dataclass(frozen=True)
class Hint:
    """The round's other prompts: a box the detection must lie in, points it must hold."""

    box: tuple[float, float, float, float] | None = None
    points: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class Choice:
    chosen: tuple[Detection, ...]  # one; several for "all" / "both" / plurals
    considered: tuple[Detection, ...]  # the candidates the text was matched against
    note: str = ""  # something the user should know (e.g. "both" found only one)


def found_text(field: DetectionField) -> str:
    """'2 persons, 1 chair' (what the detector sees by its own best class), or 'nothing it knows'."""
    counts: dict[str, int] = {}
    for d in field.found(FOUND_SCORE):
        counts[d.name] = counts.get(d.name, 0) + 1
    if not counts:
        return "nothing it knows"
    return ", ".join(f"{n} {name if n == 1 else plural(name)}" for name, n in
                     sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def candidates(query: TextQuery, field: DetectionField) -> list[Detection]:
    if query.generic:
        out = [d for d in field.found(MIN_SCORE)]
    else:
        out = [d for label in query.labels for d in field.of_class(label, MIN_SCORE)]
    if not out:
        return []
    best = max(d.score for d in out)
    return sorted([d for d in out if d.score >= RELATIVE * best], key=lambda d: -d.score)


def _inside(d: Detection, x: float, y: float) -> bool:
    x0, y0, x1, y1 = d.box
    return x0 <= x <= x1 and y0 <= y <= y1


def narrow(cands: list[Detection], hint: Hint) -> list[Detection]:
    """Candidates that agree with the round's box (their centre inside it) and points (they hold one); all of them
    when none does."""
    out = cands
    if hint.box is not None:
        x0, y0, x1, y1 = hint.box
        inside = [d for d in out if x0 <= d.centre[0] <= x1 and y0 <= d.centre[1] <= y1]
        out = inside or out
    if hint.points:
        holding = [d for d in out if any(_inside(d, x, y) for x, y in hint.points)]
        out = holding or out
    return out


def colour_share(image: np.ndarray, box: tuple[float, float, float, float], colour: str) -> float:
    """Share of the box's central pixels (its middle 60 %) whose nearest colour prototype in Lab is ``colour``."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box
    mx, my = 0.2 * (x1 - x0), 0.2 * (y1 - y0)
    xa, ya = int(max(0, x0 + mx)), int(max(0, y0 + my))
    xb, yb = int(min(w, max(xa + 1, x1 - mx))), int(min(h, max(ya + 1, y1 - my)))
    crop = image[ya:yb, xa:xb]
    s = min(1.0, 48.0 / max(crop.shape[:2]))
    if s < 1.0:
        crop = cv2.resize(crop, (max(1, round(crop.shape[1] * s)), max(1, round(crop.shape[0] * s))),
                          interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float32)
    lab[:, 0] *= 100.0 / 255.0
    lab[:, 1:] -= 128.0
    names = list(COLOUR_PROTOTYPES)
    protos = np.array([COLOUR_PROTOTYPES[n] for n in names], np.float32)
    d = ((lab[:, None, :] - protos[None]) ** 2 * np.array([0.5, 1.0, 1.0], np.float32)).sum(-1)
    return float((d.argmin(1) == names.index(colour)).mean())


def _ordered(cands: list[Detection], relation: str | None, width: int) -> list[Detection]:
    """Candidates in the order a relation counts them (its first is the one it names)."""
    key = {
        None: lambda d: d.centre[0], "left": lambda d: d.centre[0], "right": lambda d: -d.centre[0],
        "top": lambda d: d.centre[1], "bottom": lambda d: -d.centre[1],
        "front": lambda d: (-d.box[3], -d.area), "back": lambda d: (d.box[3], d.area),
        "largest": lambda d: -d.area, "smallest": lambda d: d.area,
    }
    if relation == "middle":
        by_x = sorted(cands, key=lambda d: d.centre[0])
        if len(by_x) % 2 == 1:
            mid = by_x[len(by_x) // 2].centre[0]
        else:
            mid = width / 2
        return sorted(cands, key=lambda d: abs(d.centre[0] - mid))
    return sorted(cands, key=key[relation])


def unknown_noun(query: TextQuery) -> NoMatch:
    return NoMatch(f"'{query.noun}' is not a class the detector knows: draw a box")


def choose(query: TextQuery, field: DetectionField, image: np.ndarray, hint: Hint = Hint()) -> Choice:
    """The detection(s) ``query`` names; :class:`NoMatch` with a message when it names none. Every candidate of the
    class is ``considered`` (for display); the round's other prompts narrow which are chosen."""
    if not query.known:
        raise unknown_noun(query)
    everything = candidates(query, field)
    cands = narrow(everything, hint)
    if not cands:
        if query.generic:
            raise NoMatch(f"the detector found nothing it knows in this photo (asked: {query.describe()}): draw a "
                          "box")
        raise NoMatch(f"no {query.class_name} in this photo; found: {found_text(field)}")
    considered = tuple(everything)
    note = ""
    if query.colour:
        shares = [colour_share(image, d.box, query.colour) for d in cands]
        best = max(shares)
        if best <= 0.0:
            note = f"nothing {query.colour} among the {len(cands)} {query.class_name} found; colour ignored"
        elif query.relation is None and query.ordinal is None and query.quantity is None:
            return Choice((cands[int(np.argmax(shares))],), considered)
        else:
            cands = [d for d, s in zip(cands, shares) if s >= COLOUR_KEEP * best]
    if query.quantity == "all":
        return Choice(tuple(_ordered(cands, None, image.shape[1])), considered)
    if query.quantity == "both":
        two = _ordered(sorted(cands, key=lambda d: -d.score)[:2], None, image.shape[1])
        if len(two) < 2:
            note = f"'both' but only one {query.class_name} found"
        return Choice(tuple(two), considered, note)
    if query.relation is None and query.ordinal is None:
        return Choice((cands[0],), considered, note)
    order = _ordered(cands, query.relation, image.shape[1])
    k = query.ordinal or 1
    if k > len(order):
        raise NoMatch(f"asked for {query.describe()}, but only {len(order)} "
                      f"{query.class_name if len(order) == 1 else plural(query.class_name)} found")
    return Choice((order[k - 1] if k > 0 else order[-1],), considered, note)


def class_names(labels: tuple[int, ...]) -> str:
    return ", ".join(COCO_CLASSES[i] for i in labels)
