"""Training batches made ahead in worker processes.

The synthetic stream is plain numpy and costs ~40 ms a sample on one core; on a GPU the network's step is far cheaper,
so a single process would leave the GPU waiting. :class:`Prefetch` serves ``segment_batch`` / ``matte_batch`` from a
pool of processes that work on the next steps while the trainer runs this one. A batch still depends only on
(seed, step), so a run with workers sees exactly the batches of a run without them."""

from __future__ import annotations

import multiprocessing as mp
from collections import OrderedDict
from typing import Optional

import numpy as np

from mattestudio.models.training.samples import MatteSample, SegmentSample

_SOURCE = None  # the wrapped source, in each worker process


def _init(source) -> None:
    global _SOURCE
    import cv2

    cv2.setNumThreads(1)  # one core per worker; the pool is the parallelism
    _SOURCE = source


def _make(kind: str, step: int, size: int):
    batch = getattr(_SOURCE, kind)(step, size)
    for s in batch:
        if isinstance(s, SegmentSample) and s.source is not None:
            scene, idx = s.source
            s.source = (scene.for_rounds(), idx)  # what a follow-up round needs, not the whole composition
    return batch


class Prefetch:
    """A data source (see :class:`mattestudio.models.training.samples.DataSource`) whose batches ``workers`` processes
    make ``ahead`` steps in advance; the rest is asked of ``source`` directly. Use as a context manager (or call
    :meth:`close`) so that the processes end with the run."""

    def __init__(self, source, workers: int, ahead: Optional[int] = None):
        if workers < 1:
            raise ValueError("Prefetch needs at least one worker")
        self.source = source
        self.ahead = int(ahead or 2 * workers)
        # fresh processes, not forks: a fork of a process whose OpenCV / OpenMP threads have run can deadlock
        ctx = mp.get_context("spawn")
        self._pool = ctx.Pool(workers, initializer=_init, initargs=(source,))
        self._pending: OrderedDict = OrderedDict()

    def _batch(self, kind: str, step: int, size: int):
        for s in range(step, step + self.ahead):
            key = (kind, s, size)
            if key not in self._pending:
                self._pending[key] = self._pool.apply_async(_make, key)
        for key in [k for k in self._pending if k[0] != kind or k[1] < step or k[2] != size]:
            del self._pending[key]  # a jump (resume, another batch size): results nobody will ask for
        return self._pending.pop((kind, step, size)).get()

    def segment_batch(self, step: int, size: int) -> list[SegmentSample]:
        return self._batch("segment_batch", step, size)

    def matte_batch(self, step: int, size: int) -> list[MatteSample]:
        return self._batch("matte_batch", step, size)

    def follow_up(self, sample: SegmentSample, prob: np.ndarray, step: int, index: int) -> SegmentSample:
        return self.source.follow_up(sample, prob, step, index)

    def segment_eval(self, count: int) -> list[SegmentSample]:
        return self.source.segment_eval(count)

    def matte_eval(self, count: int) -> list[MatteSample]:
        return self.source.matte_eval(count)

    def close(self) -> None:
        self._pending.clear()
        self._pool.terminate()
        self._pool.join()

    def __enter__(self) -> "Prefetch":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
