"""The Mask2Alpha refiner: RefineRequest (image, coarse probability, trimap) -> RefineResult (full-size alpha)."""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

import numpy as np

from ..nn.runtime import resolve_device
from ..protocol import BackendError, CancelFn, ProgressFn, RefineRequest, RefineResult, check_cancel
from . import specs
from .config import Mask2AlphaConfig, PriorKind, preset_config
from .sparse import SparseBackend, resolve_backend


class Mask2AlphaRefiner:
    """``preset`` picks the configuration and the project's trained weights for it; an explicit ``config`` (a custom
    network) runs with the weights at ``weights`` (sha256-checked) or randomly initialised."""

    name = "mask2alpha"

    def __init__(self, preset: str = "tiny", config: Optional[Mask2AlphaConfig] = None, device: str = "cpu",
                 backend: SparseBackend = "auto", prior: Optional[PriorKind] = None, weights: Optional[str] = None,
                 weights_sha256: str = ""):
        import torch

        from .model import Mask2AlphaNet

        try:
            cfg = config or preset_config(preset)
        except ValueError as exc:
            raise BackendError(str(exc)) from exc
        self.spec = None if config is not None else specs.OWN.get(preset)
        if prior is not None:
            cfg = replace(cfg, prior=prior)
        self.config, self.device = cfg, resolve_device(device)
        self.backend = resolve_backend(backend)  # imports spconv now (seconds), not during the first refine
        self.warnings: list[str] = []
        self.net = Mask2AlphaNet(cfg).eval()
        self._load_weights(weights, weights_sha256)
        self.net.to(self.device)
        self._torch = torch

    def _load_weights(self, path: Optional[str], sha256: str) -> None:
        from .. import weights as W
        from .dino_vit import map_dino_state_dict

        try:
            if path:
                sd = W.load_state_dict(path, sha256)
            elif self.spec is not None:
                sd = W.load_spec(self.spec)
            else:
                raise W.WeightsError("a custom configuration and no weights file")
            self.net.load_state_dict(sd, strict=True)
            return
        except (W.WeightsError, RuntimeError) as exc:
            self.warnings.append(f"mask2alpha: no usable trained weights ({_first_line(exc)}); running a randomly "
                                 "initialised network, its alpha is not meaningful")
        if self.config.prior == "dino":
            try:
                self.net.encoder.prior.net.load_state_dict(map_dino_state_dict(W.load_spec(specs.DINO_VITS16)),
                                                          strict=True)
            except (W.WeightsError, RuntimeError) as exc:
                self.warnings.append(f"mask2alpha: DINO ViT-S/16 prior not loaded ({_first_line(exc)}); "
                                     "its features are random")

    def refine(self, request: RefineRequest, progress: ProgressFn, cancel: CancelFn) -> RefineResult:
        torch = self._torch
        trimap = request.trimap
        info: dict = {"warnings": list(self.warnings), "sparse_backend": self.backend}
        if not (trimap == 128).any():
            return RefineResult((trimap == 255).astype(np.float32), info)
        check_cancel(cancel)

        def step(fraction: float, message: str) -> None:
            check_cancel(cancel)
            progress(fraction, message)

        dev = self.device
        with torch.inference_mode():
            image = _tensor(request.image, np.uint8).to(dev).permute(2, 0, 1)[None]
            image = image.float().div_(255.0)
            prob = _tensor(request.prob, np.float32).to(dev)[None, None]
            tri = _tensor(trimap, np.uint8).to(dev)[None, None]
            out = self.net(image, prob, tri, backend=self.backend, step=step)
            alpha = out.alpha[0, 0].float().cpu().numpy()
        info.update(undecided=out.undecided_counts, sparse_sites=out.num_sites)
        return RefineResult(np.ascontiguousarray(alpha, dtype=np.float32), info)


def _tensor(array: np.ndarray, dtype) -> "torch.Tensor":
    """A CPU tensor over ``array`` (copied only when it is read-only, strided or of another dtype)."""
    import torch

    a = np.ascontiguousarray(array, dtype=dtype)
    return torch.from_numpy(a if a.flags.writeable else a.copy())


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

