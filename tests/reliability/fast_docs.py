"""A fast generator of prompt documents and JSON mutations from a seed (``random.Random``), so that a hypothesis
example can cover a batch of documents: hypothesis draws the seeds, this module expands each into documents."""

from __future__ import annotations

import copy
import math
import random
from typing import Any

BAD_NUMBERS = [math.nan, math.inf, -math.inf, 1e308, -1e308, 10 ** 400, -(10 ** 30), 2 ** 63, 1e-320, -1, 1e9]
NAUGHTY = ["", " ", "../../escape", "/etc/passwd", "a/b", "a\\b", "\0", "ü photo", "x" * 300, "NaN", "click",
           "C:\\Windows", "..", "manifest.json", "line\nbreak", "\u202etxt.exe"]
KINDS = ("junk", "number", "string", "delete", "unknown", "duplicate", "swap_type")


def junk(rng: random.Random, depth: int = 0) -> Any:
    r = rng.random()
    if depth < 2 and r < 0.15:
        return [junk(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if depth < 2 and r < 0.3:
        return {rng.choice(NAUGHTY + ["x", "type", "points"]): junk(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    return rng.choice([None, True, False, 0, -7, 3.5, rng.choice(BAD_NUMBERS), rng.choice(NAUGHTY), [], {}])


def coord(rng: random.Random, top: float) -> float | int:
    return rng.randint(0, int(top)) if rng.random() < 0.3 else rng.uniform(0.0, top)


def prompt(rng: random.Random, w: float = 60.0, h: float = 60.0) -> dict:
    kind = rng.choice(("click", "scribble", "box", "text", "soft"))
    if kind == "click":
        d: dict = {"type": "click", "x": coord(rng, w), "y": coord(rng, h)}
        if rng.random() < 0.5:
            d["positive"] = rng.random() < 0.5
        return d
    if kind == "scribble":
        d = {"type": "scribble", "points": [[coord(rng, w), coord(rng, h)] for _ in range(rng.randint(1, 6))]}
        if rng.random() < 0.5:
            d["radius"] = rng.uniform(0.5, 20.0)
        if rng.random() < 0.5:
            d["positive"] = rng.random() < 0.5
        return d
    if kind == "soft":
        d = {"type": "soft", "points": [[coord(rng, w), coord(rng, h)] for _ in range(rng.randint(1, 6))]}
        if rng.random() < 0.5:
            d["radius"] = rng.uniform(0.5, 30.0)
        return d
    if kind == "box":
        x0, y0 = rng.uniform(0, w - 3), rng.uniform(0, h - 3)
        x1, y1 = rng.uniform(x0 + 2.5, w), rng.uniform(y0 + 2.5, h)
        return {"type": "box", "x0": x0, "y0": y0, "x1": x1, "y1": y1} if rng.random() < 0.5 else \
            {"type": "box", "x0": x1, "y0": y1, "x1": x0, "y1": y0}
    return {"type": "text", "text": rng.choice(["the cat", "  hair  ", "ü photo", "x" * 150, "a\tb"])}


def document(rng: random.Random) -> dict:
    names = rng.sample(["cat", "dog", "ü", "a b", "hair-1", "x_y", ".."], rng.randint(1, 3))
    doc: dict = {"instances": [{"name": n, "rounds": [[prompt(rng) for _ in range(rng.randint(1, 3))]
                                                      for _ in range(rng.randint(1, 3))]} for n in names]}
    if rng.random() < 0.3:
        doc["version"] = 1
    return doc


def node_paths(tree: Any, path: tuple = ()) -> list[tuple]:
    """Paths of every node of a JSON tree (the root is the empty path)."""
    out = [path]
    if isinstance(tree, dict):
        for k, v in tree.items():
            out += node_paths(v, path + (k,))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out += node_paths(v, path + (i,))
    return out


def mutate(rng: random.Random, tree: Any, edits: int = 0) -> Any:
    """A copy of ``tree`` after ``edits`` (default 1..3) random edits anywhere: junk, bad numbers, naughty strings,
    deletions, unknown fields, duplicated list items, a value of another JSON type."""
    tree = copy.deepcopy(tree)
    for _ in range(edits or rng.randint(1, 3)):
        path = rng.choice(node_paths(tree))
        kind = rng.choice(KINDS)
        value = {"number": lambda: rng.choice(BAD_NUMBERS), "string": lambda: rng.choice(NAUGHTY)}.get(
            kind, lambda: junk(rng))()
        if not path:
            tree = value if kind in ("junk", "number", "string") else tree
            continue
        parent = tree
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        if kind == "delete":
            del parent[key]
        elif kind == "unknown" and isinstance(parent[key], dict):
            parent[key][rng.choice(NAUGHTY + ["extra"])] = value
        elif kind == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        elif kind == "swap_type":
            old = parent[key]
            parent[key] = [old] if not isinstance(old, list) else (old[0] if old else {})
        else:
            parent[key] = value
    return tree
