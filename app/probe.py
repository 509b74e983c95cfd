"""Event-loop responsiveness probe: a fast QTimer whose longest gap between ticks says how long the GUI thread was
blocked (printed by tests and benchmarks, never asserted tightly)."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer

TICK_MS = 5


class EventLoopProbe(QObject):
    def __init__(self, tick_ms: int = TICK_MS, parent: QObject | None = None):
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setInterval(tick_ms)
        self.timer.timeout.connect(self._tick)
        self.longest_gap_ms = 0.0
        self.ticks = 0
        self._last: float | None = None

    def start(self) -> None:
        self.longest_gap_ms, self.ticks, self._last = 0.0, 0, time.perf_counter()
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        self._tick()
        return self.longest_gap_ms

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.longest_gap_ms = max(self.longest_gap_ms, (now - self._last) * 1000.0)
        self._last = now
        self.ticks += 1
