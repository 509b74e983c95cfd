"""The prompts JSON format: ``{"instances": [{"name": "toy", "rounds": [[prompt, ...], ...]}]}``."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from .edge import EdgeError, EdgeSettings
from .prompts import Prompt, PromptError, prompt_from_dict

MAX_BYTES = 20 * 1024 * 1024
MAX_INSTANCES = 256
MAX_ROUNDS = 10_000


@dataclass(frozen=True)
class InstancePrompts:
    name: str
    rounds: tuple[tuple[Prompt, ...], ...]
    edge: EdgeSettings = EdgeSettings()  # the instance's edge controls (JSON "edge": {"feather": 2, ...})


def _reject_constant(name: str):
    raise PromptError(f"numbers must be finite, found {name}")


def printable(text: object, limit: int = 60) -> str:
    """``text`` on one line for an error message (control characters escaped, long text cut)."""
    s = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
    return s if len(s) <= limit else s[:limit] + "..."


def parse_prompt(d: object) -> Prompt:
    """:func:`prompt_from_dict` whose every failure on malformed JSON values is a one-line :class:`PromptError`."""
    try:
        return prompt_from_dict(d)
    except PromptError as exc:
        raise PromptError(printable(exc, 300)) from None
    except (TypeError, OverflowError):  # e.g. a list as the type, or an integer too large for a float
        raise PromptError("malformed prompt (a field has the wrong type or an impossible value)") from None


def parse_prompts(data: object) -> list[InstancePrompts]:
    """Validate the decoded JSON structure; errors say where (instance, round, prompt)."""
    if not isinstance(data, dict):
        raise PromptError("the prompts file must hold a JSON object with an 'instances' list")
    unknown = set(data) - {"instances", "version"}
    if unknown:
        raise PromptError(f"unknown top-level field(s): {printable(', '.join(sorted(map(str, unknown))))}")
    insts = data.get("instances")
    if not isinstance(insts, list) or not insts:
        raise PromptError("'instances' must be a non-empty list")
    if len(insts) > MAX_INSTANCES:
        raise PromptError(f"too many instances ({len(insts)}; at most {MAX_INSTANCES})")
    out, seen = [], set()
    for i, inst in enumerate(insts, 1):
        if not isinstance(inst, dict):
            raise PromptError(f"instance {i}: must be an object with 'name' and 'rounds'")
        extra = set(inst) - {"name", "rounds", "edge"}
        if extra:
            raise PromptError(f"instance {i}: unknown field(s) {printable(', '.join(sorted(map(str, extra))))}")
        name = inst.get("name", f"instance {i}")
        if (not isinstance(name, str) or not name.strip() or len(name) > 100 or any(c in name for c in "/\\")
                or not name.isprintable()):
            raise PromptError(f"instance {i}: name must be a non-empty string without / or \\ or control "
                              "characters (at most 100 chars)")
        name = name.strip()
        if name in seen:
            raise PromptError(f"instance {i}: the name '{name}' is used twice")
        seen.add(name)
        rounds = inst.get("rounds")
        if not isinstance(rounds, list) or not rounds:
            raise PromptError(f"instance '{name}': 'rounds' must be a non-empty list of rounds")
        if len(rounds) > MAX_ROUNDS:
            raise PromptError(f"instance '{name}': too many rounds ({len(rounds)})")
        parsed = []
        for r, rnd in enumerate(rounds, 1):
            if not isinstance(rnd, list) or not rnd:
                raise PromptError(f"instance '{name}', round {r}: a round must be a non-empty list of prompts")
            prompts = []
            for k, p in enumerate(rnd, 1):
                try:
                    prompts.append(parse_prompt(p))
                except PromptError as exc:
                    raise PromptError(f"instance '{name}', round {r}, prompt {k}: {exc}") from None
            parsed.append(tuple(prompts))
        try:
            edge = EdgeSettings.from_dict(inst.get("edge", {}))
        except EdgeError as exc:
            raise PromptError(f"instance '{name}': {printable(exc, 300)}") from None
        out.append(InstancePrompts(name, tuple(parsed), edge))
    return out


def load_prompts(path: str | os.PathLike) -> list[InstancePrompts]:
    p = Path(path)
    if not p.is_file():
        raise PromptError(f"{p}: no such prompts file")
    if p.stat().st_size > MAX_BYTES:
        raise PromptError(f"{p}: the prompts file is larger than {MAX_BYTES // 2 ** 20} MB")
    try:
        text = p.read_text(encoding="utf-8")
        data = json.loads(text, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise PromptError(f"{p}: not a UTF-8 text file") from None
    except json.JSONDecodeError as exc:
        raise PromptError(f"{p}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise PromptError(f"{p}: the JSON is nested too deeply") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise PromptError(f"{p}: invalid JSON ({printable(exc)})") from None
    try:
        return parse_prompts(data)
    except PromptError as exc:
        raise PromptError(f"{p}: {exc}") from None


def dump_prompts(instances: list[InstancePrompts]) -> str:
    def entry(i: InstancePrompts) -> dict:
        d: dict = {"name": i.name, "rounds": [[p.to_dict() for p in r] for r in i.rounds]}
        if not i.edge.identity:
            d["edge"] = i.edge.to_dict()
        return d

    return json.dumps({"instances": [entry(i) for i in instances]}, indent=1, allow_nan=False)


__all__ = ["InstancePrompts", "parse_prompts", "parse_prompt", "load_prompts", "dump_prompts", "printable"]
