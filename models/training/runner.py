"""A resumable training run: seeded steps, loss per step to ``DIR/log.jsonl``, periodic evaluation on a held-out
split, checkpoints as safetensors (model + optimizer state) with a small JSON state, and resume from them.

The data of step ``i`` depends only on (seed, i), so a resumed run sees exactly the batches it would have seen."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from ..nn.checkpoint import save_checkpoint, strict_load
from ..protocol import CancelFn, ProgressFn, check_cancel, never_cancel, no_progress

CHECKPOINT = "checkpoint"


@dataclass(frozen=True)
class RunConfig:
    model: str
    preset: str = "tiny"
    net: dict = field(default_factory=dict)  # options over the preset (e.g. a smaller training input_size)
    steps: int = 100
    batch: int = 4
    lr: float = 1e-3
    weight_decay: float = 1e-4
    clip_norm: float = 1.0
    warmup: int = 20
    seed: int = 0
    eval_every: int = 100
    eval_count: int = 24
    checkpoint_every: int = 50
    threads: int = 1
    workers: int = 0  # processes that make the next batches ahead (0: the training process makes them)
    device: str = "cpu"  # cpu, cuda or auto
    options: dict = field(default_factory=dict)  # model-specific (tasks, crop, coarse source, ...)

    @classmethod
    def from_dict(cls, d: dict) -> "RunConfig":
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown training config keys: {', '.join(unknown)}")
        return cls(**d)

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class Task:
    """What the runner needs from one network's trainer."""

    net: nn.Module
    loss: Callable[[int], torch.Tensor]  # step -> loss of that step's batch
    evaluate: Callable[[], dict]  # held-out metrics


def _save_optimizer(opt: torch.optim.Optimizer, path: Path) -> dict:
    from safetensors.torch import save_file

    sd = opt.state_dict()
    tensors = {f"{pid}.{k}": v.contiguous() for pid, st in sd["state"].items() for k, v in st.items()
               if torch.is_tensor(v)}
    save_file(tensors, str(path))
    return {"param_groups": sd["param_groups"]}


def _load_optimizer(opt: torch.optim.Optimizer, path: Path, meta: dict) -> None:
    from safetensors.torch import load_file

    flat = load_file(str(path))
    state: dict = {}
    for key, v in flat.items():
        pid, name = key.split(".", 1)
        state.setdefault(int(pid), {})[name] = v
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


def save_state(out: Path, net: nn.Module, opt: torch.optim.Optimizer, step: int, cfg: RunConfig) -> None:
    """Write the checkpoint atomically enough: files to a temp folder, then rename it over the old one."""
    tmp = out / (CHECKPOINT + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    sha = save_checkpoint(net, tmp / "model.safetensors")
    meta = _save_optimizer(opt, tmp / "optimizer.safetensors")
    state = {"step": step, "config": cfg.to_dict(), "model_sha256": sha, "torch_rng": torch.get_rng_state().tolist(),
             **meta}
    (tmp / "state.json").write_text(json.dumps(state))
    final = out / CHECKPOINT
    old = out / (CHECKPOINT + ".old")
    if final.exists():
        os.replace(final, old)
    os.replace(tmp, final)
    if old.exists():
        for f in old.iterdir():
            f.unlink()
        old.rmdir()


def load_state(out: Path, net: nn.Module, opt: torch.optim.Optimizer) -> int:
    """Restore model, optimizer and torch RNG from ``out/checkpoint``; returns the step to continue from."""
    from safetensors.torch import load_file

    ck = out / CHECKPOINT
    state = json.loads((ck / "state.json").read_text())
    strict_load(net, load_file(str(ck / "model.safetensors")))
    _load_optimizer(opt, ck / "optimizer.safetensors", state)
    torch.set_rng_state(torch.tensor(state["torch_rng"], dtype=torch.uint8))
    return int(state["step"])


def _lr_at(cfg: RunConfig, step: int) -> float:
    """Linear warm-up, then cosine decay to 10% of ``lr``."""
    import math

    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    t = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, t))))


def run(task: Task, cfg: RunConfig, out: Path, resume: bool = False, progress: ProgressFn = no_progress,
        cancel: CancelFn = never_cancel, until: int | None = None, seconds: float | None = None) -> dict:
    """Train ``task`` toward ``cfg.steps`` steps in ``out`` (stopping early at step ``until``, or at the first step
    that ends after ``seconds`` of this call, with a checkpoint and an evaluation there: a chunk of a longer run);
    returns the last evaluation."""
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(cfg.seed)
    net = task.net
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    start = load_state(out, net, opt) if resume and (out / CHECKPOINT / "state.json").exists() else 0
    log_path = out / "log.jsonl"
    if not resume or not log_path.exists():
        log_path.write_text("")
    else:  # drop lines of steps after the checkpoint (a run stopped between checkpoints repeats them)
        keep = [x for x in log_path.read_text().splitlines() if x and json.loads(x)["step"] <= start]
        log_path.write_text("".join(k + "\n" for k in keep))
    last_eval: dict = {}
    end = cfg.steps if until is None else max(start, min(cfg.steps, int(until)))
    t0 = time.perf_counter()
    with open(log_path, "a") as log:
        for step in range(start, end):
            check_cancel(cancel)
            net.train()
            for g in opt.param_groups:
                g["lr"] = _lr_at(cfg, step)
            loss = task.loss(step)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"loss became {loss.item()} at step {step}")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.clip_norm > 0:
                nn.utils.clip_grad_norm_(params, cfg.clip_norm)
            opt.step()
            done = step + 1
            if seconds is not None and time.perf_counter() - t0 >= seconds:
                end = done  # out of time: this step closes the chunk
            log.write(json.dumps({"step": done, "loss": round(float(loss.detach()), 6),
                                  "lr": round(opt.param_groups[0]["lr"], 8),
                                  "time_s": round(time.perf_counter() - t0, 2)}) + "\n")
            log.flush()
            if done % cfg.checkpoint_every == 0 or done == end:
                save_state(out, net, opt, done, cfg)
            if cfg.eval_every and (done % cfg.eval_every == 0 or done == end):
                net.eval()
                last_eval = task.evaluate()
                log.write(json.dumps({"step": done, "eval": last_eval}) + "\n")
                log.flush()
            progress((done - start) / max(1, end - start), f"step {done}/{cfg.steps} loss {float(loss.detach()):.4f}")
            if done == end:
                break
    net.eval()
    return last_eval
