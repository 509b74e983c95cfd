"""A small training loop: seeded, AdamW, gradient clipping, loss per step, progress and cancel callables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import torch
from torch import nn

from ..protocol import CancelFn, ProgressFn, check_cancel, never_cancel, no_progress


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 100
    lr: float = 1e-3
    weight_decay: float = 1e-4
    clip_norm: float = 1.0
    seed: int = 0


@dataclass
class TrainLog:
    losses: list[float]

    @property
    def first(self) -> float:
        return self.losses[0]

    @property
    def last(self) -> float:
        return self.losses[-1]


def make_optimizer(net: nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    return torch.optim.AdamW([p for p in net.parameters() if p.requires_grad], lr=cfg.lr,
                             weight_decay=cfg.weight_decay)


def train(net: nn.Module, batches: Iterator, step: Callable[[nn.Module, object], torch.Tensor], cfg: TrainConfig,
          optimizer: torch.optim.Optimizer | None = None, progress: ProgressFn = no_progress,
          cancel: CancelFn = never_cancel) -> TrainLog:
    """Run ``cfg.steps`` steps of ``step(net, next(batches))``; returns the loss of every step."""
    torch.manual_seed(cfg.seed)
    opt = optimizer or make_optimizer(net, cfg)
    net.train()
    losses = []
    for i in range(cfg.steps):
        check_cancel(cancel)
        loss = step(net, next(batches))
        if not torch.isfinite(loss):
            raise FloatingPointError(f"loss became {loss.item()} at step {i}")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.clip_norm > 0:
            nn.utils.clip_grad_norm_(net.parameters(), cfg.clip_norm)
        opt.step()
        losses.append(float(loss.detach()))
        progress((i + 1) / cfg.steps, f"step {i + 1}/{cfg.steps} loss {losses[-1]:.4f}")
    net.eval()
    return TrainLog(losses)
