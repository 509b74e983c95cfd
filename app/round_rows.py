"""Rows of the instances panel's round list: which prompts each round held."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RoundRow:
    """One line of the instances panel's round list."""

    index: int
    counts: dict[str, int]  # prompt type -> how many


def prompt_counts(prompts) -> dict[str, int]:
    out: dict[str, int] = {}
    for p in prompts:
        kind = type(p).__name__.lower()
        out[kind] = out.get(kind, 0) + 1
    return out
