"""Overlay images rendered off the GUI thread.

Turning a round's alphas into tinted, composited RGBA images touches every pixel several times (tens of ms for an
800 px photo, far more at 12 MP), so it runs on a small render thread of its own: the GUI thread only snapshots what
the overlays need and, when the images come back, swaps pixmaps. Requests coalesce — only the newest pending one is
rendered — and answers older than the newest request are dropped.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Callable

import cv2
import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from mattestudio.interaction.edge import decontamination

from . import overlays as ov

log = logging.getLogger(__name__)

#: overlays drawn from the instances' alphas (the others come from the current round's maps)
ALPHA_OVERLAYS = (ov.Overlay.COMPOSITE, ov.Overlay.ALPHA, ov.Overlay.MASK)


@dataclass(frozen=True)
class OverlayRequest:
    """Everything one render needs, snapshotted on the GUI thread (arrays are not modified afterwards). For a preview
    (while an edge slider moves) ``image`` is a reduced copy of the photo and ``alphas`` gives alphas of its size;
    ``full_shape`` is then the photo's own (H, W), and the trimap and conflict map are reduced to match."""

    image: np.ndarray
    alphas: Callable[[], dict[str, np.ndarray]]  # exclusive alphas per instance (runs on the render thread)
    colours: dict[str, tuple[int, int, int]]
    trimap: np.ndarray | None
    conflict: np.ndarray | None
    visible: dict[ov.Overlay, bool]
    background: tuple[int, int, int] | None
    decontaminate: dict[str, float] = field(default_factory=dict)  # per instance, 0..100 % (the composite's colours)
    full_shape: tuple[int, int] | None = None


def _fit(a: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray | None:
    """A label map at the size of ``shape`` (nearest neighbour: labels stay labels)."""
    if a is None or a.shape[:2] == shape[:2]:
        return a
    return cv2.resize(a, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)


def _composite(req: OverlayRequest, layers: list[ov.InstanceLayer], union: np.ndarray) -> np.ndarray:
    """The composite; where an instance decontaminates its colours, its partly transparent pixels show them (only
    those pixels are recomputed: alpha x (decontaminated - photo) added to the plain composite)."""
    out = ov.composite(req.image, union, req.background)
    h, w = req.image.shape[:2]
    scale = w / req.full_shape[1] if req.full_shape else 1.0
    for layer in layers:
        change = decontamination(req.image, layer.alpha, req.decontaminate.get(layer.name, 0.0), scale, req.full_shape)
        if change is not None:
            (ys, xs), delta = change
            rgb = out[ys, xs, :3] + layer.alpha[ys, xs, None] * delta
            out[ys, xs, :3] = np.clip(rgb + 0.5, 0, 255).astype(np.uint8)
    return out


def render(req: OverlayRequest) -> dict[ov.Overlay, QImage | None]:
    """The overlay images of ``req`` (None: the layer is hidden or has nothing to show). Safe on any thread."""
    vis = req.visible
    h, w = req.image.shape[:2]
    layers = []
    if any(vis.get(k, False) for k in ALPHA_OVERLAYS):
        layers = [ov.InstanceLayer(n, req.colours[n], a) for n, a in req.alphas().items()]
    union = ov.union_alpha(layers, h, w) if layers and (vis.get(ov.Overlay.COMPOSITE) or vis.get(ov.Overlay.ALPHA)) \
        else None
    trimap, conflict = _fit(req.trimap, (h, w)), _fit(req.conflict, (h, w))
    makers = {
        ov.Overlay.COMPOSITE: lambda: _composite(req, layers, union) if layers else None,
        ov.Overlay.ALPHA: lambda: ov.alpha_grey(union) if layers else None,
        ov.Overlay.MASK: lambda: ov.mask_tint(layers, h, w) if layers else None,
        ov.Overlay.TRIMAP: lambda: None if trimap is None else ov.unknown_band(trimap),
        ov.Overlay.CONFLICT: lambda: None if conflict is None else ov.conflict_colours(conflict),
    }
    out: dict[ov.Overlay, QImage | None] = {}
    for kind, make in makers.items():
        rgba = make() if vis.get(kind, False) else None
        out[kind] = None if rgba is None else ov.to_qimage(rgba)
    return out


class OverlayRenderer(QObject):
    """One daemon render thread; :meth:`request` returns a generation number that :attr:`rendered` carries back."""

    rendered = Signal(int, object)  # generation, {Overlay: QImage | None}
    failed = Signal(int, str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._cond = threading.Condition()
        self._pending: tuple[int, OverlayRequest] | None = None
        self._generation = 0
        self._stopped = False
        self._thread = threading.Thread(target=self._loop, name="mattestudio-overlays", daemon=True)
        self._thread.start()

    @property
    def generation(self) -> int:
        return self._generation

    def request(self, req: OverlayRequest) -> int:
        with self._cond:
            self._generation += 1
            self._pending = (self._generation, req)
            self._cond.notify()
            return self._generation

    def supersede(self) -> int:
        """A new generation with nothing to render (the caller renders it itself): pending and running renders
        become stale."""
        with self._cond:
            self._generation += 1
            self._pending = None
            return self._generation

    def stop(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._stopped = True
            self._pending = None
            self._cond.notify()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._stopped:
                    self._cond.wait()
                if self._stopped:
                    return
                generation, req = self._pending
                self._pending = None
            try:
                images = render(req)
            except Exception as exc:  # noqa: BLE001 - reported to the window, the thread lives on
                log.exception("overlay rendering failed")
                self._emit(self.failed, generation, f"{type(exc).__name__}: {exc}")
                continue
            self._emit(self.rendered, generation, images)

    def _emit(self, signal, *args) -> None:
        with self._cond:
            if self._stopped:
                return
        try:
            signal.emit(*args)
        except RuntimeError:  # the window (and this object) is gone
            pass
