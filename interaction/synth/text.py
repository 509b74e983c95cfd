"""Referring expressions about synthetic scenes, answerable from the image alone.

An expression is a :class:`Query` (an optional colour filter, then an optional relation: leftmost, rightmost, middle,
largest, smallest, front, back) rendered through one of several paraphrase templates. A query is emitted only when it
picks exactly one instance with a clear margin (positions apart by ``POSITION_MARGIN`` of the width, areas by
``AREA_RATIO``, front/back only when the occlusion is unambiguous), so every text names one instance. :func:`parse`
reads a text back into its query and :func:`resolve` evaluates a query on the scene's facts.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from typing import Optional

import numpy as np

POSITION_MARGIN = 0.08  # of the image width between the chosen centroid and the next one
AREA_RATIO = 1.35  # largest / second largest (and second smallest / smallest)
OCCLUSION_MIN = 0.03  # share of an instance's own area hidden by another for "is occluded by"
MIN_COLOUR_SHARE = 0.5  # share of an instance's pixels that must carry its colour name

COLOURS = ("red", "orange", "yellow", "green", "blue", "purple", "pink", "white", "black", "grey")
#: expression kinds, for reporting (spatial/size/colour are the headline; depth and combinations beside them)
KINDS = ("spatial", "size", "colour", "depth", "combo")
RELATIONS = {"left": "spatial", "right": "spatial", "middle": "spatial", "largest": "size", "smallest": "size",
             "front": "depth", "back": "depth"}

_REL_PHRASES = {
    "left": ("the leftmost {n}", "the {n} on the left", "the {n} furthest to the left", "left {n}"),
    "right": ("the rightmost {n}", "the {n} on the right", "the {n} furthest to the right", "right {n}"),
    "middle": ("the {n} in the middle", "the middle {n}", "the {n} in the centre", "the central {n}"),
    "largest": ("the largest {n}", "the biggest {n}", "the {n} that is largest", "big {n}"),
    "smallest": ("the smallest {n}", "the tiniest {n}", "the {n} that is smallest", "small {n}"),
    "front": ("the {n} in front", "the frontmost {n}", "the {n} in the foreground", "the {n} nearest to us"),
    "back": ("the {n} at the back", "the {n} behind the others", "the rearmost {n}", "the {n} in the background"),
}
_NOUNS = ("one", "object", "thing", "shape")
_COLOUR_PHRASES = ("the {c} {n}", "{c} {n}", "the {n} that is {c}", "the {c} coloured {n}")
_PREFIXES = ("", "", "select ", "matte ", "pick ")

# words parse() maps to relations (every template word above is covered)
_REL_WORDS = {
    "left": "left", "leftmost": "left", "right": "right", "rightmost": "right", "middle": "middle",
    "centre": "middle", "central": "middle", "largest": "largest", "biggest": "largest", "big": "largest",
    "smallest": "smallest", "tiniest": "smallest", "small": "smallest", "front": "front", "frontmost": "front",
    "foreground": "front", "nearest": "front", "back": "back", "behind": "back", "rearmost": "back",
    "background": "back",
}


@dataclass(frozen=True)
class InstanceFacts:
    """What the image shows of one instance (instances are listed back to front)."""

    cx: float  # centroid x of the visible mask, in [0, 1] of the width
    area: float  # visible mask area, share of the image
    colour: Optional[str]  # dominant colour name, None when no name covers most of it
    hidden: float  # share of its own (full) area hidden by instances in front of it
    occluders: frozenset[int]  # indices of instances that hide part of it


@dataclass(frozen=True)
class Query:
    colour: Optional[str] = None
    relation: Optional[str] = None

    @property
    def kind(self) -> str:
        if self.colour and self.relation:
            return "combo"
        return "colour" if self.colour else RELATIONS[self.relation or "left"]


@dataclass(frozen=True)
class Expression:
    text: str
    query: Query
    target: int  # index of the instance it names

    @property
    def kind(self) -> str:
        return self.query.kind


def colour_name(rgb: np.ndarray) -> str:
    """A basic colour name for RGB values (uint8 or float 0..255), by HSV thresholds."""
    r, g, b = (float(v) / 255.0 for v in rgb)
    h, s, v = colorsys.rgb_to_hsv(r, g, b)
    if v < 0.22:
        return "black"
    if s < 0.22:
        return "white" if v > 0.78 else "grey"
    deg = h * 360.0
    if deg < 15 or deg >= 335:
        return "pink" if (s < 0.5 and v > 0.6) else "red"
    if deg < 42:
        return "orange"
    if deg < 70:
        return "yellow"
    if deg < 165:
        return "green"
    if deg < 255:
        return "blue"
    if deg < 295:
        return "purple"
    return "pink"


def _dominant_colour(image: np.ndarray, mask: np.ndarray) -> Optional[str]:
    pix = image[mask]
    if len(pix) == 0:
        return None
    step = max(1, len(pix) // 400)
    names = [colour_name(p) for p in pix[::step]]
    values, counts = np.unique(names, return_counts=True)
    best = int(np.argmax(counts))
    return str(values[best]) if counts[best] / len(names) >= MIN_COLOUR_SHARE else None


def instance_facts(image: np.ndarray, visible: list[np.ndarray], full: list[np.ndarray]) -> list[InstanceFacts]:
    """Facts of each instance; ``visible`` / ``full`` alphas listed back to front (``full`` before occlusion)."""
    h, w = image.shape[:2]
    xs = (np.arange(w) + 0.5) / w
    out = []
    for i, (vis, own) in enumerate(zip(visible, full)):
        m = vis >= 0.5
        own_m = own >= 0.5
        area = float(m.mean())
        cx = float((m.sum(0) * xs).sum() / max(1, m.sum()))
        hidden = 1.0 - m.sum() / max(1, own_m.sum())
        occluders = frozenset(j for j in range(i + 1, len(full))
                              if (own_m & (full[j] >= 0.5)).sum() >= OCCLUSION_MIN * max(1, own_m.sum()))
        out.append(InstanceFacts(cx, area, _dominant_colour(image, m), float(max(0.0, hidden)), occluders))
    return out


def _superlative(values: list[float], largest: bool, margin: float, ratio: bool) -> Optional[int]:
    if not values:
        return None
    order = np.argsort(values)[::-1] if largest else np.argsort(values)
    if len(values) == 1:
        return int(order[0])
    a, b = values[order[0]], values[order[1]]
    if ratio:
        ok = (a >= margin * b) if largest else (b >= margin * a)
    else:
        ok = abs(a - b) >= margin
    return int(order[0]) if ok else None


def resolve(query: Query, facts: list[InstanceFacts]) -> list[int]:
    """Instances the query picks: [] or several when it is ambiguous, [i] when it names instance i."""
    cand = [i for i, f in enumerate(facts) if query.colour is None or f.colour == query.colour]
    rel = query.relation
    if rel is None:
        return cand
    if len(cand) < 2 and query.colour is None:
        return []  # a relation needs something to compare with
    if rel in ("left", "right"):
        pick = _superlative([facts[i].cx for i in cand], rel == "right", POSITION_MARGIN, False)
    elif rel == "middle":
        pick = None
        if len(cand) == 3:
            order = np.argsort([facts[i].cx for i in cand])
            xs = [facts[cand[k]].cx for k in order]
            if min(xs[1] - xs[0], xs[2] - xs[1]) >= POSITION_MARGIN:
                pick = int(order[1])
    elif rel in ("largest", "smallest"):
        pick = _superlative([facts[i].area for i in cand], rel == "largest", AREA_RATIO, True)
    elif rel == "front":
        front = [k for k, i in enumerate(cand) if all(i in facts[j].occluders for j in cand if j != i)]
        pick = front[0] if len(front) == 1 and len(cand) >= 2 else None
    elif rel == "back":
        back = [k for k, i in enumerate(cand) if all(j in facts[i].occluders for j in cand if j != i)]
        pick = back[0] if len(back) == 1 and len(cand) >= 2 else None
    else:
        raise ValueError(f"unknown relation '{rel}'")
    return [] if pick is None else [cand[pick]]


def _render(query: Query, rng: np.random.Generator) -> str:
    noun = _NOUNS[int(rng.integers(len(_NOUNS)))]
    if query.relation is None:
        text = _COLOUR_PHRASES[int(rng.integers(len(_COLOUR_PHRASES)))].format(c=query.colour, n=noun)
    else:
        phrases = _REL_PHRASES[query.relation]
        base = phrases[int(rng.integers(len(phrases)))]
        text = base.format(n=f"{query.colour} {noun}" if query.colour else noun)
    return _PREFIXES[int(rng.integers(len(_PREFIXES)))] + text


def parse(text: str) -> Query:
    """The query a rendered text means (colour word and relation word)."""
    words = text.lower().replace(",", " ").split()
    colour = next((w for w in words if w in COLOURS), None)
    relation = next((_REL_WORDS[w] for w in words if w in _REL_WORDS), None)
    return Query(colour, relation)


def candidate_queries(facts: list[InstanceFacts]) -> list[Query]:
    """Every query that names exactly one instance of the scene."""
    colours = sorted({f.colour for f in facts if f.colour})
    out = []
    for rel in RELATIONS:
        out.append(Query(None, rel))
    for c in colours:
        out.append(Query(c, None))
        shared = sum(f.colour == c for f in facts) >= 2
        if shared:  # combinations only where the colour alone is ambiguous
            out += [Query(c, rel) for rel in RELATIONS]
    return [q for q in out if len(resolve(q, facts)) == 1]


def expressions(facts: list[InstanceFacts], rng: np.random.Generator,
                target: Optional[int] = None) -> list[Expression]:
    """One paraphrase of every unambiguous query (of those naming ``target`` when given)."""
    out = []
    for q in candidate_queries(facts):
        (i,) = resolve(q, facts)
        if target is None or i == target:
            out.append(Expression(_render(q, rng), q, i))
    return out
