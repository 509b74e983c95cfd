"""Exact loading of state dicts into modules, the project's own checkpoints (safetensors, sha256-checked)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from torch import nn

from .. import weights as W
from ..registry import WeightSpec


@dataclass
class LoadReport:
    loaded: int
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # keys of other parts of the file, not meant for this module

    @property
    def exact(self) -> bool:
        return not self.missing and not self.unexpected


def strict_load(module: nn.Module, state: dict, ignored: list[str] | None = None) -> LoadReport:
    """Load ``state`` into ``module``; refuse (WeightsError) unless every key matches both ways."""
    result = module.load_state_dict(state, strict=False)
    report = LoadReport(len(state) - len(result.unexpected_keys), list(result.missing_keys),
                        list(result.unexpected_keys), list(ignored or []))
    if not report.exact:
        raise W.WeightsError(f"checkpoint does not fit the {type(module).__name__}: "
                             f"{len(report.missing)} missing keys (e.g. {report.missing[:3]}), "
                             f"{len(report.unexpected)} unexpected keys (e.g. {report.unexpected[:3]})")
    return report


def load_file_into(module: nn.Module, path: str | Path, sha256: str) -> LoadReport:
    """Verify ``path`` against ``sha256`` and load it exactly into ``module`` (fp16 files become fp32)."""
    state = {k: v.float() if v.is_floating_point() else v for k, v in W.load_state_dict(path, sha256).items()}
    return strict_load(module, state)


def load_spec_into(module: nn.Module, spec: WeightSpec) -> LoadReport | None:
    """Load the file of ``spec`` into ``module`` (exact, sha256-checked); None when the file is absent."""
    path = W.resolve(spec)
    return None if path is None else load_file_into(module, path, spec.sha256)


def save_checkpoint(module: nn.Module, path: str | Path, half: bool = False) -> str:
    """Write ``module``'s state dict as safetensors (optionally fp16) and return its sha256."""
    from safetensors.torch import save_file

    state = {k: (v.half() if half and v.is_floating_point() else v).contiguous().cpu()
             for k, v in module.state_dict().items()}
    save_file(state, str(path))
    return W.sha256_of(path)
