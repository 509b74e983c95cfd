"""Hypothesis strategies: valid prompt JSON documents, junk values, and random mutations of any JSON tree."""

from __future__ import annotations

import math
from typing import Any

from fast_docs import node_paths
from hypothesis import strategies as st

#: at the scale of the test images; larger values are drawn by the junk strategies
COORD_MAX = 60.0

BAD_NUMBERS = st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 10 ** 400, -(10 ** 30), 2 ** 63, 1e-320])
NAUGHTY_STRINGS = st.sampled_from(["", " ", "../../escape", "/etc/passwd", "a/b", "a\\b", "\0", "ü photo",
                                   "x" * 300, "NaN", "click", "C:\\Windows", "..", "manifest.json"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2 ** 70), 2 ** 70), st.floats(), BAD_NUMBERS,
                    st.text(max_size=8), NAUGHTY_STRINGS)
JUNK = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)

coord = st.floats(0.0, COORD_MAX, allow_nan=False) | st.integers(0, int(COORD_MAX))
positive = st.booleans()


@st.composite
def click(draw) -> dict:
    d = {"type": "click", "x": draw(coord), "y": draw(coord)}
    if draw(st.booleans()):
        d["positive"] = draw(positive)
    return d


@st.composite
def scribble(draw) -> dict:
    d = {"type": "scribble", "points": draw(st.lists(st.tuples(coord, coord).map(list), min_size=1, max_size=6))}
    if draw(st.booleans()):
        d["radius"] = draw(st.floats(0.5, 20.0))
    if draw(st.booleans()):
        d["positive"] = draw(positive)
    return d


@st.composite
def soft(draw) -> dict:
    d = {"type": "soft", "points": draw(st.lists(st.tuples(coord, coord).map(list), min_size=1, max_size=6))}
    if draw(st.booleans()):
        d["radius"] = draw(st.floats(0.5, 40.0))
    return d


@st.composite
def box(draw) -> dict:
    x0, y0 = draw(coord), draw(coord)
    w, h = draw(st.floats(2.5, COORD_MAX)), draw(st.floats(2.5, COORD_MAX))
    x1, y1 = x0 + w, y0 + h
    if draw(st.booleans()):  # dragged the other way round
        x0, x1 = x1, x0
    return {"type": "box", "x0": x0, "y0": y0, "x1": x1, "y1": y1}


text = st.text(st.characters(codec="utf-8"), min_size=1, max_size=30).filter(lambda t: t.strip()).map(
    lambda t: {"type": "text", "text": t})
prompt = st.one_of(click(), scribble(), box(), text, soft())


@st.composite
def prompts_document(draw) -> dict:
    """A valid prompts document (unique, non-empty instance names)."""
    names = draw(st.lists(st.text("abcdefgh ü-_", min_size=1, max_size=8).filter(lambda s: s.strip()),
                          min_size=1, max_size=3, unique_by=str.strip))
    doc: dict[str, Any] = {"instances": [
        {"name": n, "rounds": draw(st.lists(st.lists(prompt, min_size=1, max_size=3), min_size=1, max_size=3))}
        for n in names]}
    for inst in doc["instances"]:
        if draw(st.booleans()):
            inst["edge"] = draw(st.fixed_dictionaries({}, optional={
                "smooth": st.floats(0, 100), "feather": st.floats(0, 250), "contrast": st.floats(0, 100),
                "shift": st.floats(-100, 100), "decontaminate": st.floats(0, 100)}))
    if draw(st.booleans()):
        doc["version"] = 1
    return doc


def _parent(tree: Any, path: tuple) -> Any:
    for key in path[:-1]:
        tree = tree[key]
    return tree


@st.composite
def mutated(draw, tree: Any, max_edits: int = 3) -> Any:
    """``tree`` after 1..max_edits random edits: a node replaced by junk or a bad number, deleted, an unknown field
    added, or a list item duplicated. Edits the tree in place and returns it (the root may be replaced)."""
    for _ in range(draw(st.integers(1, max_edits))):
        paths = node_paths(tree)
        path = draw(st.sampled_from(paths))
        kind = draw(st.sampled_from(["junk", "number", "string", "delete", "unknown", "duplicate"]))
        value = draw(JUNK if kind == "junk" else BAD_NUMBERS if kind == "number" else NAUGHTY_STRINGS)
        if not path:
            if kind in ("junk", "number", "string"):
                tree = value
            continue
        parent, key = _parent(tree, path), path[-1]
        if kind == "delete":
            del parent[key]
        elif kind == "unknown":
            target = parent[key]
            if isinstance(target, dict):
                target[draw(st.text(min_size=1, max_size=6))] = value
            else:
                parent[key] = value
        elif kind == "duplicate" and isinstance(parent, list):
            parent.insert(key, parent[key])
        else:
            parent[key] = value
    return tree
