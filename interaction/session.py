"""The round-based matting session: one image, several named instances, rounds of mixed prompts, undo/redo.

A round runs in three steps so that a UI can compute on a worker thread: :meth:`Session.begin_round` snapshots the
request (and makes any earlier, still running round stale), :meth:`Session.compute` runs the back-ends without touching
the session, :meth:`Session.commit` stores the result unless a later edit made it stale (then it is dropped).
"""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

import numpy as np

from mattestudio.models import registry
from mattestudio.models.protocol import (CancelFn, ProgressFn, RefineRequest, SegmentRequest, never_cancel,
                                         no_progress)

from .grounding.step import GroundingStep
from .history import History, Instance, Round
from .instance_alphas import AlphaSource, edged_alphas
from .prompts import Prompt, PromptError, to_prompt_set
from .raster import conflict_map, rasterise, soft_pixels
from .results import RoundResult, quantise16
from .soft_refine import SoftFallback, handles_soft, refine_with_fallback
from .trimap import cover_soft, trimap_from_prob

#: rounds per instance whose results are kept (older rounds keep their prompts but can no longer be undone to)
HISTORY_LIMIT = 50

#: instance colours in order of use; blue first, which stands out against skin, hair and the warm colours of most
#: first subjects
PALETTE = [(60, 140, 230), (230, 60, 60), (60, 190, 90), (240, 170, 40), (170, 80, 220), (40, 200, 200),
           (230, 100, 170), (150, 150, 60)]


class SessionError(ValueError):
    """A session operation is not possible; the message is meant for the user."""


@dataclass(frozen=True)
class RoundTicket:
    """A snapshot of everything a round needs; computing it does not touch the session."""

    instance: str
    generation: int
    prompts: tuple[Prompt, ...]
    consumed_pending: int
    history: tuple[Prompt, ...]  # every prompt of the instance, this round's last
    previous: RoundResult | None
    image: np.ndarray
    image_key: str
    segmenter: object | None = None  # a segmenter for this round only (e.g. the prompt-free "Auto" proposal)

    def request(self) -> SegmentRequest:
        """The segmenter's input. Rasterising the seeds and the CRM conflict map at full resolution is work for the
        thread that computes the round, not for the one that begins it."""
        h, w = self.image.shape[:2]
        prev = self.previous
        pos, neg = rasterise(self.history, h, w)
        return SegmentRequest(
            image=self.image,
            prompts=to_prompt_set(self.history),
            new_prompts=to_prompt_set(self.prompts),
            pos_seeds=pos,
            neg_seeds=neg,
            conflict=conflict_map(None if prev is None else prev.mask, self.prompts, h, w),
            prev_prob=None if prev is None else prev.prob,
            prev_logits=None if prev is None else prev.logits,
            image_key=self.image_key,
            soft=soft_pixels(self.history, h, w),
        )


def image_key(image: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(str(image.shape).encode())
    h.update(np.ascontiguousarray(image).tobytes())
    return h.hexdigest()


class Session(History):
    def __init__(self, image: np.ndarray, segmenter: str | object = "classic", refiner: str | object = "classic",
                 device: str = "cpu", key: str | None = None):
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise SessionError("the session needs an H x W x 3 uint8 RGB image")
        self.image = np.ascontiguousarray(image)
        self.height, self.width = image.shape[:2]
        self.key = key or image_key(self.image)
        self.device = device
        self.segmenter = registry.create(segmenter, "segmenter", device) if isinstance(segmenter, str) else segmenter
        self.refiner = registry.create(refiner, "refiner", device) if isinstance(refiner, str) else refiner
        self.grounding = GroundingStep(device)  # text -> box, person prior (its networks load on first use)
        self._soft_fallback = SoftFallback()  # solves soft strokes for a refiner not made for them
        self._seq = 0  # counts the instances' actions (prompts, rounds, edge steps): one undo history per instance
        self.instances: dict[str, Instance] = {}

    # ----------------------------------------------------------------- instances
    def add_instance(self, name: str | None = None) -> Instance:
        if name is None:
            i = len(self.instances) + 1
            while f"instance {i}" in self.instances:
                i += 1
            name = f"instance {i}"
        name = name.strip()
        if not name:
            raise SessionError("an instance needs a name")
        if name in self.instances:
            raise SessionError(f"an instance named '{name}' exists already")
        used = {inst.colour for inst in self.instances.values()}
        colour = next((c for c in PALETTE if c not in used), PALETTE[len(self.instances) % len(PALETTE)])
        inst = Instance(name, colour)
        self.instances[name] = inst
        return inst

    def instance(self, name: str) -> Instance:
        try:
            return self.instances[name]
        except KeyError:
            raise SessionError(f"no instance named '{name}'") from None

    def remove_instance(self, name: str) -> Instance:
        inst = self.instance(name)
        del self.instances[name]
        return inst

    def rename_instance(self, old: str, new: str) -> None:
        new = new.strip()
        if not new:
            raise SessionError("an instance needs a name")
        if new != old and new in self.instances:
            raise SessionError(f"an instance named '{new}' exists already")
        inst = self.instance(old)
        inst.name = new
        self.instances = {(new if k == old else k): v for k, v in self.instances.items()}

    # ----------------------------------------------------------------- prompts of the open round
    def validate(self, prompt: Prompt) -> Prompt:
        prompt.validate(self.width, self.height)
        return prompt

    def add_prompt(self, name: str, prompt: Prompt) -> None:
        inst = self.instance(name)
        inst.pending.append(self.validate(prompt))
        inst.pending_seq.append(self._new_action(inst))

    # ----------------------------------------------------------------- rounds
    def begin_round(self, name: str, prompts: list[Prompt] | tuple[Prompt, ...] | None = None,
                    segmenter: object | None = None) -> RoundTicket:
        """Snapshot a round of ``prompts`` (default: the open round's pending prompts) for ``name``; ``segmenter``
        replaces the session's segmenter for this round only."""
        inst = self.instance(name)
        consumed = 0
        if prompts is None:
            prompts = list(inst.pending)
            consumed = len(prompts)
        prompts = tuple(self.validate(p) for p in prompts)
        if not prompts:
            raise SessionError("a round needs at least one prompt")
        inst.generation += 1
        return RoundTicket(name, inst.generation, prompts, consumed, tuple(inst.all_prompts()) + prompts, inst.result,
                           self.image, self.key, segmenter)

    def compute(self, ticket: RoundTicket, progress: ProgressFn = no_progress,
                cancel: CancelFn = never_cancel) -> RoundResult:
        """Ground the round's text (its detection becomes the box; see interaction/grounding), then run segmenter,
        trimap and refiner for ``ticket``; touches no session state (safe on a worker thread)."""
        grounded = self.grounding.ground(ticket, ticket.segmenter or self.segmenter)
        result = self._compute(grounded.ticket, grounded.prior, progress, cancel)
        grounded.annotate(result, [self._compute(t, p, no_progress, cancel) for t, p, _ in grounded.siblings])
        return result

    def _compute(self, ticket: RoundTicket, prior: np.ndarray | None, progress: ProgressFn,
                 cancel: CancelFn) -> RoundResult:
        t0 = time.perf_counter()
        req = ticket.request()
        req.prior = prior
        segmenter = ticket.segmenter or self.segmenter
        seg = segmenter.segment(req, lambda f, m="": progress(0.5 * f, m), cancel)
        t1 = time.perf_counter()
        prob = cover_soft(seg.prob, req.soft)  # soft strokes: inside the mask, unknown in the trimap
        part = lambda f, m="": progress(0.5 + 0.5 * f, m)  # noqa: E731
        if req.soft.any() and not handles_soft(self.refiner):
            ref, trimap, alpha_seconds = refine_with_fallback(self.refiner, self._soft_fallback, self.image,
                                                              self.key, seg.prob, prob, req.soft, part, cancel)
        else:
            ref, trimap, alpha_seconds = self._refine(prob, part, cancel, req.soft)
        t2 = time.perf_counter()
        progress(1.0, "done")
        warnings = list(seg.info.get("warnings", [])) + list(ref.info.get("warnings", []))
        # results live on the 16-bit grid of their packed form, so undo/redo and project files restore them exactly
        # (a UI calls ``result.pack()`` on its worker too, so that committing never encodes on the GUI thread)
        return RoundResult(quantise16(prob), quantise16(ref.alpha), req.conflict, trimap,
                           seg.logits, t1 - t0, t2 - t1, warnings, alpha_seconds=alpha_seconds)

    def _refine(self, prob: np.ndarray, progress: ProgressFn, cancel: CancelFn,
                soft: np.ndarray | None = None) -> tuple:
        """The refiner's result, the round's trimap and the refiner call's own seconds. A refiner that does not read
        the trimap (``uses_trimap = False``) gets none; the trimap (for display and the project file) is computed after
        it, or beside it on another thread when the refiner's work runs on an accelerator (on a CPU the two would only
        compete for its cores)."""

        def timed(trimap: np.ndarray | None) -> tuple:
            t = time.perf_counter()
            ref = self.refiner.refine(RefineRequest(self.image, prob, trimap, self.key, soft), progress, cancel)
            return ref, time.perf_counter() - t

        if getattr(self.refiner, "uses_trimap", True):
            trimap = trimap_from_prob(self.image, prob, soft=soft)
            ref, seconds = timed(trimap)
        elif not getattr(self.refiner, "on_accelerator", False):
            ref, seconds = timed(None)
            trimap = trimap_from_prob(self.image, prob, soft=soft)
        else:
            with ThreadPoolExecutor(1, thread_name_prefix="trimap") as pool:
                job = pool.submit(trimap_from_prob, self.image, prob, soft=soft)
                ref, seconds = timed(None)
                trimap = job.result()
        return ref, trimap, seconds

    def is_current(self, ticket: RoundTicket) -> bool:
        inst = self.instances.get(ticket.instance)
        return inst is not None and inst.generation == ticket.generation

    def commit(self, ticket: RoundTicket, result: RoundResult) -> bool:
        """Store ``result`` as the instance's newest round; False (and nothing stored) when it is stale."""
        if not self.is_current(ticket):
            return False
        inst = self.instances[ticket.instance]
        if inst.rounds:
            inst.rounds[-1].release()
        inst.rounds.append(Round(ticket.prompts + tuple(result.added), live=result, seq=self._new_action(inst)))
        inst.redo_rounds.clear()
        n = ticket.consumed_pending
        if n and tuple(inst.pending[:n]) == ticket.prompts[:n]:
            del inst.pending[:n]
            del inst.pending_seq[:n]
        for old in inst.rounds[:-HISTORY_LIMIT]:
            old.live, old.packed = None, None
        inst.generation += 1
        for prompts, res in result.siblings:  # "all" / "both": one more instance per further detection
            k = 2
            while f"{ticket.instance} {k}" in self.instances:
                k += 1
            sibling = self.add_instance(f"{ticket.instance} {k}")
            sibling.rounds.append(Round(tuple(prompts), live=res, seq=self._seq))
            sibling.generation += 1
            inst.rounds[-1].spawned.append(sibling)
        result.siblings = []  # stored as their own rounds now: their arrays are released with those
        return True

    def run_round(self, name: str, prompts: list[Prompt] | tuple[Prompt, ...] | None = None,
                  progress: ProgressFn = no_progress, cancel: CancelFn = never_cancel) -> RoundResult:
        ticket = self.begin_round(name, prompts)
        result = self.compute(ticket, progress, cancel)
        self.commit(ticket, result)
        return result

    # ----------------------------------------------------------------- results
    def alphas(self) -> dict[str, np.ndarray]:
        """Current alpha of every instance with a result, after its edge controls, made exclusive (per pixel sum
        <= 1)."""
        return self.alphas_snapshot()()

    def alphas_snapshot(self, size: tuple[int, int] | None = None) -> Callable[[], dict[str, np.ndarray]]:
        """What :meth:`alphas` needs, taken now, as a function that may run later on another thread (results and
        prompts are immutable; later rounds do not change the snapshot); with ``size`` (width, height) it gives them
        at that preview size."""
        sources = [AlphaSource(name, inst.result, tuple(inst.all_prompts()), inst.edge)
                   for name, inst in self.instances.items() if inst.result is not None]
        return lambda: edged_alphas(sources, size)


__all__ = ["Session", "SessionError", "Instance", "Round", "RoundTicket", "RoundResult", "PromptError",
           "HISTORY_LIMIT"]
