"""One long-lived inference worker on its own QThread; every slow call (opening a session, warming the matting
solver, computing a round) runs there as a :class:`Job`.

Jobs carry (image id, round id) so the controller can drop answers about an image or round that is no longer current.
Cancellation is cooperative: each job has a ``threading.Event`` that the back-ends poll through ``cancel()``; the
thread is never terminated.
"""

from __future__ import annotations

import logging
import threading
import traceback
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from mattestudio.interaction.errors import USER_ERRORS, Cancelled

log = logging.getLogger(__name__)

#: progress reports closer together than this fraction are not forwarded (keeps the signal queue short)
PROGRESS_STEP = 0.01


class JobKind(str, Enum):
    OPEN = "open"
    WARMUP = "warmup"
    BACKENDS = "backends"
    ROUND = "round"
    IMPORT = "import"


@dataclass(eq=False)
class Job:
    kind: JobKind
    image_id: int
    round_id: int
    run: Callable[[Callable[[float, str], None], Callable[[], bool]], object]
    instance: str = ""
    payload: object = None  # e.g. the round ticket
    cancel_event: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()


def error_text(exc: BaseException) -> str:
    """A message for the user: the text of an expected error, the type and text of anything else."""
    if isinstance(exc, USER_ERRORS):
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}"


class InferenceWorker(QObject):
    """Lives on the worker thread; runs one job at a time in the order they were submitted."""

    started = Signal(object)
    progress = Signal(object, float, str)
    finished = Signal(object, object)
    failed = Signal(object, str)
    cancelled = Signal(object)

    @Slot(object)
    def execute(self, job: Job) -> None:
        if job.cancelled:
            self.cancelled.emit(job)
            return
        self.started.emit(job)
        last = [-1.0]

        def progress(fraction: float, message: str = "") -> None:
            if fraction - last[0] >= PROGRESS_STEP or fraction >= 1.0 or message:
                last[0] = fraction
                self.progress.emit(job, float(fraction), str(message))

        try:
            result = job.run(progress, job.cancel_event.is_set)
        except Cancelled:
            self.cancelled.emit(job)
        except Exception as exc:  # noqa: BLE001 - every failure of a back-end must reach the user, not the console
            if not isinstance(exc, USER_ERRORS):
                log.error("job %s failed:\n%s", job.kind.value, traceback.format_exc())
            self.failed.emit(job, error_text(exc))
        else:
            if job.cancelled:
                self.cancelled.emit(job)
            else:
                self.finished.emit(job, result)


class WorkerHost(QObject):
    """Owns the worker thread (GUI side): submit jobs, cancel them, stop the thread on exit."""

    _submit = Signal(object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("mattestudio-inference")
        self.worker = InferenceWorker()
        self.worker.moveToThread(self.thread)
        self._submit.connect(self.worker.execute)
        self.pending: list[Job] = []
        for sig in (self.worker.finished, self.worker.failed, self.worker.cancelled):
            sig.connect(self._forget)
        self.thread.start()

    def submit(self, job: Job) -> Job:
        self.pending.append(job)
        self._submit.emit(job)
        return job

    def cancel(self, predicate: Callable[[Job], bool] = lambda job: True) -> int:
        n = 0
        for job in self.pending:
            if predicate(job) and not job.cancelled:
                job.cancel()
                n += 1
        return n

    @property
    def busy(self) -> bool:
        return any(not j.cancelled for j in self.pending)

    def _forget(self, job: Job, *_):
        if job in self.pending:
            self.pending.remove(job)

    def stop(self) -> None:
        """Cancel everything and wait for the thread to finish its current job."""
        self.cancel()
        self.thread.quit()
        self.thread.wait()
